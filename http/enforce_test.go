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

// The sample actions: a suspension the control plane refused (to retry),
// and one it confirmed, verified by usage, with its monitoring task (to
// get and to check), both on the env's subscription "sub".
const (
	decisionRefused  = "DEC-ENF-REFUSED"
	decisionVerified = "DEC-ENF-VERIFIED"
)

func sampleActionID(decision, sub string) string {
	return enforce.ActionIDOf(enforce.KeyOf(decision, sub, enforce.OpSuspend))
}

func sampleTaskID(decision, sub string) string {
	return "MON-" + strings.TrimPrefix(sampleActionID(decision, sub), "ACT-")
}

func init() {
	envOptions = append(envOptions, func(testing.TB, vigil.Store) Option {
		return WithEnforcement(EnforcementConfig{Secret: testEnforceSecret})
	})
	setup := func(t testing.TB, e *env) { seedEnforcement(t, e.store, "sub", "sub", "analyst", "approver") }
	for k, v := range map[string][]sample{
		"GET /api/v1/enforcement/actions":             {{path: "/api/v1/enforcement/actions?status=failed&limit=10"}},
		"GET /api/v1/enforcement/actions/{id}":        {{path: "/api/v1/enforcement/actions/" + sampleActionID(decisionVerified, "sub"), setup: setup}},
		"POST /api/v1/enforcement/actions/{id}/retry": {{path: "/api/v1/enforcement/actions/" + sampleActionID(decisionRefused, "sub") + "/retry", setup: setup}},
		"POST /api/v1/enforcement/verification-runs":  {{path: "/api/v1/enforcement/verification-runs", body: `{"grace_days":3}`}},
		"GET /api/v1/monitoring/tasks":                {{path: "/api/v1/monitoring/tasks?due_by=2100-01-01T00:00:00Z"}},
		"POST /api/v1/monitoring/tasks/{id}/checks": {{path: "/api/v1/monitoring/tasks/" + sampleTaskID(decisionVerified, "sub") + "/checks", setup: setup,
			body: `{"effective":"yes","notes":"no use since; customer confirmed"}`}},
	} {
		samples[k] = v
	}
}

// seedEnforcement stores, once, an approved suspension of refusedSub whose
// action the control plane refused, and one of verifiedSub confirmed and
// verified (with its monitoring task), proposed and approved by the two
// users named.
func seedEnforcement(t testing.TB, store vigil.Store, refusedSub, verifiedSub, proposer, approver string) {
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
	if _, err := es.GetAction(ctx, sampleActionID(decisionVerified, verifiedSub)); err == nil {
		return
	}
	approved := func(decision, sub string) *casework.Decision {
		c := &casework.Case{Title: "Enforcement sample " + decision, Priority: "high", SubscriptionIDs: []string{sub}}
		must(cs.CreateCase(ctx, c, proposer))
		d := &casework.Decision{ID: decision, CaseID: c.ID, Type: casework.DecisionSuspend, Reasons: "sample", SubscriptionIDs: []string{sub}}
		must(cs.CreateDecision(ctx, d, proposer))
		d, err = cs.DecideDecision(ctx, d.ID, casework.DecisionApproved, approver, "ok", time.Time{})
		must(err)
		plan, err := (&enforce.Planner{Cases: cs, Store: es, Portfolio: store}).PlanOf(ctx, d)
		must(err)
		_, err = es.PlanActions(ctx, plan, "test")
		must(err)
		return d
	}
	approved(decisionRefused, refusedSub)
	_, err = es.FailAction(ctx, sampleActionID(decisionRefused, refusedSub), "", "refused by the control plane: sample", "test")
	must(err)
	if verifiedSub == "" {
		return
	}
	approved(decisionVerified, verifiedSub)
	now := time.Now().UTC()
	_, err = es.ConfirmAction(ctx, sampleActionID(decisionVerified, verifiedSub), enforce.Confirmation{Reference: "CP-S", At: now.Add(-10 * 24 * time.Hour)}, "test")
	must(err)
	_, err = es.SaveVerification(ctx, enforce.VerificationResult{ActionID: sampleActionID(decisionVerified, verifiedSub), Outcome: enforce.VerificationVerified, Note: "sample", At: now}, "test")
	must(err)
}

