package http

import (
	"context"
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
