package http

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/screen/screening"
)

func TestUIScreeningQueueAndPartyMatches(t *testing.T) {
	e := newUIEnv(t)
	ctx := context.Background()
	demo, err := screening.DemoList(ctx, e.store, filepath.Join(t.TempDir(), "lists"), "test")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := screening.New(e.store, screening.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := svc.PartyMatches(ctx, demo.Showcase, false)
	if err != nil || len(ms) != 1 {
		t.Fatalf("showcase matches: %v %+v", err, ms)
	}
	m := ms[0]
	decide := "/ui/matches/" + m.ID + "/decision"

	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	code, page, tok := e.get(t, analyst, "/ui/screening")
	if code != http.StatusOK || !strings.Contains(page, "Screening review queue") || !strings.Contains(page, m.PartyName) ||
		!strings.Contains(page, `id="match-`+m.ID+`"`) || !strings.Contains(page, "Why:") || !strings.Contains(page, `name="reason"`) ||
		!strings.Contains(page, screening.DemoListName) || !strings.Contains(page, `href="/ui/screening" aria-current="page"`) {
		t.Fatalf("queue page (%d) lacks the match, its explanation or the form:\n%s", code, page)
	}
	_, party, _ := e.get(t, analyst, "/ui/parties/"+demo.Showcase)
	if !strings.Contains(party, `hx-get="/ui/parties/`+demo.Showcase+`/matches"`) {
		t.Fatal("the party page does not load its matches")
	}

	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	_, apage, atok := e.get(t, auditor, "/ui/screening")
	if !strings.Contains(apage, m.PartyName) || strings.Contains(apage, `name="reason"`) || strings.Contains(apage, "/decision") {
		t.Fatal("the auditor's queue shows a decision form (or no match)")
	}
	_, frag, _ := e.get(t, auditor, "/ui/parties/"+demo.Showcase+"/matches")
	if !strings.Contains(frag, m.EntryName) || strings.Contains(frag, "<form") || strings.Contains(frag, "<html") {
		t.Fatalf("auditor's fragment:\n%s", frag)
	}
	if resp, _ := e.post(t, auditor, decide, url.Values{"csrf": {atok}, "decision": {"confirm"}, "reason": {"forged"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor decision = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, analyst, decide, url.Values{"decision": {"confirm"}, "reason": {"no token"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("decision without CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, analyst, decide, url.Values{"csrf": {tok}, "decision": {"confirm"}, "reason": {""}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("decision without a reason = %d, want 400", resp.StatusCode)
	}
	resp, _ := e.post(t, analyst, decide, url.Values{"csrf": {tok}, "decision": {"confirm"}, "reason": {"same unit number and parent <b>ministry</b>"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/screening?decided=") {
		t.Fatalf("confirm = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page, _ = e.get(t, analyst, resp.Header.Get("Location"))
	if !strings.Contains(page, "Match "+m.ID+" is now confirmed.") || strings.Contains(page, `id="match-`+m.ID+`"`) {
		t.Fatal("the queue does not report the confirmation, or still lists the match")
	}
	// From the party page, with htmx: the section comes back re-rendered.
	resp, frag = e.post(t, analyst, decide, url.Values{"csrf": {tok}, "decision": {"dismiss"}, "reason": {"a namesake <script>x</script>"}, "party": {demo.Showcase}},
		http.Header{"Hx-Request": {"true"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(frag, "is now dismissed") || strings.Contains(frag, "<script>x") || !strings.Contains(frag, "&lt;script&gt;x") {
		t.Fatalf("htmx dismiss = %d:\n%s", resp.StatusCode, frag)
	}
	got, err := svc.Store().GetMatch(ctx, m.ID)
	if err != nil || got.Status != screening.StatusDismissed || got.DecidedBy != "analyst" {
		t.Fatalf("stored match = %+v, %v", got, err)
	}

	// A delta run from the queue: nothing changed, nothing new.
	if resp, _ := e.post(t, auditor, "/ui/screening/runs", url.Values{"csrf": {atok}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor run = %d, want 403", resp.StatusCode)
	}
	if strings.Contains(apage, "/ui/screening/runs") {
		t.Fatal("the auditor sees the run button")
	}
	resp, _ = e.post(t, analyst, "/ui/screening/runs", url.Values{"csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/screening?found=0&reopened=0&cleared=0" {
		t.Fatalf("run = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page, _ := e.get(t, analyst, resp.Header.Get("Location")); !strings.Contains(page, "Screening done: 0 new matches") {
		t.Fatal("the queue does not report the run")
	}

	// French.
	fr := e.client(t)
	e.signIn(t, fr, "reviewer", uiPassword)
	u, _ := url.Parse(e.srv.URL)
	fr.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: "fr", Path: "/"}})
	if _, page, _ := e.get(t, fr, "/ui/screening"); !strings.Contains(page, "File de revue du criblage") || !strings.Contains(page, "Listes de criblage") {
		t.Fatal("the queue is not in French")
	}
}

// postFiles sends the list-upload form as a browser does: multipart, with
// the CSRF token and the files.
func (e *uiEnv) postFiles(t *testing.T, c *http.Client, path string, form url.Values, files map[string]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestUIListUpload imports list versions from the screening page: the form
// only for those who may import, CSRF, the summary of what a version
// added, changed and removed, the same file again storing nothing, and a
// malformed file reported on the page with its line, storing nothing.
func TestUIListUpload(t *testing.T) {
	e := newUIEnv(t)
	const list = "id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471,organization,no,NGO report\n2,Tarn Valley Rifles,,organization,no,NGO report\n"
	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	_, page, tok := e.get(t, analyst, "/ui/screening")
	if !strings.Contains(page, `action="/ui/screening/lists"`) || !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `name="file"`) {
		t.Fatalf("the analyst's page has no upload form:\n%s", page)
	}
	approver := e.client(t)
	e.signIn(t, approver, "approver", uiPassword)
	_, apage, atok := e.get(t, approver, "/ui/screening")
	if strings.Contains(apage, "/ui/screening/lists") {
		t.Fatal("the approver, who may not import, sees the upload form")
	}
	if resp, _ := e.postFiles(t, approver, "/ui/screening/lists", url.Values{"csrf": {atok}, "format": {"csv"}}, map[string]string{"ngo.csv": list}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("approver upload = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.postFiles(t, analyst, "/ui/screening/lists", url.Values{"format": {"csv"}}, map[string]string{"ngo.csv": list}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without the CSRF token = %d, want 403", resp.StatusCode)
	}

	form := url.Values{"csrf": {tok}, "format": {"csv"}, "name": {"ngo-units"}, "kind": {"military_end_user"}}
	resp, _ := e.postFiles(t, analyst, "/ui/screening/lists", form, map[string]string{"ngo.csv": list})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/screening?imported=ngo-units&version=1" {
		t.Fatalf("upload = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page, _ = e.get(t, analyst, resp.Header.Get("Location"))
	if !strings.Contains(page, "List ngo-units: version 1, 2 entries: 2 added, 0 changed, 0 removed.") || !strings.Contains(page, "military end users") {
		t.Fatalf("the page does not report the new version:\n%s", page)
	}
	resp, _ = e.postFiles(t, analyst, "/ui/screening/lists", form, map[string]string{"ngo.csv": list})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "&unchanged=1") {
		t.Fatalf("the same file again = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page, _ = e.get(t, analyst, resp.Header.Get("Location"))
	if !strings.Contains(page, "List ngo-units unchanged: still version 1, nothing stored.") {
		t.Fatal("the page does not say the list is unchanged")
	}
	// A second version: one entry changed, one removed, one added.
	v2 := "id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471;4471st Brigade,organization,no,NGO report\n3,Quillon Border Guard,,organization,no,NGO report\n"
	resp, _ = e.postFiles(t, analyst, "/ui/screening/lists", form, map[string]string{"ngo-2.csv": v2})
	_, page, _ = e.get(t, analyst, resp.Header.Get("Location"))
	if !strings.Contains(page, "List ngo-units: version 2, 2 entries: 1 added, 1 changed, 1 removed.") {
		t.Fatalf("second version:\n%s", page)
	}

	resp, page = e.postFiles(t, analyst, "/ui/screening/lists", form, map[string]string{"bad.csv": v2 + "4,,,organization,no,x\n"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `role="alert"`) || !strings.Contains(page, "bad.csv: line 4") ||
		!strings.Contains(page, `value="ngo-units"`) {
		t.Fatalf("malformed upload = %d:\n%s", resp.StatusCode, page)
	}
	resp, page = e.postFiles(t, analyst, "/ui/screening/lists", url.Values{"csrf": {tok}, "format": {"csv"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "choose the list file") {
		t.Fatalf("upload without a file = %d", resp.StatusCode)
	}
	svc, err := screening.New(e.store, screening.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := svc.Store().ListVersions(context.Background(), "ngo-units")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions after a refused upload: %+v, %v", vs, err)
	}

	// French.
	fr := e.client(t)
	e.signIn(t, fr, "reviewer", uiPassword)
	u, _ := url.Parse(e.srv.URL)
	fr.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: "fr", Path: "/"}})
	if _, page, _ := e.get(t, fr, "/ui/screening?imported=ngo-units&version=2"); !strings.Contains(page, "Importer une version de liste") ||
		!strings.Contains(page, "1\u00a0ajoutées") && !strings.Contains(page, "1 ajoutées") {
		t.Fatalf("the upload form is not in French:\n%s", page)
	}
}
