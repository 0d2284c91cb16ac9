package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
)

var testEnforceSecret = []byte("http-test-control-plane-secret")

// Sample records of every env: a failed action (to retry), a confirmed
// and verified one (to get) and its monitoring task (to check).
const (
	enfSub1 = "enf-s1"
	enfSub2 = "enf-s2"
)

func init() {
	envOptions = append(envOptions, seedEnforcement)
	for k, v := range map[string][]sample{
		"GET /api/v1/enforcement/actions":             {{path: "/api/v1/enforcement/actions?status=failed&limit=10"}},
		"GET /api/v1/enforcement/actions/{id}":        {{path: "/api/v1/enforcement/actions/" + sampleActionID(enfSub2)}},
		"POST /api/v1/enforcement/actions/{id}/retry": {{path: "/api/v1/enforcement/actions/" + sampleActionID(enfSub1) + "/retry"}},
		"POST /api/v1/enforcement/verification-runs":  {{path: "/api/v1/enforcement/verification-runs", body: `{"grace_days":3}`}},
		"GET /api/v1/monitoring/tasks":                {{path: "/api/v1/monitoring/tasks?due_by=2100-01-01T00:00:00Z"}},
		"POST /api/v1/monitoring/tasks/{id}/checks": {{path: "/api/v1/monitoring/tasks/MON-" + strings.TrimPrefix(sampleActionID(enfSub2), "ACT-") + "/checks",
			body: `{"effective":"yes","notes":"no use since; customer confirmed"}`}},
	} {
		samples[k] = v
	}
}

const sampleDecision = "DEC-ENF-SAMPLE"

func sampleActionID(sub string) string {
	return enforce.ActionIDOf(enforce.KeyOf(sampleDecision, sub, enforce.OpSuspend))
}

// seedEnforcement stores an approved suspension of two subscriptions,
// its two actions (one failed, one confirmed and verified) and serves the
// callback with the test secret.
func seedEnforcement(t testing.TB, store vigil.Store) Option {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := casework.StoreOf(store)
	must(err)
	es, err := enforce.StoreOf(store)
	must(err)
	now := time.Now().UTC()
	for _, rec := range []vigil.Record{
		&vigil.Service{ID: "enf-svc", Name: "Enforcement test service", Capabilities: []string{"ai.ocr"}},
		&vigil.Party{ID: "enf-party", Type: vigil.PartyCompany, Name: "Enforcement Sample Oy", Country: "FI"},
		&vigil.Account{ID: "enf-acc", PartyID: "enf-party", Name: "Enforcement sample"},
		&vigil.Subscription{ID: enfSub1, AccountID: "enf-acc", ServiceID: "enf-svc", Region: "eu-north-1", StartedOn: vigil.MustDate("2025-01-01"), Status: vigil.SubscriptionActive},
		&vigil.Subscription{ID: enfSub2, AccountID: "enf-acc", ServiceID: "enf-svc", Region: "eu-north-1", StartedOn: vigil.MustDate("2025-01-01"), Status: vigil.SubscriptionActive},
	} {
		must(store.Create(ctx, rec, "test"))
	}
	must(store.CreateUser(ctx, &vigil.User{ID: "enf-proposer", Name: "Proposer", Role: vigil.RoleAnalyst, CreatedAt: now}, "test"))
	must(store.CreateUser(ctx, &vigil.User{ID: "enf-approver", Name: "Approver", Role: vigil.RoleApprover, CreatedAt: now}, "test"))
	c := &casework.Case{Title: "Enforcement sample", Priority: "high", PartyIDs: []string{"enf-party"}}
	must(cs.CreateCase(ctx, c, "enf-proposer"))
	d := &casework.Decision{ID: sampleDecision, CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "sample", SubscriptionIDs: []string{enfSub1, enfSub2}}
	must(cs.CreateDecision(ctx, d, "enf-proposer"))
	d, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, "enf-approver", "ok", time.Time{})
	must(err)
	p := &enforce.Planner{Cases: cs, Store: es, Portfolio: store}
	plan, err := p.PlanOf(ctx, d)
	must(err)
	_, err = es.PlanActions(ctx, plan, "test")
	must(err)
	_, err = es.FailAction(ctx, sampleActionID(enfSub1), "", "refused by the control plane: sample", "test")
	must(err)
	_, err = es.ConfirmAction(ctx, sampleActionID(enfSub2), enforce.Confirmation{Reference: "CP-S", At: now.Add(-10 * 24 * time.Hour)}, "test")
	must(err)
	_, err = es.SaveVerification(ctx, enforce.VerificationResult{ActionID: sampleActionID(enfSub2), Outcome: enforce.VerificationVerified, Note: "sample", At: now}, "test")
	must(err)
	return WithEnforcement(EnforcementConfig{Secret: testEnforceSecret})
}

