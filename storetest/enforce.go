package storetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
	"github.com/vigil-hrdd/vigil/usage"
)

// RunEnforce runs the conformance suite of enforce.Store, with the
// planner, dispatcher, webhook, reference control plane and verifier
// working on the store: the whole loop from an approved decision to a
// verified (or failed) suspension.
func RunEnforce(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *enforceFixture)
	}{
		{"PlanningIsIdempotent", testPlanIdempotent},
		{"AnUnplannableDecisionHoldsBackNoOther", testPlanSkipsBroken},
		{"RetriesAgainstAFailingControlPlaneThenConfirms", testRetriesThenConfirm},
		{"OutOfAttemptsFailsAndAPersonRequeues", testOutOfAttempts},
		{"RefusalFailsAtOnce", testRefusal},
		{"LeasesNeverDoubleSend", testLeases},
		{"AsyncConfirmationByCallback", testAsyncCallback},
		{"UseAfterSuspensionReopensTheCase", testUnverified},
		{"SilenceAfterGraceVerifies", testVerified},
		{"MonitoringTasks", testMonitoring},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, newEnforceFixture(t, s))
		})
	}
}

// testClock is the clock of the dispatcher, the webhook, the control
// plane and the verifier, moved by the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type enforceFixture struct {
	s     vigil.Store
	cs    casework.Store
	es    enforce.Store
	us    usage.Store
	clock *testClock
	cp    *controlplane.Server
	srv   *httptest.Server
}

var enforceSecret = []byte("storetest-control-plane-secret")

func newEnforceFixture(t *testing.T, s vigil.Store) *enforceFixture {
	t.Helper()
	cs, err := casework.StoreOf(s)
	must(t, err)
	es, err := enforce.StoreOf(s)
	must(t, err)
	us, err := usage.StoreOf(s)
	must(t, err)
	f := &enforceFixture{s: s, cs: cs, es: es, us: us, clock: &testClock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}}
	f.cp = controlplane.New(enforceSecret, controlplane.WithClock(f.clock.Now))
	f.srv = httptest.NewServer(f.cp)
	t.Cleanup(f.srv.Close)
	must(t, s.Create(ctx, &vigil.Service{ID: "svc-stt", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}}, "tester"))
	must(t, s.Create(ctx, &vigil.Service{ID: "svc-tr", Name: "Translation", Capabilities: []string{"ai.translation"}}, "tester"))
	must(t, s.Create(ctx, party("P1", "Directorate of Signals", "NO", "military"), "tester"))
	must(t, s.Create(ctx, &vigil.Account{ID: "A1", PartyID: "P1", Name: "Directorate main"}, "tester"))
	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("S%02d", i)
		svc := "svc-stt"
		if i%2 == 0 {
			svc = "svc-tr"
		}
		must(t, s.Create(ctx, &vigil.Subscription{ID: id, AccountID: "A1", ServiceID: svc, Region: "eu-west-1", StartedOn: day("2025-01-02"), Status: vigil.SubscriptionActive}, "tester"))
		f.cp.Register(id, "active")
	}
	for _, u := range []*vigil.User{
		{ID: "amira", Name: "Amira", Email: "amira@example.org", Role: vigil.RoleAnalyst},
		{ID: "bao", Name: "Bao", Email: "bao@example.org", Role: vigil.RoleApprover},
	} {
		u.CreatedAt = time.Now().UTC()
		must(t, s.CreateUser(ctx, u, "tester"))
	}
	return f
}

// approved opens a case and has amira propose and bao approve a decision.
func (f *enforceFixture) approved(t *testing.T, typ casework.DecisionType, subs []string, caps ...string) *casework.Decision {
	t.Helper()
	c := &casework.Case{Title: "Directorate of Signals: " + string(typ), Priority: "critical", PartyIDs: []string{"P1"}, AccountIDs: []string{"A1"}, SubscriptionIDs: subs}
	must(t, f.cs.CreateCase(ctx, c, "amira"))
	d := &casework.Decision{CaseID: c.ID, Type: typ, Reasons: "severe risk, weak leverage", SubscriptionIDs: subs, Capabilities: caps}
	must(t, f.cs.CreateDecision(ctx, d, "amira"))
	d, err := f.cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "bao", "agreed", time.Time{})
	must(t, err)
	return d
}

