package http

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// In a real browser: the showcase unit's match loads into its party page
// through htmx, an analyst confirms it there with a reason, and an auditor
// sees the review queue without a single form or button.
func TestBrowserScreeningConfirmAndAuditor(t *testing.T) {
	ctx := newBrowser(t)
	e := newUIEnv(t)
	base := e.srv.URL
	bg := context.Background()
	demo, err := screening.DemoList(bg, e.store, filepath.Join(t.TempDir(), "lists"), "test")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := screening.New(e.store, screening.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := svc.PartyMatches(bg, demo.Showcase, false)
	if err != nil || len(ms) != 1 {
		t.Fatalf("showcase matches: %v %+v", err, ms)
	}
	sel := "#pm-" + ms[0].ID
	var announced string
	err = chromedp.Do(ctx,
		signInActions(base, "analyst", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/parties/"+demo.Showcase),
		chromedp.WaitVisible(chromedp.CSS(sel+" input[name=reason]")),
		screenshot(t, "20-party-matches"),
		chromedp.SetValue(chromedp.CSS(sel+" input[name=reason]"), "Same unit number and parent ministry"),
		chromedp.Click(chromedp.CSS(sel+" button[value=confirm]")),
		chromedp.WaitVisible(chromedp.CSS("#matches p.ok")),
		into(&announced, chromedp.Text(chromedp.CSS("#matches p.ok"))),
		chromedp.Navigate(base+"/ui/screening"),
		chromedp.WaitVisible(chromedp.CSS("#queue-h")),
		screenshot(t, "21-screening-queue"),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	got, err := svc.Store().GetMatch(bg, ms[0].ID)
	if err != nil || got.Status != screening.StatusConfirmed || got.DecidedBy != "analyst" || !strings.Contains(announced, "confirmed") {
		t.Fatalf("match after the click = %+v (%v), announced %q", got, err, announced)
	}

	var forms, buttons, articles, signedOut int
	err = chromedp.Do(ctx,
		into(&signedOut, chromedp.Evaluate[int](`fetch("/ui/logout", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "csrf=" + document.querySelector("input[name=csrf]").value}).then(r => r.status)`, chromedp.EvalAwaitPromise)),
		signInActions(base, "auditor", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Navigate(base+"/ui/screening"),
		chromedp.WaitVisible(chromedp.CSS("#queue-h")),
		into(&forms, chromedp.Evaluate[int](`document.querySelectorAll("main form").length`)),
		into(&buttons, chromedp.Evaluate[int](`document.querySelectorAll("main button").length`)),
		into(&articles, chromedp.Evaluate[int](`document.querySelectorAll("main article.match").length`)),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if forms != 0 || buttons != 0 || articles == 0 {
		t.Errorf("the auditor's queue shows %d forms, %d buttons and %d matches", forms, buttons, articles)
	}
}
