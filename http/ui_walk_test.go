package http

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/usage"
)

// The walk the web UI exists for, in a real browser, one session per
// person: from the dashboard to a verified suspension of the demo's top
// critical relationship, by clicking links, with four eyes on the
// decision, enforcement through a real control plane that confirms, and
// verification by usage telemetry; then an auditor who can read all of it
// and change none of it, and the CSRF and XSS defences on the way.

// xssName is a party name that would run script if a page rendered it as
// markup.
const xssName = `<img src=x onerror=window.__xss=1>`

const xssParty = "UI-XSS"

// walkEnv is the UI fixture (demo portfolio, usage signals, assessments)
// with the demo watch list screened and the automatic cases opened.
type walkEnv struct {
	*uiEnv
	showcase string
	match    *screening.Match
	cases    casework.Store
}

func newWalkEnv(t *testing.T) *walkEnv {
	t.Helper()
	ctx := context.Background()
	keys := filepath.Join(t.TempDir(), "grievance-keys")
	if _, err := grievance.GenerateKeyWorkFactor(keys, "walk test passphrase", 10); err != nil {
		t.Fatal(err)
	}
	e := newUIEnv(t, WithGrievanceConfig(grievance.Config{KeyDir: keys}))
	demo, err := screening.DemoList(ctx, e.store, filepath.Join(t.TempDir(), "lists"), "test")
	if err != nil {
		t.Fatalf("demo watch list: %v", err)
	}
	if demo.Showcase == "" {
		t.Fatal("the demo portfolio has no showcase unit")
	}
	svc, err := screening.New(e.store, screening.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := svc.PartyMatches(ctx, demo.Showcase, false)
	if err != nil || len(ms) != 1 || ms[0].Status != screening.StatusPending {
		t.Fatalf("the showcase unit should have one pending match: %+v (%v)", ms, err)
	}
	cw, err := casework.NewService(e.store, casework.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := cw.OpenFromAssessments(ctx, 3, ""); err != nil || len(sum.Opened) == 0 {
		t.Fatalf("automatic cases: %+v (%v)", sum, err)
	}
	return &walkEnv{uiEnv: e, showcase: demo.Showcase, match: ms[0], cases: cw.Store()}
}

// addMarkupReseller adds a reseller of the showcase unit whose name is
// markup. The walk adds it only after the screenshots, which show the
// demo as a reader would see it.
func (w *walkEnv) addMarkupReseller(t *testing.T) {
	t.Helper()
	for _, rec := range []vigil.Record{
		&vigil.Party{ID: xssParty, Type: vigil.PartyCompany, Name: xssName, Country: "NO"},
		&vigil.Link{ID: "UI-XSS-L", From: xssParty, To: w.showcase, Type: vigil.LinkResellsTo},
	} {
		if err := w.store.Create(context.Background(), rec, "test"); err != nil {
			t.Fatalf("create %s: %v", rec.RecordID(), err)
		}
	}
}

func (w *walkEnv) subscriptionStatus(t *testing.T, id string) vigil.SubscriptionStatus {
	t.Helper()
	s, err := vigil.GetAs[*vigil.Subscription](context.Background(), w.store, vigil.KindSubscription, id)
	if err != nil {
		t.Fatalf("subscription %s: %v", id, err)
	}
	return s.Status
}

func TestBrowserWalkToVerifiedSuspension(t *testing.T) {
	start := time.Now()
	mark := func(what string) { t.Logf("%-28s %6.1fs", what, time.Since(start).Seconds()) }
	browser := newBrowser(t)
	mark("browser started")
	w := newWalkEnv(t)
	mark("fixture built")
	base := w.srv.URL
	bg := context.Background()
	shot := newShots(t)
	signOut := chromedp.Steps(
		chromedp.Click(chromedp.CSS(`form[action="/ui/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#user")),
	)
	noXSS := func(where string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			flag, err := chromedp.Evaluate[string](`String(window.__xss)`)(ctx, target)
			if err != nil {
				return err
			}
			if flag != "undefined" {
				return fmt.Errorf("%s: the markup in a party name ran (window.__xss = %s)", where, flag)
			}
			return nil
		})
	}

	// A member of the public, without an account, reports through the
	// grievance channel; the inbox shows it later.
	public := userSession(t, browser)
	var receipt string
	err := doSteps(public,
		chromedp.Navigate(base+"/grievance/"),
		chromedp.WaitVisible(chromedp.CSS("#g-subject")),
		chromedp.SendKeys(chromedp.CSS("#g-subject"), "Our calls are recorded and transcribed"),
		chromedp.SendKeys(chromedp.CSS("#g-description"), "Since the spring, calls from our district are intercepted; a local newspaper says a cloud service transcribes them for the signals unit."),
		chromedp.Submit(chromedp.CSS("#g-subject")),
		chromedp.WaitVisible(chromedp.CSS("#receipt-code")),
		into(&receipt, chromedp.Text(chromedp.CSS("#receipt-code"))),
	)
	if err != nil || len(receipt) < 8 {
		t.Fatalf("public grievance: receipt %q, %v\nserver log:\n%s", receipt, err, w.logs.String())
	}
	mark("grievance sent")

	// The analyst: dashboard -> top critical relationship -> its end
	// user -> confirm the match -> back to the assessment -> its case ->
	// propose a suspension.
	analyst := userSession(t, browser)
	matchRow := "#pm-" + w.match.ID
	var assessHref, tier, partyPath, announced, matchStatus, backAt, caseHref string
	err = doSteps(analyst,
		signInActions(base, "analyst", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		shot.take("01-dashboard"),
		into(&assessHref, chromedp.Evaluate[string](`document.querySelector('section[aria-labelledby="top-h"] tbody tr a.badge').getAttribute("href")`)),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby="top-h"] tbody tr:first-child a.badge`)),
		chromedp.WaitVisible(chromedp.CSS("#flags-h")),
		into(&tier, chromedp.Text(chromedp.CSS(".status-sentence .badge"))),
		shot.take("02-assessment"),
		chromedp.Click(chromedp.CSS(`#why-h ~ dl.facts a[href="/ui/parties/`+w.showcase+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("figure.graph svg")),
		chromedp.WaitVisible(chromedp.CSS(matchRow+" input[name=reason]")),
		into(&partyPath, chromedp.Evaluate[string](`location.pathname`)),
		chromedp.SetValue(chromedp.CSS(matchRow+" input[name=reason]"), "Same unit, same number, same parent ministry"),
		chromedp.Click(chromedp.CSS(matchRow+" button[value=confirm]")),
		chromedp.WaitVisible(chromedp.CSS("#matches p.ok")),
		into(&announced, chromedp.Text(chromedp.CSS("#matches p.ok"))),
		// Read again from the server: the confirmation is stored, and the
		// page's links are fresh after the fragment swap.
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(matchRow)),
		into(&matchStatus, chromedp.Text(chromedp.CSS(matchRow+" td:nth-child(4)"))),
		shot.take("03-party"),
		// The unit is the end user of one relationship: its assessment is
		// the one row of the party's assessments. (A CSS attribute
		// selector on its href does not match in chromedp: the id holds a
		// "~".)
		chromedp.Click(chromedp.CSS(`#assessments tbody a.badge`)),
		chromedp.WaitVisible(chromedp.CSS("#assess-case a")),
		into(&backAt, chromedp.Evaluate[string](`location.pathname`)),
		into(&caseHref, chromedp.Evaluate[string](`document.querySelector("#assess-case a").getAttribute("href")`)),
		chromedp.Click(chromedp.CSS("#assess-case a")),
		chromedp.WaitVisible(chromedp.CSS("#propose-form")),
	)
	if err != nil {
		t.Fatalf("analyst, dashboard to case: %v\nserver log:\n%s", err, w.logs.String())
	}
	if !strings.HasPrefix(tier, "critical") || partyPath != "/ui/parties/"+w.showcase || backAt != assessHref {
		t.Fatalf("the top relationship is %q, its end user %s, back at %s; want the critical showcase unit %s and %s", tier, partyPath, backAt, w.showcase, assessHref)
	}
	if m, err := screening.StoreOf(w.store); err != nil {
		t.Fatal(err)
	} else if got, err := m.GetMatch(bg, w.match.ID); err != nil || got.Status != screening.StatusConfirmed || got.DecidedBy != "analyst" || !strings.Contains(announced, "confirmed") || !strings.HasPrefix(matchStatus, "confirmed") {
		t.Fatalf("the match after the click: %+v (%v), announced %q, shown after a reload as %q", got, err, announced, matchStatus)
	}
	mark("analyst reached the case")
	caseID := strings.TrimPrefix(caseHref, "/ui/cases/")
	kase, err := w.cases.GetCase(bg, caseID)
	if err != nil || !slices.Contains(kase.AssessmentIDs, strings.TrimPrefix(assessHref, "/ui/assessments/")) || len(kase.SubscriptionIDs) == 0 {
		t.Fatalf("the assessment's case link leads to %s: %+v (%v)", caseHref, kase, err)
	}
	subs := kase.SubscriptionIDs

	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS("#pr-type"), "suspend"),
		chromedp.SendKeys(chromedp.CSS("#pr-reasons"), "The unit is a military intelligence unit in an occupied territory; speech-to-text serves its interception of civilians. Engagement has no leverage."),
	}
	for _, s := range subs {
		steps = append(steps, chromedp.Click(chromedp.CSS(`input[name="subscription_ids"][value="`+s+`"]`)))
	}
	var dec string
	var decideButtons, forgedApprove, noToken int
	steps = append(steps,
		chromedp.Click(chromedp.CSS("#propose-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(`#decisions tr[data-status="proposed"]`)),
		into(&dec, chromedp.Evaluate[string](`document.querySelector('#decisions tr[data-status="proposed"]').dataset.decision`)),
		into(&decideButtons, chromedp.Evaluate[int](`document.querySelectorAll("button.approve, button.reject, form.decide-form").length`)),
	)
	if err := doSteps(analyst, steps...); err != nil {
		t.Fatalf("analyst, proposal: %v\nserver log:\n%s", err, w.logs.String())
	}
	entriesBefore := w.caseEntries(t, caseID)
	err = doSteps(analyst,
		// Four eyes: the proposer's own approval, forged with a valid
		// token, is refused; a POST without the token is refused even for
		// an action the analyst may take.
		postStatus("/ui/decisions/"+dec+"/approve", `"csrf=" + encodeURIComponent(document.querySelector("input[name=csrf]").value)`, &forgedApprove),
		postStatus(caseHref+"/comments", `"text=no+token"`, &noToken),
		signOut,
	)
	if err != nil {
		t.Fatalf("analyst, refused posts: %v", err)
	}
	if dec == "" || decideButtons != 0 || forgedApprove != http.StatusForbidden || noToken != http.StatusForbidden {
		t.Fatalf("analyst: decision %q, %d approve controls, own approval %d, POST without CSRF token %d (want none, 403, 403)", dec, decideButtons, forgedApprove, noToken)
	}
	if got := w.caseEntries(t, caseID); got != entriesBefore {
		t.Fatalf("a refused POST changed the case: %d entries, had %d", got, entriesBefore)
	}

	mark("proposed")
	// The approver, at another machine, finds the case in the list and
	// approves.
	approver := userSession(t, browser)
	var caseStatus string
	var activeShown int
	err = doSteps(approver,
		signInActions(base, "approver", uiPassword),
		chromedp.WaitVisible(chromedp.CSS("ul.counts")),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cases a[href="`+caseHref+`"]`)),
		chromedp.Click(chromedp.CSS(`#cases a[href="`+caseHref+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("form.decide-form button.approve")),
		chromedp.SendKeys(chromedp.CSS("#note-"+dec), "Proportionate to the harm; the customer was told."),
		chromedp.Click(chromedp.CSS("form.decide-form button.approve")),
		chromedp.WaitVisible(chromedp.CSS(`#decisions tr[data-status="approved"]`)),
		into(&caseStatus, chromedp.Text(chromedp.CSS("#case-status"))),
		into(&activeShown, chromedp.Evaluate[int](`document.querySelectorAll('#case-subs [data-status="active"]').length`)),
	)
	if err != nil {
		t.Fatalf("approver: %v\nserver log:\n%s", err, w.logs.String())
	}
	if caseStatus != "action in force" || activeShown != len(subs) {
		t.Fatalf("after approval: case status %q, %d of %d subscriptions shown active", caseStatus, activeShown, len(subs))
	}
	for _, s := range subs {
		if st := w.subscriptionStatus(t, s); st != vigil.SubscriptionActive {
			t.Fatalf("subscription %s is %s right after approval; only the control plane's confirmation may change it", s, st)
		}
	}

	mark("approved")
	// Enforcement: the planner turns the approved decision into one
	// action per subscription; the dispatcher sends them through the
	// signed webhook to a reference control plane, which fails its first
	// calls, then confirms.
	es, err := enforce.StoreOf(w.store)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("walk-test-shared-secret")
	cp := controlplane.New(secret)
	for _, s := range subs {
		cp.Register(s, "active")
	}
	cpSrv := httptest.NewServer(cp)
	t.Cleanup(cpSrv.Close)
	planner := &enforce.Planner{Cases: w.cases, Store: es, Portfolio: w.store}
	plan, err := planner.Run(bg)
	if err != nil || plan.Decisions != 1 || plan.Actions != len(subs) {
		t.Fatalf("plan: %+v (%v), want 1 decision and %d actions", plan, err, len(subs))
	}
	clock := time.Now().UTC()
	dispatcher := &enforce.Dispatcher{Store: es, Adapter: &enforce.Webhook{URL: cpSrv.URL, Secret: secret}, Owner: "walk-test",
		Now: func() time.Time { return clock }, Jitter: func() float64 { return 0 }, Logger: slog.New(slog.DiscardHandler)}
	cp.FailNext(len(subs))
	sum, err := dispatcher.RunOnce(bg)
	if err != nil || sum.Retrying != len(subs) || sum.Confirmed != 0 {
		t.Fatalf("dispatch against a failing control plane: %+v (%v)", sum, err)
	}
	for _, s := range subs {
		cps, _ := cp.Subscription(s)
		if st := w.subscriptionStatus(t, s); st != vigil.SubscriptionActive || cps.Status != "active" {
			t.Fatalf("after failed calls subscription %s is %s in Vigil and %s in the control plane; want both active", s, st, cps.Status)
		}
	}
	var queued int
	err = doSteps(approver,
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/enforcement"]`)),
		chromedp.WaitVisible(chromedp.CSS("#actions")),
		into(&queued, chromedp.Evaluate[int](`document.querySelectorAll('#actions tr[data-status="queued"] small.error').length`)),
	)
	if err != nil {
		t.Fatalf("approver, enforcement page: %v", err)
	}
	if queued != len(subs) {
		t.Fatalf("the enforcement page shows %d queued actions with their error, want %d", queued, len(subs))
	}
	clock = clock.Add(time.Hour) // past the backoff
	sum, err = dispatcher.RunOnce(bg)
	if err != nil || sum.Confirmed != len(subs) {
		t.Fatalf("dispatch once the control plane is back: %+v (%v)", sum, err)
	}
	var confirmedAt time.Time
	for _, s := range subs {
		cps, _ := cp.Subscription(s)
		if st := w.subscriptionStatus(t, s); st != vigil.SubscriptionSuspended || cps.Status != "suspended" || cps.Changes != 1 {
			t.Fatalf("after confirmation subscription %s is %s in Vigil, %+v in the control plane", s, st, cps)
		}
	}
	acts, err := es.ListActions(bg, enforce.ActionQuery{CaseID: caseID})
	if err != nil || len(acts) != len(subs) {
		t.Fatalf("actions of the case: %d (%v)", len(acts), err)
	}
	confirmedAt = *acts[0].ConfirmedAt

	var confirmedEntries, suspendedShown int
	var timeline string
	err = doSteps(approver,
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cases a[href="`+caseHref+`"]`)),
		chromedp.Click(chromedp.CSS(`#cases a[href="`+caseHref+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
		into(&caseStatus, chromedp.Text(chromedp.CSS("#case-status"))),
		into(&confirmedEntries, chromedp.Evaluate[int](`[...document.querySelectorAll('#timeline li[data-type="enforcement"]')].filter(li => li.textContent.includes("confirmed")).length`)),
		into(&timeline, chromedp.Text(chromedp.CSS("#timeline"))),
		into(&suspendedShown, chromedp.Evaluate[int](`document.querySelectorAll('#case-subs [data-status="suspended"]').length`)),
	)
	if err != nil {
		t.Fatalf("approver, case after confirmation: %v", err)
	}
	if caseStatus != "action in force" || confirmedEntries != len(subs) || suspendedShown != len(subs) || !strings.Contains(timeline, `Action “suspend” on subscription `+subs[0]+`: confirmed — control-plane reference`) {
		t.Fatalf("the case page after confirmation: status %q, %d confirmed entries and %d subscriptions shown suspended (want %d); timeline:\n%s", caseStatus, confirmedEntries, suspendedShown, len(subs), timeline)
	}

	mark("enforced")
	// Verification: the case's subscriptions used speech-to-text before
	// the suspension and nothing after it, while telemetry of another
	// subscription keeps flowing. Within the grace period the verifier
	// waits; after it, the suspension is verified and the case moves to
	// monitoring.
	us, err := usage.StoreOf(w.store)
	if err != nil {
		t.Fatal(err)
	}
	other := w.otherSubscription(t, subs)
	day := usage.DayOf(confirmedAt)
	var recs []usage.Record
	for _, s := range subs {
		recs = append(recs, meterRecord(s, "ai.speech_to_text", 96, day-1))
	}
	for _, d := range []usage.Day{day + 4, day + 5} {
		recs = append(recs, meterRecord(other, "ai.translation", 12, d))
	}
	if _, err := us.IngestUsage(bg, usage.IngestRequest{Source: &usage.SliceSource{Records: recs}, Actor: "test", Origin: "test"}); err != nil {
		t.Fatalf("ingest usage: %v", err)
	}
	verifier := func(at time.Time) *enforce.Verifier {
		return &enforce.Verifier{Store: es, Usage: us, Now: func() time.Time { return at }}
	}
	if vs, err := verifier(confirmedAt.Add(24 * time.Hour)).Run(bg); err != nil || vs.Waiting != len(subs) || vs.Verified != 0 {
		t.Fatalf("verification within the grace period: %+v (%v), want all waiting", vs, err)
	}
	if vs, err := verifier(confirmedAt.Add(6 * 24 * time.Hour)).Run(bg); err != nil || vs.Verified != len(subs) || vs.Unverified != 0 {
		t.Fatalf("verification after the grace period: %+v (%v), want all verified", vs, err)
	}

	var verifiedRows int
	var inbox string
	err = doSteps(approver,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
		into(&caseStatus, chromedp.Text(chromedp.CSS("#case-status"))),
		into(&timeline, chromedp.Text(chromedp.CSS("#timeline"))),
		shot.take("04-case"),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/enforcement"]`)),
		chromedp.WaitVisible(chromedp.CSS("#actions")),
		into(&verifiedRows, chromedp.Evaluate[int](`[...document.querySelectorAll('#actions tr[data-status="confirmed"]')].filter(tr => tr.textContent.includes("verified: use stopped")).length`)),
		shot.take("07-enforcement"),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/screening"]`)),
		chromedp.WaitVisible(chromedp.CSS("#queue-h")),
		shot.take("05-screening"),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/grievances"]`)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
		into(&inbox, chromedp.Text(chromedp.CSS("main"))),
		shot.take("06-grievances"),
		chromedp.Click(chromedp.CSS(`nav a[href="/ui/log"]`)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
		shot.take("08-log"),
		signOut,
	)
	if err != nil {
		t.Fatalf("approver, after verification: %v", err)
	}
	if !strings.Contains(inbox, "Our calls are recorded and transcribed") {
		t.Errorf("the grievance inbox does not list the public's grievance:\n%s", inbox)
	}
	if caseStatus != "monitoring" || !strings.Contains(timeline, "verified: use stopped") || verifiedRows != len(subs) {
		t.Fatalf("after verification: case %q, %d verified actions on the enforcement page (want %d); timeline:\n%s", caseStatus, verifiedRows, len(subs), timeline)
	}

	mark("verified")
	// The auditor reads every page of the walk and finds nothing to act
	// with; forged posts with the auditor's own valid session and token
	// are refused; the party whose name is markup shows it as text.
	w.addMarkupReseller(t)
	auditor := userSession(t, browser)
	if err := doSteps(auditor, signInActions(base, "auditor", uiPassword), chromedp.WaitVisible(chromedp.CSS("ul.counts"))); err != nil {
		t.Fatalf("auditor sign-in: %v", err)
	}
	pages := []struct{ path, ready string }{
		{"/ui/", "ul.counts"},
		{assessHref, "#flags-h"},
		{"/ui/parties/" + w.showcase, "#matches-body"},
		{caseHref, "#timeline"},
		{"/ui/cases", "#cases"},
		{"/ui/screening", "#queue-h"},
		{"/ui/enforcement", "#actions"},
		{"/ui/grievances", "main h1"},
		{"/ui/log", "main h1"},
	}
	for _, p := range pages {
		var controls int
		if err := doSteps(auditor, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)),
			into(&controls, chromedp.Evaluate[int](actionControlsJS))); err != nil {
			t.Fatalf("auditor, %s: %v", p.path, err)
		}
		if controls != 0 {
			t.Errorf("the auditor sees %d action controls on %s", controls, p.path)
		}
	}
	token := `"&csrf=" + encodeURIComponent(document.querySelector("input[name=csrf]").value)`
	forged := map[string]string{
		caseHref + "/comments":                     `"text=forged"`,
		caseHref + "/status":                       `"status=closed&outcome=mitigated"`,
		"/ui/decisions/" + dec + "/reject":         `"note=forged"`,
		"/ui/matches/" + w.match.ID + "/decision":  `"decision=dismiss&reason=forged&party=` + w.showcase + `"`,
		"/ui/parties/" + w.showcase + "/notes":     `"notes=forged"`,
		"/ui/cases/runs":                           `"min_tier_rank=1"`,
		"/ui/enforcement/" + acts[0].ID + "/retry": `"x=1"`,
	}
	entriesBefore = w.caseEntries(t, caseID)
	for path, body := range forged {
		var status int
		if err := doSteps(auditor, postStatus(path, body+" + "+token, &status)); err != nil {
			t.Fatalf("auditor, forged POST %s: %v", path, err)
		}
		if status != http.StatusForbidden {
			t.Errorf("the auditor's forged POST %s = %d, want 403", path, status)
		}
	}
	if got := w.caseEntries(t, caseID); got != entriesBefore {
		t.Errorf("the auditor's forged posts changed the case: %d entries, had %d", got, entriesBefore)
	}

	mark("auditor pages and forgeries")
	var heading string
	var images int
	err = doSteps(auditor,
		chromedp.Navigate(base+"/ui/parties/"+w.showcase),
		chromedp.WaitVisible(chromedp.CSS(`figure.graph a.node[href="/ui/parties/`+xssParty+`"]`)),
		noXSS("showcase party page with the markup-named reseller in its graph"),
		chromedp.Click(chromedp.CSS(`figure.graph a.node[href="/ui/parties/`+xssParty+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#facts")),
		into(&heading, chromedp.Text(chromedp.CSS("main h1"))),
		into(&images, chromedp.Evaluate[int](`document.querySelectorAll("main img, header img").length`)),
		chromedp.Sleep(200*time.Millisecond), // an onerror handler runs after the failed load
		noXSS("the markup-named party's page"),
	)
	if err != nil {
		t.Fatalf("auditor, XSS: %v", err)
	}
	if !strings.Contains(heading, xssName) || images != 0 {
		t.Fatalf("the markup-named party: heading %q, %d img elements (want the name as text, none)", heading, images)
	}

	mark("xss")
	for _, name := range []string{"01-dashboard", "02-assessment", "03-party", "04-case", "05-screening", "06-grievances", "07-enforcement", "08-log"} {
		if n := shot.saved[name+".png"]; n < 10<<10 || n > maxShotBytes {
			t.Errorf("screenshot %s.png has %d bytes, want between 10 KB and %d", name, n, maxShotBytes)
		}
	}
	t.Logf("screenshots in %s", shot.dir)
}

// caseEntries counts a case's history entries.
func (w *walkEnv) caseEntries(t *testing.T, id string) int {
	t.Helper()
	cw, err := casework.NewService(w.store, casework.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := cw.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("case %s: %v", id, err)
	}
	return len(v.Entries)
}

// otherSubscription is an active subscription outside the case, whose
// telemetry shows the pipeline still flows.
func (w *walkEnv) otherSubscription(t *testing.T, not []string) string {
	t.Helper()
	page, err := w.store.List(context.Background(), vigil.KindSubscription, vigil.ListOptions{Limit: 50, Filters: map[string]string{"status": string(vigil.SubscriptionActive)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Items {
		if !slices.Contains(not, r.RecordID()) {
			return r.RecordID()
		}
	}
	t.Fatal("no active subscription outside the case")
	return ""
}

// meterRecord is one day of a meter's use on a subscription.
func meterRecord(sub, meter string, q float64, d usage.Day) usage.Record {
	return usage.Record{Key: fmt.Sprintf("walk-%s-%s-%s", sub, meter, d), Subscription: sub, Meter: meter, Quantity: q, Unit: "hour",
		Start: d.Time(), End: d.Time().Add(24 * time.Hour), Region: "eu-west-1"}
}