func (f *enforceFixture) planner() *enforce.Planner {
	return &enforce.Planner{Cases: f.cs, Store: f.es, Portfolio: f.s, Now: f.clock.Now}
}

func (f *enforceFixture) webhook() *enforce.Webhook {
	return &enforce.Webhook{URL: f.srv.URL, Secret: enforceSecret, Now: f.clock.Now}
}

func (f *enforceFixture) dispatcher(owner string, a enforce.Adapter) *enforce.Dispatcher {
	if a == nil {
		a = f.webhook()
	}
	return &enforce.Dispatcher{Store: f.es, Adapter: a, Owner: owner, Now: f.clock.Now, MaxAttempts: 5,
		BaseBackoff: time.Minute, MaxBackoff: time.Hour, Jitter: func() float64 { return 0.5 },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (f *enforceFixture) plan(t *testing.T) enforce.PlanSummary {
	t.Helper()
	sum, err := f.planner().Run(ctx)
	must(t, err)
	return sum
}

func (f *enforceFixture) subStatus(t *testing.T, id string) vigil.SubscriptionStatus {
	t.Helper()
	sub, err := vigil.GetAs[*vigil.Subscription](ctx, f.s, vigil.KindSubscription, id)
	must(t, err)
	return sub.Status
}

func (f *enforceFixture) caseStatus(t *testing.T, id string) casework.Status {
	t.Helper()
	c, err := f.cs.GetCase(ctx, id)
	must(t, err)
	return c.Status
}

func (f *enforceFixture) actionsOf(t *testing.T, decisionID string) []*enforce.Action {
	t.Helper()
	acts, err := f.es.ListActions(ctx, enforce.ActionQuery{DecisionID: decisionID})
	must(t, err)
	return acts
}

func (f *enforceFixture) entries(t *testing.T, caseID string, typ casework.EntryType) int {
	t.Helper()
	es, err := f.cs.CaseEntries(ctx, caseID)
	must(t, err)
	n := 0
	for _, e := range es {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func testPlanIdempotent(t *testing.T, f *enforceFixture) {
	d := f.approved(t, casework.DecisionSuspend, []string{"S01", "S02"})
	engage := &casework.Decision{CaseID: d.CaseID, Type: casework.DecisionEngage, Reasons: "ask for end-use assurances", Status: casework.DecisionApproved}
	must(t, f.cs.CreateDecision(ctx, engage, "amira"))
	sum := f.plan(t)
	if sum.Decisions != 1 || sum.Actions != 2 {
		t.Fatalf("first plan: %+v, want 1 decision and 2 actions (engagement acts on no control plane)", sum)
	}
	acts := f.actionsOf(t, d.ID)
	if len(acts) != 2 {
		t.Fatalf("%d actions, want 2", len(acts))
	}
	for _, a := range acts {
		if a.Status != enforce.StatusQueued || a.Operation != enforce.OpSuspend || a.Key != enforce.KeyOf(d.ID, a.SubscriptionID, enforce.OpSuspend) || a.CaseID != d.CaseID || a.AccountID != "A1" {
			t.Fatalf("planned action %+v", a)
		}
	}
	got, err := f.cs.GetDecision(ctx, d.ID)
	must(t, err)
	if !got.EnforcementPlanned {
		t.Fatal("the decision is not marked planned")
	}
	if n := countEvents(t, f.s, vigil.EnforcementEventType("suspend", vigil.EnforcementStepQueued)); n != 2 {
		t.Fatalf("%d queued events, want 2", n)
	}
	// Two planners racing over a second decision: its actions are
	// planned once.
	d2 := f.approved(t, casework.DecisionSuspend, []string{"S03"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	planned := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum, err := f.planner().Run(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			planned += sum.Actions
			mu.Unlock()
		}()
	}
	wg.Wait()
	if planned != 1 || len(f.actionsOf(t, d2.ID)) != 1 {
		t.Fatalf("racing planners planned %d actions, want 1", planned)
	}
	entries := f.entries(t, d.CaseID, casework.EntryEnforcement)
	events := countAllEvents(t, f.s)
	// Again, and a second planner racing with a stale read of the
	// decision: nothing new.
	if sum := f.plan(t); sum.Actions != 0 || sum.Decisions != 0 {
		t.Fatalf("second plan: %+v, want nothing", sum)
	}
	p, err := f.planner().PlanOf(ctx, d)
	must(t, err)
	n, err := f.es.PlanActions(ctx, p, "racer")
	must(t, err)
	if n != 0 {
		t.Fatalf("replanning a planned decision created %d actions", n)
	}
	if len(f.actionsOf(t, d.ID)) != 2 || countAllEvents(t, f.s) != events || f.entries(t, d.CaseID, casework.EntryEnforcement) != entries {
		t.Fatal("replanning wrote something")
	}
	// Nothing was sent, so nothing changed in the portfolio.
	if f.subStatus(t, "S01") != vigil.SubscriptionActive {
		t.Fatal("planning changed a subscription")
	}
}

func testPlanSkipsBroken(t *testing.T, f *enforceFixture) {
	broken := f.approved(t, casework.DecisionSuspend, []string{"S99"}) // not in the portfolio
	good := f.approved(t, casework.DecisionSuspend, []string{"S01"})
	sum, err := f.planner().Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "S99") {
		t.Fatalf("planning a decision on a missing subscription: %v, want an error naming it", err)
	}
	if sum.Decisions != 1 || len(f.actionsOf(t, good.ID)) != 1 || len(f.actionsOf(t, broken.ID)) != 0 {
		t.Fatalf("%+v: the good decision should be planned, the broken one left in the outbox", sum)
	}
	d, err := f.cs.GetDecision(ctx, broken.ID)
	must(t, err)
	if d.EnforcementPlanned {
		t.Fatal("the broken decision is marked planned")
	}
}

func countAllEvents(t *testing.T, s vigil.Store) int {
	t.Helper()
	evs, err := s.ListEvents(ctx, 0, 100000)
	must(t, err)
	return len(evs)
}

func testRetriesThenConfirm(t *testing.T, f *enforceFixture) {
	d := f.approved(t, casework.DecisionSuspend, []string{"S01"})
	f.plan(t)
	f.cp.FailNext(2)
	disp := f.dispatcher("w1", nil)
	for attempt := 1; attempt <= 2; attempt++ {
		sum, err := disp.RunOnce(ctx)
		must(t, err)
		if sum.Retrying != 1 {
			t.Fatalf("attempt %d: %+v, want one retry", attempt, sum)
		}
		a := f.actionsOf(t, d.ID)[0]
		wantNext := f.clock.Now().Add(disp.Backoff(attempt))
		if a.Status != enforce.StatusQueued || a.Attempts != attempt || !a.NextAttemptAt.Equal(wantNext) || !strings.Contains(a.LastError, "503") || a.LeaseOwner != "" {
			t.Fatalf("after failed attempt %d: %+v (want next attempt at %v)", attempt, a, wantNext)
		}
		// Nothing changes before the control plane confirms.
		if f.subStatus(t, "S01") != vigil.SubscriptionActive || countEvents(t, f.s, "enforcement.suspend.confirmed") != 0 {
			t.Fatal("the subscription changed before any confirmation")
		}
		// Not due yet: a run now sends nothing.
		if sum, err := disp.RunOnce(ctx); err != nil || sum.Sent != 0 {
			t.Fatalf("a run before the backoff ended sent %+v (%v)", sum, err)
		}
		f.clock.Add(disp.Backoff(attempt))
	}
	sum, err := disp.RunOnce(ctx)
	must(t, err)
	if sum.Confirmed != 1 {
		t.Fatalf("third attempt: %+v", sum)
	}
	a := f.actionsOf(t, d.ID)[0]
	if a.Status != enforce.StatusConfirmed || a.Attempts != 3 || a.ConfirmedAt == nil || a.Reference == "" {
		t.Fatalf("confirmed action: %+v", a)
	}
	if got := f.subStatus(t, "S01"); got != vigil.SubscriptionSuspended {
		t.Fatalf("subscription is %s after confirmation, want suspended", got)
	}
	if countEvents(t, f.s, "subscription.updated") != 1 || countEvents(t, f.s, "enforcement.suspend.confirmed") != 1 {
		t.Fatal("confirmation should write one subscription.updated and one enforcement.suspend.confirmed event")
	}
	if got := f.caseStatus(t, d.CaseID); got != casework.StatusActionInForce {
		t.Fatalf("case is %s, want action_in_force", got)
	}
	cpSub, _ := f.cp.Subscription("S01")
	if cpSub.Status != "suspended" || cpSub.Changes != 1 || f.cp.Calls() != 3 {
		t.Fatalf("control plane: %+v after %d calls, want one change after three calls", cpSub, f.cp.Calls())
	}
	// Confirming again (a late callback) changes nothing.
	events := countAllEvents(t, f.s)
	again, err := f.es.ConfirmAction(ctx, a.ID, enforce.Confirmation{Reference: "late"}, "tester")
	must(t, err)
	if again.Reference != a.Reference || countAllEvents(t, f.s) != events {
		t.Fatal("a second confirmation changed something")
	}
	// Nothing is left to send.
	f.clock.Add(24 * time.Hour)
	if sum, err := disp.RunOnce(ctx); err != nil || sum.Sent != 0 {
		t.Fatalf("a confirmed action was sent again: %+v (%v)", sum, err)
	}
}

func testOutOfAttempts(t *testing.T, f *enforceFixture) {
	d := f.approved(t, casework.DecisionSuspend, []string{"S03"})
	f.plan(t)
	f.cp.FailNext(1000)
	disp := f.dispatcher("w1", nil)
	disp.MaxAttempts = 3
	for i := 0; i < 3; i++ {
		_, err := disp.RunOnce(ctx)
		must(t, err)
		f.clock.Add(2 * time.Hour)
	}
	a := f.actionsOf(t, d.ID)[0]
	if a.Status != enforce.StatusFailed || a.Attempts != 3 || !strings.Contains(a.LastError, "no answer after 3 attempts") {
		t.Fatalf("after 3 failed attempts: %+v", a)
	}
	if countEvents(t, f.s, "enforcement.suspend.failed") != 1 || f.subStatus(t, "S03") != vigil.SubscriptionActive {
		t.Fatal("want one failed event and the subscription unchanged")
	}
	if sum, err := disp.RunOnce(ctx); err != nil || sum.Sent != 0 {
		t.Fatalf("a failed action was sent again: %+v (%v)", sum, err)
	}
	// The control plane recovers; a person queues the action again.
	f.cp.FailNext(0)
	if _, err := f.es.RetryAction(ctx, "ACT-NOPE", "amira"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatalf("retry of an unknown action: %v", err)
	}
	r, err := f.es.RetryAction(ctx, a.ID, "amira")
	must(t, err)
	if r.Status != enforce.StatusQueued || r.Attempts != 0 {
		t.Fatalf("requeued: %+v", r)
	}
	if countEvents(t, f.s, "enforcement.suspend.queued") != 2 {
		t.Fatal("a requeue writes a queued event")
	}
	if _, err := f.es.RetryAction(ctx, a.ID, "amira"); vigil.ErrorCode(err) != vigil.ECONFLICT {
		t.Fatalf("requeue of a queued action: %v, want conflict", err)
	}
	sum, err := disp.RunOnce(ctx)
	must(t, err)
	if sum.Confirmed != 1 || f.subStatus(t, "S03") != vigil.SubscriptionSuspended {
		t.Fatalf("after the requeue: %+v, subscription %s", sum, f.subStatus(t, "S03"))
	}
	if f.entries(t, d.CaseID, casework.EntryEnforcement) != 4 { // queued, failed, queued, confirmed
		t.Fatalf("%d enforcement entries, want 4", f.entries(t, d.CaseID, casework.EntryEnforcement))
	}
}

func testRefusal(t *testing.T, f *enforceFixture) {
	d := f.approved(t, casework.DecisionRestrict, []string{"S04", "S05"}, "ai.translation")
	f.plan(t)
	f.cp.Register("S05", "terminated") // the provider ended it meanwhile: a refusal
	sum, err := f.dispatcher("w1", nil).RunOnce(ctx)
	must(t, err)
	if sum.Confirmed != 1 || sum.Failed != 1 {
		t.Fatalf("%+v, want one confirmed and one refused", sum)
	}
	for _, a := range f.actionsOf(t, d.ID) {
		switch a.SubscriptionID {
		case "S04":
			if a.Status != enforce.StatusConfirmed || !slices.Equal(a.Capabilities, []string{"ai.translation"}) {
				t.Fatalf("S04: %+v", a)
			}
		case "S05":
			if a.Status != enforce.StatusFailed || a.Attempts != 1 || !strings.Contains(a.LastError, "terminated") {
				t.Fatalf("S05: %+v", a)
			}
		}
	}
	if f.subStatus(t, "S04") != vigil.SubscriptionRestricted || f.subStatus(t, "S05") != vigil.SubscriptionActive {
		t.Fatal("restrict confirmed should set restricted; a refusal changes nothing")
	}
}

// countingAdapter counts the calls each action gets while passing them
// to the real webhook.
type countingAdapter struct {
	next enforce.Adapter
	mu   sync.Mutex
	n    map[string]int
}

func (c *countingAdapter) Apply(ctx context.Context, a enforce.Action) (enforce.Result, error) {
	c.mu.Lock()
	c.n[a.ID]++
	c.mu.Unlock()
	return c.next.Apply(ctx, a)
}

func testLeases(t *testing.T, f *enforceFixture) {
	subs := []string{"S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08", "S09", "S10"}
	d := f.approved(t, casework.DecisionSuspend, subs)
	f.plan(t)
	now := f.clock.Now()

	// The store's guarantee: a lease excludes others until it expires.
	got1, err := f.es.LeaseActions(ctx, "w1", now, time.Minute, 3)
	must(t, err)
	got2, err := f.es.LeaseActions(ctx, "w2", now, time.Minute, 100)
	must(t, err)
	if len(got1) != 3 || len(got2) != 7 {
		t.Fatalf("leased %d and %d, want 3 and 7", len(got1), len(got2))
	}
	for _, a := range got2 {
		if slices.ContainsFunc(got1, func(b *enforce.Action) bool { return b.ID == a.ID }) {
			t.Fatalf("action %s leased twice", a.ID)
		}
	}
	if more, err := f.es.LeaseActions(ctx, "w3", now.Add(30*time.Second), time.Minute, 100); err != nil || len(more) != 0 {
		t.Fatalf("w3 leased %d live-leased actions (%v)", len(more), err)
	}
	if err := f.es.ReleaseAction(ctx, got1[0].ID, "w2", enforce.Release{NextAttemptAt: now}); vigil.ErrorCode(err) != vigil.ECONFLICT {
		t.Fatalf("w2 released w1's lease: %v", err)
	}
	// Leases expire: a crashed worker's actions go to the next one.
	expired, err := f.es.LeaseActions(ctx, "w3", now.Add(2*time.Minute), time.Minute, 100)
	must(t, err)
	if len(expired) != 10 || expired[0].Attempts != 2 || expired[0].LeaseOwner != "w3" {
		t.Fatalf("after expiry w3 leased %d (first %+v), want all 10 on their second attempt", len(expired), expired[0])
	}
	for _, a := range expired {
		must(t, f.es.ReleaseAction(ctx, a.ID, "w3", enforce.Release{NextAttemptAt: now, LastError: "test"}))
	}

	// Dispatchers racing over the same actions: each is sent once.
	f.clock.Add(5 * time.Minute)
	counter := &countingAdapter{next: f.webhook(), n: map[string]int{}}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		disp := f.dispatcher(fmt.Sprintf("racer-%d", i), counter)
		disp.Batch = 4
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := disp.RunOnce(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, a := range f.actionsOf(t, d.ID) {
		if a.Status != enforce.StatusConfirmed || counter.n[a.ID] != 1 {
			t.Fatalf("action %s: %s after %d calls, want confirmed after exactly one", a.ID, a.Status, counter.n[a.ID])
		}
	}
	if f.cp.Calls() != 10 || countEvents(t, f.s, "enforcement.suspend.confirmed") != 10 {
		t.Fatalf("control plane saw %d calls; want 10, one per action", f.cp.Calls())
	}
}

func testAsyncCallback(t *testing.T, f *enforceFixture) {
	cp := controlplane.New(enforceSecret, controlplane.WithClock(f.clock.Now), controlplane.WithAsync())
	cp.Register("S06", "active")
	srv := httptest.NewServer(cp)
	defer srv.Close()
	callbacks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := enforce.HandleCallback(r.Context(), f.es, enforceSecret, r.Header.Get(enforce.HeaderTimestamp), r.Header.Get(enforce.HeaderSignature), body, f.clock.Now(), "control-plane"); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer callbacks.Close()
	d := f.approved(t, casework.DecisionSuspend, []string{"S06"})
	f.plan(t)
	wh := &enforce.Webhook{URL: srv.URL, Secret: enforceSecret, Now: f.clock.Now, CallbackURL: callbacks.URL}
	disp := f.dispatcher("w1", wh)
	sum, err := disp.RunOnce(ctx)
	must(t, err)
	a := f.actionsOf(t, d.ID)[0]
	if sum.Pending != 1 || a.Status != enforce.StatusPending || a.Reference == "" {
		t.Fatalf("accepted asynchronously: %+v, action %+v", sum, a)
	}
	if f.subStatus(t, "S06") != vigil.SubscriptionActive {
		t.Fatal("a pending action changed the subscription")
	}
	// Asked again an hour later, the control plane answers what it
	// answered (same key); an outage meanwhile keeps the action pending
	// whatever its attempts.
	disp.MaxAttempts = 1
	f.clock.Add(time.Hour)
	if sum, err := disp.RunOnce(ctx); err != nil || sum.Pending != 1 {
		t.Fatalf("asked again: %+v (%v)", sum, err)
	}
	cp.FailNext(1)
	f.clock.Add(time.Hour)
	if sum, err := disp.RunOnce(ctx); err != nil || sum.Retrying != 1 {
		t.Fatalf("asked during an outage: %+v (%v)", sum, err)
	}
	a = f.actionsOf(t, d.ID)[0]
	if a.Status != enforce.StatusPending || a.Attempts != 3 || !strings.Contains(a.LastError, "503") {
		t.Fatalf("after an outage: %+v", a)
	}
	// A forged callback is refused and changes nothing.
	forged := &controlplaneForger{url: callbacks.URL}
	if code := forged.post(t, a.Key, f.clock.Now()); code != http.StatusUnauthorized {
		t.Fatalf("forged callback: HTTP %d", code)
	}
	if f.subStatus(t, "S06") != vigil.SubscriptionActive {
		t.Fatal("a forged callback changed the subscription")
	}
	n, err := cp.Flush(ctx, nil)
	must(t, err)
	if n != 1 {
		t.Fatalf("%d callbacks accepted, want 1", n)
	}
	a = f.actionsOf(t, d.ID)[0]
	if a.Status != enforce.StatusConfirmed || f.subStatus(t, "S06") != vigil.SubscriptionSuspended {
		t.Fatalf("after the callback: %+v, subscription %s", a, f.subStatus(t, "S06"))
	}
}

// controlplaneForger posts a callback signed with the wrong secret.
type controlplaneForger struct{ url string }

func (c *controlplaneForger) post(t *testing.T, key string, now time.Time) int {
	body := []byte(`{"idempotency_key":"` + key + `","status":"confirmed"}`)
	stamp := fmt.Sprint(now.Unix())
	req, _ := http.NewRequest(http.MethodPost, c.url, strings.NewReader(string(body)))
	req.Header.Set(enforce.HeaderTimestamp, stamp)
	req.Header.Set(enforce.HeaderSignature, enforce.Sign([]byte("guessed"), stamp, body))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// confirmed plans and dispatches a decision and returns its actions.
func (f *enforceFixture) confirmed(t *testing.T, typ casework.DecisionType, subs []string, caps ...string) (*casework.Decision, []*enforce.Action) {
	t.Helper()
	d := f.approved(t, typ, subs, caps...)
	f.plan(t)
	if _, err := f.dispatcher("w1", nil).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	acts := f.actionsOf(t, d.ID)
	for _, a := range acts {
		if a.Status != enforce.StatusConfirmed {
			t.Fatalf("action %s is %s", a.ID, a.Status)
		}
	}
	return d, acts
}

// meter ingests one day of a meter's use on a subscription.
func (f *enforceFixture) meter(t *testing.T, sub, meter string, q float64, d usage.Day) {
	t.Helper()
	r := usage.Record{Key: fmt.Sprintf("%s-%s-%s", sub, meter, d), Subscription: sub, Meter: meter, Quantity: q, Unit: "hour",
		Start: d.Time(), End: d.Time().Add(24 * time.Hour), Region: "eu-west-1"}
	_, err := f.us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: []usage.Record{r}}, Actor: "tester", Origin: "test"})
	must(t, err)
}

func (f *enforceFixture) verifier() *enforce.Verifier {
	return &enforce.Verifier{Store: f.es, Usage: f.us, Now: f.clock.Now}
}

func testUnverified(t *testing.T, f *enforceFixture) {
	d, acts := f.confirmed(t, casework.DecisionSuspend, []string{"S07"})
	a := acts[0]
	confirmDay := usage.DayOf(*a.ConfirmedAt)
	// Use during the grace period is not held against the action.
	f.meter(t, "S07", "ai.speech_to_text", 40, confirmDay+1)
	f.clock.Add(2 * 24 * time.Hour)
	sum, err := f.verifier().Run(ctx)
	must(t, err)
	if sum.Waiting != 1 || sum.Unverified+sum.Verified != 0 {
		t.Fatalf("during grace: %+v", sum)
	}
	// Past it, use goes on.
	f.meter(t, "S07", "ai.speech_to_text", 25, confirmDay+4)
	f.meter(t, "S07", "ai.speech_to_text", 30, confirmDay+5)
	f.clock.Add(4 * 24 * time.Hour)
	sum, err = f.verifier().Run(ctx)
	must(t, err)
	if sum.Unverified != 1 {
		t.Fatalf("after grace with use: %+v", sum)
	}
	a, err = f.es.GetAction(ctx, a.ID)
	must(t, err)
	if a.Verification != enforce.VerificationUnverified || a.SignalID == "" || !strings.Contains(a.VerificationNote, "55 hour of ai.speech_to_text on 2 day(s)") {
		t.Fatalf("unverified action: %+v", a)
	}
	sig, err := f.us.GetSignal(ctx, a.SignalID)
	must(t, err)
	if sig.Rule != enforce.RuleUseAfterSuspension || sig.Subscription != "S07" || sig.Numbers["after_grace"] != 55 || sig.Severity != "critical" {
		t.Fatalf("signal: %+v", sig)
	}
	if got := f.caseStatus(t, d.CaseID); got != casework.StatusInvestigating {
		t.Fatalf("case is %s, want reopened to investigating", got)
	}
	if f.entries(t, d.CaseID, casework.EntryReopened) != 1 {
		t.Fatal("want one reopened entry")
	}
	for _, typ := range []string{"enforcement.suspend.unverified", vigil.EventCaseReopened, "signal.raised"} {
		if countEvents(t, f.s, typ) != 1 {
			t.Fatalf("want one %s event", typ)
		}
	}
	// Decided once: a later run changes nothing.
	events := countAllEvents(t, f.s)
	if sum, err := f.verifier().Run(ctx); err != nil || sum.Checked != 0 || countAllEvents(t, f.s) != events {
		t.Fatalf("second run: %+v (%v)", sum, err)
	}
}

func testVerified(t *testing.T, f *enforceFixture) {
	d, acts := f.confirmed(t, casework.DecisionRestrict, []string{"S08", "S09"}, "ai.speech_to_text")
	confirmDay := usage.DayOf(*acts[0].ConfirmedAt)
	// S09 still uses translation, which the restriction left alone; S08
	// stops. No telemetry past the grace period yet: waiting.
	f.meter(t, "S09", "ai.translation", 10, confirmDay+1)
	f.clock.Add(6 * 24 * time.Hour)
	sum, err := f.verifier().Run(ctx)
	must(t, err)
	if sum.Waiting != 2 {
		t.Fatalf("without telemetry past grace: %+v, want both waiting", sum)
	}
	f.meter(t, "S09", "ai.translation", 12, confirmDay+4)
	f.meter(t, "S09", "ai.translation", 11, confirmDay+5)
	sum, err = f.verifier().Run(ctx)
	must(t, err)
	if sum.Verified != 2 {
		t.Fatalf("after grace without withdrawn use: %+v", sum)
	}
	for _, a := range f.actionsOf(t, d.ID) {
		if a.Verification != enforce.VerificationVerified || a.SignalID != "" || !strings.Contains(a.VerificationNote, "no use of ai.speech_to_text") {
			t.Fatalf("verified action: %+v", a)
		}
	}
	if got := f.caseStatus(t, d.CaseID); got != casework.StatusMonitoring {
		t.Fatalf("case is %s, want monitoring", got)
	}
	if countEvents(t, f.s, "enforcement.restrict.verified") != 2 || countEvents(t, f.s, "signal.raised") != 0 {
		t.Fatal("want two verified events and no signal")
	}
	tasks, err := f.es.ListMonitoringTasks(ctx, enforce.MonitoringQuery{CaseID: d.CaseID})
	must(t, err)
	if len(tasks) != 2 || tasks[0].EveryDays != 30 {
		t.Fatalf("monitoring tasks: %+v", tasks)
	}
}

func testMonitoring(t *testing.T, f *enforceFixture) {
	d, acts := f.confirmed(t, casework.DecisionSuspend, []string{"S10"})
	f.meter(t, "S11", "ai.speech_to_text", 5, usage.DayOf(*acts[0].ConfirmedAt)+5) // telemetry flows
	f.clock.Add(7 * 24 * time.Hour)
	if sum, err := f.verifier().Run(ctx); err != nil || sum.Verified != 1 {
		t.Fatalf("verify: %+v (%v)", sum, err)
	}
	tasks, err := f.es.ListMonitoringTasks(ctx, enforce.MonitoringQuery{CaseID: d.CaseID})
	must(t, err)
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	task := tasks[0]
	if n, err := f.es.MarkMonitoringDue(ctx, task.DueAt.Add(-time.Hour), "system"); err != nil || n != 0 {
		t.Fatalf("before due: %d (%v)", n, err)
	}
	if n, err := f.es.MarkMonitoringDue(ctx, task.DueAt, "system"); err != nil || n != 1 {
		t.Fatalf("at due: %d (%v)", n, err)
	}
	if n, err := f.es.MarkMonitoringDue(ctx, task.DueAt.Add(time.Hour), "system"); err != nil || n != 0 {
		t.Fatalf("announced twice: %d (%v)", n, err)
	}
	if countEvents(t, f.s, vigil.EventMonitoringDue) != 1 {
		t.Fatal("want one monitoring.due event")
	}
	if _, err := f.es.RecordMonitoringCheck(ctx, task.ID, enforce.MonitoringCheck{Effective: "maybe", Notes: "x"}, "amira"); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("bad finding: %v", err)
	}
	got, err := f.es.RecordMonitoringCheck(ctx, task.ID, enforce.MonitoringCheck{Effective: enforce.EffectiveYes, Notes: "usage nil, customer confirmed"}, "amira")
	must(t, err)
	if got.Checks != 1 || got.DueNotified || got.LastCheck == nil || got.LastCheck.Effective != enforce.EffectiveYes || !got.DueAt.After(task.DueAt) {
		t.Fatalf("after a check: %+v", got)
	}
	if f.caseStatus(t, d.CaseID) != casework.StatusMonitoring {
		t.Fatal("an effective check keeps the case in monitoring")
	}
	if _, err := f.es.RecordMonitoringCheck(ctx, task.ID, enforce.MonitoringCheck{Effective: enforce.EffectiveNo, Notes: "the customer moved the workload to a reseller account"}, "amira"); err != nil {
		t.Fatal(err)
	}
	if got := f.caseStatus(t, d.CaseID); got != casework.StatusInvestigating {
		t.Fatalf("an ineffective mitigation leaves the case %s, want investigating", got)
	}
	if countEvents(t, f.s, vigil.EventMonitoringRecorded) != 2 || f.entries(t, d.CaseID, casework.EntryMonitoring) != 3 {
		t.Fatal("want two monitoring.recorded events and three monitoring entries (due, two checks)")
	}
}