func TestEnforcementAPI(t *testing.T) {
	e := newEnv(t)
	seedEnforcement(t, e.store, "sub", "sub", "analyst", "approver")
	refused := sampleActionID(decisionRefused, "sub")
	res := e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?case_id=nope", "")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"items":[]`) {
		t.Fatalf("empty filter: %d %s", res.status, res.body)
	}
	res = e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?status=failed", "")
	var page struct{ Items []enforce.Action }
	if res.status != http.StatusOK || json.Unmarshal(res.body, &page) != nil || len(page.Items) != 1 || page.Items[0].ID != refused {
		t.Fatalf("failed actions: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/enforcement/actions?status=lost", ""); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"field":"status"`) {
		t.Fatalf("bad status filter: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "POST", "/api/v1/enforcement/actions/"+sampleActionID(decisionRefused, "sub")+"/retry", ""); res.status != http.StatusForbidden {
		t.Fatalf("an auditor retried: %d", res.status)
	}
	res = e.do(t, "analyst", "POST", "/api/v1/enforcement/actions/"+sampleActionID(decisionRefused, "sub")+"/retry", "")
	var a enforce.Action
	if res.status != http.StatusOK || json.Unmarshal(res.body, &a) != nil || a.Status != enforce.StatusQueued {
		t.Fatalf("retry: %d %s", res.status, res.body)
	}
	if res := e.do(t, "analyst", "POST", "/api/v1/enforcement/actions/"+sampleActionID(decisionRefused, "sub")+"/retry", ""); res.status != http.StatusConflict {
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
	seedEnforcement(t, e.store, "sub", "", "analyst", "approver")
	vigilSrv := httptest.NewServer(e.srv.Handler())
	defer vigilSrv.Close()
	es, err := enforce.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := sampleActionID(decisionRefused, "sub")
	if _, err := es.RetryAction(ctx, id, "analyst"); err != nil {
		t.Fatal(err)
	}
	cp := controlplane.New(testEnforceSecret, controlplane.WithAsync())
	cp.Register("sub", "active")
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
	if sub, _ := vigil.GetAs[*vigil.Subscription](ctx, e.store, vigil.KindSubscription, "sub"); sub.Status != vigil.SubscriptionActive {
		t.Fatalf("a refused callback changed the subscription to %s", sub.Status)
	}
	n, err := cp.Flush(ctx, nil)
	if err != nil || n != 1 {
		t.Fatalf("flush: %d (%v)", n, err)
	}
	a, _ = es.GetAction(ctx, id)
	sub, _ := vigil.GetAs[*vigil.Subscription](ctx, e.store, vigil.KindSubscription, "sub")
	if a.Status != enforce.StatusConfirmed || sub.Status != vigil.SubscriptionSuspended {
		t.Fatalf("after the callback: action %s, subscription %s", a.Status, sub.Status)
	}
}

func TestEnforcementPage(t *testing.T) {
	e := newUIEnv(t)
	seedEnforcement(t, e.store, "S0000001", "S0000002", "analyst", "approver")
	enfSub1, enfSub2 := "S0000001", "S0000002"
	idRefused, idVerified := sampleActionID(decisionRefused, enfSub1), sampleActionID(decisionVerified, enfSub2)
	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	code, body, _ := e.get(t, auditor, "/ui/enforcement")
	if code != http.StatusOK || !strings.Contains(body, idRefused) || !strings.Contains(body, idVerified) ||
		!strings.Contains(body, "verified: use stopped") || !strings.Contains(body, "refused by the control plane: sample") || !strings.Contains(body, "re-check that the suspend") {
		t.Fatalf("enforcement page as auditor: %d\n%s", code, body)
	}
	if strings.Contains(body, "/retry") {
		t.Fatal("an auditor is offered to queue an action again")
	}
	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	_, body, tok := e.get(t, analyst, "/ui/enforcement?status=failed")
	if strings.Contains(body, "<code>"+idVerified) || !strings.Contains(body, `action="/ui/enforcement/`+idRefused+`/retry"`) {
		t.Fatalf("failed actions for an analyst:\n%s", body)
	}
	if resp, _ := e.post(t, analyst, "/ui/enforcement/"+idRefused+"/retry", url.Values{}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("retry without the CSRF token: %d", resp.StatusCode)
	}
	resp, _ := e.post(t, analyst, "/ui/enforcement/"+idRefused+"/retry", url.Values{"csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	es, _ := enforce.StoreOf(e.store)
	if a, err := es.GetAction(context.Background(), idRefused); err != nil || a.Status != enforce.StatusQueued {
		t.Fatalf("after the retry: %+v (%v)", a, err)
	}
	_, body, tok = e.get(t, analyst, "/ui/enforcement?retried="+idRefused)
	if !strings.Contains(body, "is queued again") {
		t.Fatal("no notice after the retry")
	}
	// In French.
	e.post(t, analyst, "/ui/lang", url.Values{"csrf": {tok}, "lang": {"fr"}, "next": {"/ui/enforcement"}}, nil)
	_, body, _ = e.get(t, analyst, "/ui/enforcement")
	if !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "Mise en œuvre des décisions") || !strings.Contains(body, "l’usage a cessé") ||
		!strings.Contains(body, "en file d’attente") {
		t.Fatalf("French page:\n%s", body)
	}
}