func TestEnforcementAPI(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?case_id=nope", "")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"items":[]`) {
		t.Fatalf("empty filter: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?status=failed", "")
	var page struct{ Items []enforce.Action }
	if res.status != http.StatusOK || json.Unmarshal(res.body, &page) != nil || len(page.Items) != 1 || page.Items[0].SubscriptionID != enfSub1 {
		t.Fatalf("failed actions: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?status=lost", ""); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"field":"status"`) {
		t.Fatalf("bad status filter: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "POST", "/api/v1/enforcement/actions/"+sampleActionID(enfSub1)+"/retry", ""); res.status != http.StatusForbidden {
		t.Fatalf("an auditor retried: %d", res.status)
	}
	res = e.do(t, "analyst", "POST", "/api/v1/enforcement/actions/"+sampleActionID(enfSub1)+"/retry", "")
	var a enforce.Action
	if res.status != http.StatusOK || json.Unmarshal(res.body, &a) != nil || a.Status != enforce.StatusQueued {
		t.Fatalf("retry: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/enforcement/actions/"+sampleActionID(enfSub1)+"/retry", ""); res.status != http.StatusConflict {
		t.Fatalf("retrying a queued action: %d, want 409", res.status)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/monitoring/tasks/MON-NOPE/checks", `{"effective":"yes","notes":"x"}`); res.status != http.StatusNotFound {
		t.Fatalf("check of an unknown task: %d", res.status)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/enforcement/verification-runs", `{"grace_days":-1}`); res.status != http.StatusBadRequest {
		t.Fatalf("negative grace: %d", res.status)
	}
}

// TestControlPlaneCallback runs the asynchronous loop over real HTTP: the
// reference control plane accepts an action as pending and confirms it by
// a signed callback to the server's callback path; a forged or stale
// callback is refused and changes nothing.
func TestControlPlaneCallback(t *testing.T) {
	e := newEnv(t)
	vigilSrv := httptest.NewServer(e.srv.Handler())
	defer vigilSrv.Close()
	es, err := enforce.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := sampleActionID(enfSub1)
	if _, err := es.RetryAction(ctx, id, "analyst"); err != nil {
		t.Fatal(err)
	}
	cp := controlplane.New(testEnforceSecret, controlplane.WithAsync())
	cp.Register(enfSub1, "active")
	cpSrv := httptest.NewServer(cp)
	defer cpSrv.Close()
	disp := &enforce.Dispatcher{Store: es, Owner: "test", Adapter: &enforce.Webhook{URL: cpSrv.URL, Secret: testEnforceSecret, CallbackURL: vigilSrv.URL + CallbackPath}}
	if sum, err := disp.RunOnce(ctx); err != nil || sum.Pending != 1 {
		t.Fatalf("dispatch: %+v (%v)", sum, err)
	}

	post := func(body string, secret []byte, stamp time.Time) int {
		st := strconv.FormatInt(stamp.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, vigilSrv.URL+CallbackPath, strings.NewReader(body))
		req.Header.Set(enforce.HeaderTimestamp, st)
		req.Header.Set(enforce.HeaderSignature, enforce.Sign(secret, st, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	a, _ := es.GetAction(ctx, id)
	body := `{"idempotency_key":"` + a.Key + `","status":"confirmed"}`
	if code := post(body, []byte("a guess"), time.Now()); code != http.StatusUnauthorized {
		t.Fatalf("forged callback: %d", code)
	}
	if code := post(body, testEnforceSecret, time.Now().Add(-time.Hour)); code != http.StatusUnauthorized {
		t.Fatalf("stale callback: %d", code)
	}
	if resp, err := http.Get(vigilSrv.URL + CallbackPath); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET callback: %v %v", resp, err)
	}
	if sub, _ := vigil.GetAs[*vigil.Subscription](ctx, e.store, vigil.KindSubscription, enfSub1); sub.Status != vigil.SubscriptionActive {
		t.Fatalf("a refused callback changed the subscription to %s", sub.Status)
	}
	n, err := cp.Flush(ctx, nil)
	if err != nil || n != 1 {
		t.Fatalf("flush: %d (%v)", n, err)
	}
	a, _ = es.GetAction(ctx, id)
	sub, _ := vigil.GetAs[*vigil.Subscription](ctx, e.store, vigil.KindSubscription, enfSub1)
	if a.Status != enforce.StatusConfirmed || sub.Status != vigil.SubscriptionSuspended {
		t.Fatalf("after the callback: action %s, subscription %s", a.Status, sub.Status)
	}
}

func TestEnforcementPage(t *testing.T) {
	e := newUIEnv(t)
	seedEnforcement(t, e.store)
	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	code, body, _ := e.get(t, auditor, "/ui/enforcement")
	if code != http.StatusOK || !strings.Contains(body, sampleActionID(enfSub1)) || !strings.Contains(body, sampleActionID(enfSub2)) ||
		!strings.Contains(body, "verified: use stopped") || !strings.Contains(body, "refused by the control plane: sample") || !strings.Contains(body, "re-check that the suspend") {
		t.Fatalf("enforcement page as auditor: %d\n%s", code, body)
	}
	if strings.Contains(body, "/retry") {
		t.Fatal("an auditor is offered to queue an action again")
	}
	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	_, body, tok := e.get(t, analyst, "/ui/enforcement?status=failed")
	if strings.Contains(body, "<code>"+sampleActionID(enfSub2)) || !strings.Contains(body, `action="/ui/enforcement/`+sampleActionID(enfSub1)+`/retry"`) {
		t.Fatalf("failed actions for an analyst:\n%s", body)
	}
	if resp, _ := e.post(t, analyst, "/ui/enforcement/"+sampleActionID(enfSub1)+"/retry", url.Values{}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("retry without the CSRF token: %d", resp.StatusCode)
	}
	resp, _ := e.post(t, analyst, "/ui/enforcement/"+sampleActionID(enfSub1)+"/retry", url.Values{"csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	es, _ := enforce.StoreOf(e.store)
	if a, err := es.GetAction(context.Background(), sampleActionID(enfSub1)); err != nil || a.Status != enforce.StatusQueued {
		t.Fatalf("after the retry: %+v (%v)", a, err)
	}
	_, body, _ = e.get(t, analyst, "/ui/enforcement?retried="+sampleActionID(enfSub1))
	if !strings.Contains(body, "is queued again") {
		t.Fatal("no notice after the retry")
	}
}
