package http

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/vigil-hrdd/vigil/casework"
)

// uiCase opens the cases of the fixture's critical relationships and
// returns the first, with a subscription to act on.
func uiCase(t testing.TB, e *uiEnv) *casework.Case {
	t.Helper()
	svc, err := casework.NewService(e.store, casework.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := svc.OpenFromAssessments(context.Background(), 3, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range sum.Opened {
		c, err := svc.Store().GetCase(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.SubscriptionIDs) > 0 {
			return c
		}
	}
	t.Fatalf("the fixture has no critical relationship with a subscription (%+v)", sum)
	return nil
}

func (e *uiEnv) postFile(t testing.TB, c *http.Client, path, csrf, name string, content []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

var decisionRowID = regexp.MustCompile(`data-decision="([^"]+)" data-status="proposed"`)

// TestUICaseWorkspace works a case through the pages as a browser without
// scripts would: forms, redirects, the roles' refusals.
func TestUICaseWorkspace(t *testing.T) {
	e := newUIEnv(t)
	c := uiCase(t, e)
	page := "/ui/cases/" + c.ID

	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	status, body, tok := e.get(t, analyst, "/ui/cases")
	if status != 200 || !strings.Contains(body, `href="/ui/cases/`+c.ID+`"`) || !strings.Contains(body, `aria-current="page">Cases`) ||
		!strings.Contains(body, `id="case-load"`) {
		t.Fatalf("case list: %d", status)
	}
	status, body, tok = e.get(t, analyst, page)
	if status != 200 || !strings.Contains(body, `id="propose-form"`) || !strings.Contains(body, `value="investigating"`) || strings.Contains(body, `value="action_in_force"`) {
		t.Fatalf("case page: %d %s", status, body)
	}
	resp, _ := e.post(t, analyst, page+"/comments", url.Values{"csrf": {tok}, "text": {"Called the integrator <b>today</b>."}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment: %d", resp.StatusCode)
	}
	if resp := e.postFile(t, analyst, page+"/attachments", tok, "minutes.txt", []byte("Minutes of the call.")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach: %d", resp.StatusCode)
	}
	resp, _ = e.post(t, analyst, page+"/decisions", url.Values{"csrf": {tok}, "type": {"suspend"}, "reasons": {"transcribes intercepted calls"},
		"subscription_ids": {c.SubscriptionIDs[0]}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose: %d", resp.StatusCode)
	}
	_, body, tok = e.get(t, analyst, page+"?done=proposed")
	if !strings.Contains(body, `value="investigating"`) || strings.Contains(body, `name="status" value="action_in_force"`) {
		t.Fatalf("a case waiting for approval offers a move into action_in_force")
	}
	m := decisionRowID.FindStringSubmatch(body)
	if m == nil || strings.Contains(body, `class="inline-form decide-form"`) || !strings.Contains(body, "Called the integrator &lt;b&gt;today&lt;/b&gt;.") ||
		!strings.Contains(body, "minutes.txt") || !strings.Contains(body, "The decision is recorded.") {
		t.Fatalf("after the proposal: %s", body)
	}
	dec := m[1]
	resp, _ = e.post(t, analyst, "/ui/decisions/"+dec+"/approve", url.Values{"csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst approval: %d", resp.StatusCode)
	}

	approver := e.client(t)
	e.signIn(t, approver, "approver", uiPassword)
	_, body, tok = e.get(t, approver, page)
	if !strings.Contains(body, `action="/ui/decisions/`+dec+`/approve"`) {
		t.Fatalf("the approver sees no approval form")
	}
	resp, _ = e.post(t, approver, "/ui/decisions/"+dec+"/approve", url.Values{"csrf": {tok}, "note": {"proportionate"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	got, err := casework.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := got.GetCase(context.Background(), c.ID)
	if err != nil || cs.Status != casework.StatusActionInForce {
		t.Fatalf("case after approval: %+v %v", cs, err)
	}

	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	_, body, tok = e.get(t, auditor, page)
	if strings.Contains(body, "<form method=\"post\" action=\"/ui/cases/") || strings.Contains(body, "decide-form") || !strings.Contains(body, "action in force") {
		t.Fatalf("the auditor sees forms: %s", body)
	}
	resp, _ = e.post(t, auditor, page+"/comments", url.Values{"csrf": {tok}, "text": {"forged"}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor comment: %d", resp.StatusCode)
	}
	// French strings on the same page.
	fr := e.client(t)
	e.signIn(t, fr, "auditor", uiPassword)
	u, _ := url.Parse(e.srv.URL)
	fr.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: "fr"}})
	_, body, _ = e.get(t, fr, page)
	if !strings.Contains(body, "mesure en vigueur") || !strings.Contains(body, "Historique") {
		t.Fatalf("French case page lacks its strings")
	}
}

// TestBrowserCaseFourEyes: an analyst proposes a suspension and cannot
// approve it (no button; a forged POST from the page gets 403); an
// approver approves it; an auditor sees no action forms.
func TestBrowserCaseFourEyes(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	c := uiCase(t, e)
	base := e.srv.URL
	page := base + "/ui/cases/" + c.ID
	signOut := chromedp.Click(chromedp.CSS(`form[action="/ui/logout"] button`))

	var dec, token string
	var approveButtons, forged int
	err := chromedp.Do(ctx,
		signInActions(base, "analyst", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS("#cases")),
		screenshot(t, "30-cases"),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#propose-form")),
		chromedp.SetValue(chromedp.CSS("#pr-type"), "suspend"),
		chromedp.SendKeys(chromedp.CSS("#pr-reasons"), "The unit transcribes intercepted calls of journalists."),
		chromedp.Click(chromedp.CSS(`input[name="subscription_ids"][value="`+c.SubscriptionIDs[0]+`"]`)),
		chromedp.Click(chromedp.CSS("#propose-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`#decisions tr[data-status="proposed"]`)),
		into(&dec, chromedp.Evaluate[string](`document.querySelector('#decisions tr[data-status="proposed"]').dataset.decision`)),
		into(&approveButtons, chromedp.Evaluate[int](`document.querySelectorAll("button.approve, button.reject").length`)),
		into(&token, chromedp.Evaluate[string](`document.querySelector("input[name=csrf]").value`)),
		screenshot(t, "31-case-proposed"),
	)
	if err != nil {
		t.Fatalf("browser (analyst): %v", err)
	}
	if dec == "" || approveButtons != 0 {
		t.Fatalf("analyst: decision %q, %d approve or reject buttons", dec, approveButtons)
	}
	err = chromedp.Do(ctx,
		fetchStatus("/ui/decisions/"+dec+"/approve", "csrf="+token, &forged),
		signOut,
		chromedp.WaitVisible(chromedp.CSS("#user")),
	)
	if err != nil {
		t.Fatalf("browser (forged approval): %v", err)
	}
	if forged != http.StatusForbidden {
		t.Fatalf("the proposer's forged approval got %d, want 403", forged)
	}

	var status string
	err = chromedp.Do(ctx,
		signInActions(base, "approver", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("form.decide-form button.approve")),
		chromedp.SendKeys(chromedp.CSS("#note-"+dec), "Proportionate; engagement failed."),
		chromedp.Click(chromedp.CSS("form.decide-form button.approve")),
		chromedp.WaitVisible(chromedp.CSS(`#decisions tr[data-status="approved"]`)),
		into(&status, chromedp.Text(chromedp.CSS("#case-status"))),
		screenshot(t, "32-case-approved"),
		signOut,
		chromedp.WaitVisible(chromedp.CSS("#user")),
	)
	if err != nil {
		t.Fatalf("browser (approver): %v", err)
	}
	if status != "action in force" {
		t.Fatalf("case status after approval = %q", status)
	}

	var forms, buttons int
	err = chromedp.Do(ctx,
		signInActions(base, "auditor", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
		into(&forms, chromedp.Evaluate[int](`document.querySelectorAll("main form").length`)),
		into(&buttons, chromedp.Evaluate[int](`document.querySelectorAll("main button, main textarea").length`)),
		screenshot(t, "33-case-auditor"),
	)
	if err != nil {
		t.Fatalf("browser (auditor): %v", err)
	}
	if forms != 0 || buttons != 0 {
		t.Fatalf("the auditor sees %d forms and %d buttons or text areas", forms, buttons)
	}
}
