package http

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

// grievanceUIEnv is the UI environment with a grievance key.
func grievanceUIEnv(t *testing.T, opts ...Option) *uiEnv {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "keys")
	if _, err := grievance.GenerateKeyWorkFactor(keys, testGrievancePass, 10); err != nil {
		t.Fatal(err)
	}
	return newUIEnv(t, append([]Option{WithGrievanceConfig(grievance.Config{KeyDir: keys})}, opts...)...)
}

// postMultipart sends a form as multipart/form-data, as the public form does.
func (e *uiEnv) postMultipart(t *testing.T, c *http.Client, path string, fields map[string]string, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var receiptCode = regexp.MustCompile(`<code id="receipt-code">([0-9A-Z-]+)</code>`)

func TestUIGrievancePublicFormAndInbox(t *testing.T) {
	e := grievanceUIEnv(t)
	pub := e.client(t)

	// The form speaks the language of ?lang= or, without it, of the
	// browser; every field has a label.
	_, page, _ := e.get(t, pub, "/grievance/?lang=fr")
	if !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, "Faire un signalement") {
		t.Fatalf("French form:\n%.400s", page)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/grievance/", nil)
	req.Header.Set("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")
	resp, err := pub.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `<html lang="fr">`) {
		t.Fatal("Accept-Language fr does not give the French form")
	}
	status, page, tok := e.get(t, pub, "/grievance/")
	if status != http.StatusOK || !strings.Contains(page, `<html lang="en">`) || tok == "" {
		t.Fatalf("English form: %d", status)
	}
	for _, id := range regexp.MustCompile(`<(?:input|textarea|select) id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `<label for="`+id[1]+`"`) {
			t.Errorf("field %s has no label", id[1])
		}
	}

	// A named submission with a file; the receipt page shows the code.
	resp, page = e.postMultipart(t, pub, "/grievance/", map[string]string{"csrf": tok, "lang": "en", "subject": "Calls transcribed",
		"description": "Line one.\nLine two.", "email": "ui.whistle@example.org"}, map[string][]byte{"dates.txt": []byte("3 and 4 November\n")})
	m := receiptCode.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusCreated || m == nil {
		t.Fatalf("submit: %d\n%s", resp.StatusCode, page)
	}
	code := m[1]
	// A refused file type comes back on the form, with what was typed.
	resp, page = e.postMultipart(t, pub, "/grievance/", map[string]string{"csrf": tok, "subject": "Kept subject", "description": "d"},
		map[string][]byte{"page.html": []byte("<html><body>hi</body></html>")})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) || !strings.Contains(page, `value="Kept subject"`) {
		t.Fatalf("refused file: %d\n%s", resp.StatusCode, page)
	}
	// Without the form's token the submission is refused.
	if resp, _ := e.postMultipart(t, pub, "/grievance/", map[string]string{"subject": "s", "description": "d"}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", resp.StatusCode)
	}

	// The status page in plain words, then added information.
	resp, page = e.post(t, pub, "/grievance/status", url.Values{"csrf": {tok}, "code": {strings.ToLower(code)}}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "We have received your grievance. We will acknowledge it by") {
		t.Fatalf("status: %d\n%s", resp.StatusCode, page)
	}
	resp, page = e.postMultipart(t, pub, "/grievance/information", map[string]string{"csrf": tok, "code": code, "text": "One more detail."}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Your information has been added.") || !strings.Contains(page, "One more detail.") {
		t.Fatalf("add information: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := e.post(t, pub, "/grievance/status", url.Values{"csrf": {tok}, "code": {"AAAA-AAAA-AAAA-AAAA-AAAA"}}, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown code: %d", resp.StatusCode)
	}

	// Officers see the inbox and act; an analyst reads but cannot act.
	off := e.client(t)
	e.signIn(t, off, "grievance_officer", uiPassword)
	status, page, otok := e.get(t, off, "/ui/grievances")
	if status != http.StatusOK || !strings.Contains(page, "Calls transcribed") || strings.Contains(page, "ui.whistle@example.org") {
		t.Fatalf("inbox: %d\n%s", status, page)
	}
	id := regexp.MustCompile(`href="/ui/grievances/(G[0-9A-Z]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no grievance link in the inbox")
	}
	gpath := "/ui/grievances/" + id[1]
	resp, _ = e.post(t, off, gpath+"/acknowledge", url.Values{"csrf": {otok}, "message": {"Received, we are on it."}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", resp.StatusCode)
	}
	resp, page = e.post(t, off, gpath+"/triage", url.Values{"csrf": {otok}, "party_ids": {"NO-SUCH-PARTY"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="action-error"`) {
		t.Fatalf("bad triage: %d", resp.StatusCode)
	}
	resp, page = e.post(t, off, gpath+"/contact", url.Values{"csrf": {otok}, "passphrase": {"wrong"}}, nil)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(page, "ui.whistle@example.org") {
		t.Fatalf("wrong passphrase: %d", resp.StatusCode)
	}
	resp, page = e.post(t, off, gpath+"/contact", url.Values{"csrf": {otok}, "passphrase": {testGrievancePass}}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<dd id="c-email">ui.whistle@example.org</dd>`) {
		t.Fatalf("open contact: %d", resp.StatusCode)
	}
	if strings.Contains(e.logs.String(), "ui.whistle@example.org") || strings.Contains(e.logs.String(), code) {
		t.Fatal("the server log holds the contact or the receipt code")
	}
	an := e.client(t)
	e.signIn(t, an, "analyst", uiPassword)
	status, page, atok := e.get(t, an, gpath)
	if status != http.StatusOK || strings.Contains(page, `action="`+gpath+`/answer"`) {
		t.Fatalf("analyst view: %d", status)
	}
	if resp, _ := e.post(t, an, gpath+"/answer", url.Values{"csrf": {atok}, "message": {"x"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst answers: %d", resp.StatusCode)
	}
	// The submitter sees the acknowledgement, not the officer's name.
	_, page = e.post(t, pub, "/grievance/status", url.Values{"csrf": {tok}, "code": {code}}, nil)
	if !strings.Contains(page, "Received, we are on it.") || strings.Contains(page, "grievance_officer") || !strings.Contains(page, "We will answer by") {
		t.Fatalf("status after acknowledgement:\n%s", page)
	}

	// The engagement record: a letter, a promise already overdue.
	status, _, otok = e.get(t, off, "/ui/engagements")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	resp, _ = e.post(t, off, "/ui/engagements", url.Values{"csrf": {otok}, "kind": {"letter_in"}, "stakeholder_type": {"civil_society"},
		"stakeholders": {"Six organisations"}, "date": {"2026-10-01"}, "asked": {"Suspend the service"}, "promise": {"Answer in writing"}, "due": {"2026-10-15"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record engagement: %d", resp.StatusCode)
	}
	_, page, _ = e.get(t, off, "/ui/engagements")
	if !strings.Contains(page, "Six organisations") || !strings.Contains(page, `badge tier-3">overdue`) {
		t.Fatalf("engagement page:\n%s", page)
	}
	_, page, _ = e.get(t, off, "/ui/grievances")
	if !strings.Contains(page, "Promises past their due date: 1.") {
		t.Fatalf("the inbox does not list the overdue promise")
	}
}

func TestUIGrievanceFormRateLimit(t *testing.T) {
	e := grievanceUIEnv(t, WithGrievanceRateLimit(time.Hour, 1))
	c := e.client(t)
	_, _, tok := e.get(t, c, "/grievance/?lang=fr")
	fields := map[string]string{"csrf": tok, "lang": "fr", "subject": "s", "description": "d"}
	if resp, _ := e.postMultipart(t, c, "/grievance/", fields, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	resp, page := e.postMultipart(t, c, "/grievance/", fields, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Trop de demandes") {
		t.Fatalf("second: %d Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
	}
}

// hostile is put in every field: a script and an image whose error
// handler would set a flag, if either were ever rendered as markup.
const hostile = `<script>window.__xss=1</script><img src=x onerror="window.__xss=1">`

// hostileFileName is a file name that would be markup if rendered raw.
const hostileFileName = `<img src=x onerror="window.__xss=1">.txt`

// TestBrowserGrievanceEscaping submits hostile text in every field of the
// public form in a real browser, follows it, adds information, and opens
// it as a grievance officer (inbox, page, contact): no script runs, no
// element is made from the text, and the text shows as typed.
func TestBrowserGrievanceEscaping(t *testing.T) {
	e := grievanceUIEnv(t) // before the browser, whose deadline starts with it
	ctx := newBrowser(t)
	base := e.srv.URL
	fill := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.SendKeys(chromedp.CSS(sel), "F"+sel+" "+hostile)
	}
	// noMarkup checks the page: the flag is unset, main holds no script
	// or img element, and the text shows literally.
	var checks []string
	noMarkup := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			res, err := chromedp.Evaluate[string](`(() => {
				if (window.__xss !== undefined) return "flag set";
				const n = document.querySelectorAll("main script, main img, header img, footer img").length;
				if (n) return n + " elements made from the text";
				if (!document.querySelector("main").textContent.includes('<script>window.__xss=1</script>')) return "text not shown literally";
				return "ok";
			})()`)(ctx, target)
			if err != nil {
				return err
			}
			checks = append(checks, name+": "+res)
			if res != "ok" {
				return fmt.Errorf("%s: %s", name, res)
			}
			return nil
		})
	}
	hostileFile := filepath.Join(t.TempDir(), hostileFileName)
	if err := os.WriteFile(hostileFile, []byte("dates and places\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var code, inboxID, files, marked string
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/grievance/"),
		chromedp.WaitVisible(chromedp.CSS("#g-subject")),
		fill("#g-subject"), fill("#g-description"), fill("#g-about"),
		fill("#g-name"), fill("#g-email"), fill("#g-phone"), fill("#g-other"),
		// The file's name is hostile too (a name cannot hold a slash).
		chromedp.SetUploadFiles(chromedp.CSS("#g-files"), []string{hostileFile}),
		screenshot(t, "20-grievance-form"),
		chromedp.Submit(chromedp.CSS("#g-subject")),
	)
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, e.logs.String())
	}
	// Submit sends the form as a script would, past the browser's own
	// checks of the e-mail field: the server must cope with anything.
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#receipt-code")),
		into(&code, chromedp.Text(chromedp.CSS("#receipt-code"))),
		chromedp.Navigate(base+"/grievance/status"),
		chromedp.WaitVisible(chromedp.CSS("#g-code")),
		chromedp.SendKeys(chromedp.CSS("#g-code"), "CODE"),
	)
	if err != nil || code == "" {
		t.Fatalf("browser: %v (code %q)", err, code)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#g-code"), code),
		chromedp.Submit(chromedp.CSS("#g-code")),
		chromedp.WaitVisible(chromedp.CSS("#plain-status")),
		noMarkup("status page"),
		chromedp.SendKeys(chromedp.CSS("#g-text"), "Added "+hostile),
		// Mark the page, so the wait below sees the page the POST answers
		// and not the one it leaves (both have #plain-status): a navigation
		// started while the POST is in flight aborts it.
		into(&marked, chromedp.Evaluate[string](`document.body.dataset.before = "1"`)),
		chromedp.Submit(chromedp.CSS("#g-text")),
		chromedp.WaitVisible(chromedp.CSS("body:not([data-before]) #plain-status")),
		noMarkup("status page after adding"),

		signInActions(base, "grievance_officer", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/grievances"),
		chromedp.WaitVisible(chromedp.CSS("#inbox")),
		noMarkup("inbox"),
		screenshot(t, "23-grievance-inbox"),
		into(&inboxID, chromedp.Evaluate[string](`document.querySelector("#inbox a").getAttribute("href")`)),
		chromedp.Click(chromedp.CSS("#inbox a")),
		chromedp.WaitVisible(chromedp.CSS("#g-description")),
		noMarkup("grievance page"),
		into(&files, chromedp.Text(chromedp.CSS("#g-files"))),
		chromedp.SendKeys(chromedp.CSS("#k-pass"), testGrievancePass),
		chromedp.Submit(chromedp.CSS("#k-pass")),
		chromedp.WaitVisible(chromedp.CSS("#contact")),
		noMarkup("opened contact"),
		screenshot(t, "24-grievance-page"),
	)
	if err != nil {
		t.Fatalf("browser: %v\nchecks: %v\nserver log:\n%s", err, checks, e.logs.String())
	}
	// Every field arrived whole: the stored grievance holds the text as
	// typed, and the opened contact shows it literally.
	gs, err := grievance.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := gs.ListGrievances(context.Background(), grievance.Query{})
	if err != nil || len(pg.Items) != 1 {
		t.Fatalf("stored: %v %d", err, len(pg.Items))
	}
	g := pg.Items[0]
	for field, v := range map[string]string{"subject": g.Subject, "description": g.Description, "about": g.About} {
		if !strings.Contains(v, hostile) {
			t.Errorf("%s stored as %q", field, v)
		}
	}
	if !strings.HasSuffix(inboxID, g.ID) {
		t.Errorf("inbox link %q, grievance %s", inboxID, g.ID)
	}
	// Chromium sends the name's double quotes as %22; the rest arrives
	// as typed and shows as text.
	if !strings.Contains(files, "<img src=x onerror=") || !strings.Contains(files, ".txt") {
		t.Errorf("the file's name shows as %q", files)
	}
	var contact string
	if err := chromedp.Do(ctx, into(&contact, chromedp.Text(chromedp.CSS("#contact dl")))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(contact, "F#g-name "+hostile) || !strings.Contains(contact, "F#g-email "+hostile) || !strings.Contains(contact, "F#g-other "+hostile) {
		t.Errorf("contact shown as %q", contact)
	}
	if n := strings.Count(html.UnescapeString(e.logs.String()), "window.__xss"); n != 0 {
		t.Errorf("the server log holds the submitted text %d times", n)
	}
	t.Logf("checks: %v", checks)
}

// TestUIGrievanceSealedFiles: a file sent through the public form is
// sealed; the grievance's page offers officers a passphrase form (with
// the CSRF token) instead of a link; opening it downloads the file with
// the safe headers and writes one event; a wrong passphrase, a missing
// token or a role without handle_grievances opens nothing and writes
// nothing. A file stored in clear still downloads from its link.
func TestUIGrievanceSealedFiles(t *testing.T) {
	e := grievanceUIEnv(t)
	pub := e.client(t)
	_, page, tok := e.get(t, pub, "/grievance/")
	if !strings.Contains(page, "Files are sealed with the grievance key") {
		t.Fatal("the public form does not say that files are sealed")
	}
	evidence := []byte("Recording notes by Farid H6-Pier, 12 November.\n")
	resp, page := e.postMultipart(t, pub, "/grievance/", map[string]string{"csrf": tok, "subject": "Sealed file test", "description": "See the file."},
		map[string][]byte{"notes.txt": evidence})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %d\n%s", resp.StatusCode, page)
	}
	ctx := context.Background()
	gs, err := grievance.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := gs.ListGrievances(ctx, grievance.Query{})
	if err != nil || len(pg.Items) != 1 || len(pg.Items[0].Attachments) != 1 || !pg.Items[0].Attachments[0].Sealed {
		t.Fatalf("stored: %v %+v", err, pg.Items)
	}
	g := pg.Items[0]
	sha := g.Attachments[0].SHA256
	gpath := "/ui/grievances/" + g.ID
	// A file in clear, as stored before sealing existed.
	clearFile, err := grievance.DefaultLimits.CheckAttachment("older.txt", []byte("stored in clear\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	older := &grievance.Grievance{ID: "GOLDER", Channel: grievance.ChannelWeb, Language: "en", Subject: "Older", Description: "d", Status: grievance.StatusReceived,
		ReceivedAt: time.Now().UTC(), AckDue: time.Now().Add(time.Hour), AnswerDue: time.Now().Add(2 * time.Hour),
		PartyIDs: []string{}, SubscriptionIDs: []string{}, CaseIDs: []string{}, Attachments: []grievance.File{clearFile}}
	if err := gs.CreateGrievance(ctx, older, nil, grievance.ReceiptHash("OLDR-OLDR-OLDR-OLDR-OLDR"), "test"); err != nil {
		t.Fatal(err)
	}

	off := e.client(t)
	e.signIn(t, off, "grievance_officer", uiPassword)
	status, page, otok := e.get(t, off, gpath)
	form := regexp.MustCompile(`(?s)<form method="post" action="` + regexp.QuoteMeta(gpath+"/files/"+sha+"/open") + `"[^>]*>\s*<input type="hidden" name="csrf" value="[^"]+">.*?name="passphrase" type="password"`)
	if status != http.StatusOK || !form.MatchString(page) || strings.Contains(page, `href="`+gpath+`/files/`+sha+`"`) {
		t.Fatalf("officer's page: %d, no passphrase form with a CSRF token, or a link to the sealed file:\n%s", status, page)
	}
	if status, body, _ := e.get(t, off, gpath+"/files/"+sha); status != http.StatusConflict || !strings.Contains(body, "passphrase form") || strings.Contains(body, "Farid") {
		t.Fatalf("download of a sealed file: %d", status)
	}
	opened := func() int { return countEventsOf(t, e.store, vigil.EventGrievanceAttachmentOpened) }
	resp, page = e.post(t, off, gpath+"/files/"+sha+"/open", url.Values{"csrf": {otok}, "passphrase": {"wrong"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, `id="action-error"`) || strings.Contains(page, "Farid") {
		t.Fatalf("wrong passphrase: %d", resp.StatusCode)
	}
	if resp, _ := e.post(t, off, gpath+"/files/"+sha+"/open", url.Values{"passphrase": {testGrievancePass}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", resp.StatusCode)
	}
	an := e.client(t)
	e.signIn(t, an, "analyst", uiPassword)
	status, page, atok := e.get(t, an, gpath)
	if status != http.StatusOK || strings.Contains(page, "/files/"+sha+"/open") || !strings.Contains(page, "a grievance officer opens it") {
		t.Fatalf("analyst's page: %d", status)
	}
	if resp, _ := e.post(t, an, gpath+"/files/"+sha+"/open", url.Values{"csrf": {atok}, "passphrase": {testGrievancePass}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst opens a sealed file: %d", resp.StatusCode)
	}
	if n := opened(); n != 0 {
		t.Fatalf("refused openings wrote %d events", n)
	}
	resp, body := e.post(t, off, gpath+"/files/"+sha+"/open", url.Values{"csrf": {otok}, "passphrase": {testGrievancePass}}, nil)
	if resp.StatusCode != http.StatusOK || body != string(evidence) {
		t.Fatalf("open: %d %q", resp.StatusCode, body)
	}
	checkSafeDownload(t, &response{status: resp.StatusCode, header: resp.Header, body: []byte(body)}, "notes.txt")
	if n := opened(); n != 1 {
		t.Fatalf("%d attachment_opened events after one opening, want 1", n)
	}
	// The older file has a link and downloads as it is.
	_, page, _ = e.get(t, off, "/ui/grievances/GOLDER")
	link := `href="/ui/grievances/GOLDER/files/` + clearFile.SHA256 + `"`
	if !strings.Contains(page, link) {
		t.Fatalf("no link to the file in clear:\n%s", page)
	}
	resp, err = off.Get(e.srv.URL + "/ui/grievances/GOLDER/files/" + clearFile.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "stored in clear\n" {
		t.Fatalf("older file: %d %q", resp.StatusCode, b)
	}
	checkSafeDownload(t, &response{status: resp.StatusCode, header: resp.Header, body: b}, "older.txt")
	if strings.Contains(e.logs.String(), "Farid") || strings.Contains(e.logs.String(), testGrievancePass) {
		t.Fatal("the server log holds the file or the passphrase")
	}
}

// TestUIGrievanceContentByRole signs in as every role: all read the
// inbox and the page's metadata; only roles with handle_grievances or
// work_cases read the subject, description, triage note, exchanges and
// files, the others see a note saying why and cannot fetch a file.
func TestUIGrievanceContentByRole(t *testing.T) {
	e := grievanceUIEnv(t)
	ctx := context.Background()
	gs, err := grievance.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	// A service of its own, without a key: the file stays in clear, so
	// the download route shows the access rule alone.
	svc, err := grievance.NewService(gs, grievance.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := grievance.DefaultLimits.CheckAttachment("role-file.txt", []byte("role file\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := svc.Submit(ctx, grievance.Submission{Channel: grievance.ChannelWeb, Subject: "Role subject U7", Description: "Role description U7",
		About: "Role about U7", Attachments: []grievance.File{f}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Acknowledge(ctx, rc.ID, "Acknowledgement U7", "grievance_officer"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Triage(ctx, rc.ID, grievance.Triage{CaseIDs: []string{"C-77"}, Note: "Triage note U7"}, "grievance_officer"); err != nil {
		t.Fatal(err)
	}
	gpath := "/ui/grievances/" + rc.ID
	content := []string{"Role subject U7", "Role description U7", "Role about U7", "Triage note U7", "Acknowledgement U7", "role-file.txt"}
	for _, role := range vigil.Roles {
		c := e.client(t)
		e.signIn(t, c, string(role), uiPassword)
		want := grievance.MayReadContent(role)
		status, inbox, _ := e.get(t, c, "/ui/grievances")
		if status != http.StatusOK || !strings.Contains(inbox, `href="`+gpath+`"`) {
			t.Fatalf("%s: inbox %d without the grievance", role, status)
		}
		if strings.Contains(inbox, "Role subject U7") != want || strings.Contains(inbox, `id="content-withheld"`) == want {
			t.Errorf("%s: inbox shows the subject = %v, want %v (or the note is wrong)", role, !want, want)
		}
		status, page, _ := e.get(t, c, gpath)
		if status != http.StatusOK {
			t.Fatalf("%s: page %d", role, status)
		}
		for _, meta := range []string{rc.ID, `id="g-status"`, "C-77"} {
			if !strings.Contains(page, meta) {
				t.Errorf("%s: the page lacks the metadata %q", role, meta)
			}
		}
		for _, s := range content {
			if strings.Contains(page, s) != want {
				t.Errorf("%s: the page shows %q = %v, want %v", role, s, !want, want)
			}
		}
		if strings.Contains(page, `id="content-withheld"`) == want {
			t.Errorf("%s: withheld note = %v, want %v", role, !want, !want)
		}
		if !want && !strings.Contains(page, "your role (auditor, read only) does neither") {
			t.Errorf("%s: the note does not say why:\n%s", role, page)
		}
		fileStatus, _, _ := e.get(t, c, gpath+"/files/"+f.SHA256)
		if want && fileStatus != http.StatusOK || !want && fileStatus != http.StatusForbidden {
			t.Errorf("%s: file route %d", role, fileStatus)
		}
	}
}
