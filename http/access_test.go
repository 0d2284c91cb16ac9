package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
)

// sample is a concrete request for a route. target names the user a self
// route acts on, so the expected answer comes from the route's own rule.
type sample struct {
	path   string
	body   string
	target string
	// setup, if set, runs before the sample is sent, on the env the test
	// shares: for records a route needs that the env does not seed (it
	// must tolerate running more than once).
	setup func(t testing.TB, e *env)
}

// samples holds at least one request per route of the table. A route added
// to the table without a sample here fails TestAccessEveryRoute.
var samples = map[string][]sample{
	"GET /healthz":             {{path: "/healthz"}},
	"GET /metrics":             {{path: "/metrics"}},
	"GET /api/v1/openapi.json": {{path: "/api/v1/openapi.json"}},
	"GET /api/v1/me":           {{path: "/api/v1/me"}},
	"GET /api/v1/users":        {{path: "/api/v1/users"}},
	"POST /api/v1/users":       {{path: "/api/v1/users", body: `{"id":"newbie","name":"New user","role":"analyst"}`}},
	"POST /api/v1/tokens": {
		{path: "/api/v1/tokens", body: `{"name":"own"}`, target: "self"},
		{path: "/api/v1/tokens", body: `{"name":"other","user_id":"auditor"}`, target: "auditor"},
	},

	"DELETE /api/v1/tokens/{id}": {{path: "/api/v1/tokens/T-" + principalExpired}},

	"GET /api/v1/parties":             {{path: "/api/v1/parties?country=DE"}},
	"GET /api/v1/parties/{id}":        {{path: "/api/v1/parties/res"}},
	"POST /api/v1/parties":            {{path: "/api/v1/parties", body: `{"type":"company","name":"New Co","country":"FR"}`}},
	"PUT /api/v1/parties/{id}":        {{path: "/api/v1/parties/hold", body: `{"type":"company","name":"Holding Ltd","country":"GB","notes":"x"}`}},
	"GET /api/v1/parties/{id}/chain":  {{path: "/api/v1/parties/res/chain"}},
	"GET /api/v1/links":               {{path: "/api/v1/links?from=res"}},
	"GET /api/v1/links/{id}":          {{path: "/api/v1/links/l-sell"}},
	"POST /api/v1/links":              {{path: "/api/v1/links", body: `{"from":"hold","to":"min","type":"controls"}`}},
	"PUT /api/v1/links/{id}":          {{path: "/api/v1/links/l-own", body: `{"from":"hold","to":"res","type":"owns","share":61}`}},
	"GET /api/v1/accounts":            {{path: "/api/v1/accounts"}},
	"GET /api/v1/accounts/{id}":       {{path: "/api/v1/accounts/acc"}},
	"POST /api/v1/accounts":           {{path: "/api/v1/accounts", body: `{"party_id":"res","name":"Second","billing_country":"DE"}`}},
	"PUT /api/v1/accounts/{id}":       {{path: "/api/v1/accounts/acc", body: `{"party_id":"res","name":"Renamed","billing_country":"DE"}`}},
	"GET /api/v1/accounts/{id}/chain": {{path: "/api/v1/accounts/acc/chain"}},
	"GET /api/v1/subscriptions":       {{path: "/api/v1/subscriptions?status=active"}},
	"GET /api/v1/subscriptions/{id}":  {{path: "/api/v1/subscriptions/sub"}},
	"POST /api/v1/subscriptions": {{path: "/api/v1/subscriptions",
		body: `{"account_id":"acc","service_id":"svc-stt","region":"eu-west-2","started_on":"2025-04-01T00:00:00Z","status":"active"}`}},
	"PUT /api/v1/subscriptions/{id}": {{path: "/api/v1/subscriptions/sub",
		body: `{"account_id":"acc","service_id":"svc-stt","region":"eu-west-1","started_on":"2025-03-01T00:00:00Z","status":"restricted"}`}},
	"GET /api/v1/services":      {{path: "/api/v1/services?capability=ai.speech_to_text"}},
	"GET /api/v1/services/{id}": {{path: "/api/v1/services/svc-stt"}},
	"POST /api/v1/services":     {{path: "/api/v1/services", body: `{"name":"OCR","capabilities":["ai.ocr"]}`}},
	"PUT /api/v1/services/{id}": {{path: "/api/v1/services/svc-stt", body: `{"name":"Speech to text v2","capabilities":["ai.speech_to_text"]}`}},
	"GET /api/v1/contexts":      {{path: "/api/v1/contexts?high_risk=true"}},
	"GET /api/v1/contexts/{id}": {{path: "/api/v1/contexts/UA-43"}},
	"POST /api/v1/contexts":     {{path: "/api/v1/contexts", body: `{"id":"SD","status":"active_armed_conflict","high_risk":true,"source":"test","as_of":"2025-01-01T00:00:00Z"}`}},
	"PUT /api/v1/contexts/{id}": {{path: "/api/v1/contexts/UA-43", body: `{"status":"occupation","high_risk":true,"source":"test 2","as_of":"2025-02-01T00:00:00Z"}`}},
	"GET /api/v1/sources":       {{path: "/api/v1/sources?party_id=unit"}},
	"GET /api/v1/sources/{id}":  {{path: "/api/v1/sources/src"}},
	"POST /api/v1/sources":      {{path: "/api/v1/sources", body: `{"title":"Another report","reliability":"C","credibility":3,"party_ids":["min"]}`}},
	"PUT /api/v1/sources/{id}":  {{path: "/api/v1/sources/src", body: `{"title":"Report on Unit 7","reliability":"A","credibility":1,"party_ids":["unit"]}`}},
	"GET /api/v1/events":        {{path: "/api/v1/events?limit=5"}},
	"GET /api/v1/events/{id}":   {{path: "/api/v1/events/" + eventIDPlaceholder}},
}

// eventIDPlaceholder is replaced by the id of a real event at run time.
const eventIDPlaceholder = "EVENT"

// TestAccessEveryRoute sends every route's samples as every role and as
// callers with no, disabled or expired credentials, and checks the answer
// against the route's access rule: 401 without a valid credential, 403
// exactly when the rule refuses the role, and otherwise a non-error answer.
func TestAccessEveryRoute(t *testing.T) {
	e := newEnv(t)
	evs, err := e.store.ListEvents(t.Context(), 0, 1)
	if err != nil || len(evs) == 0 {
		t.Fatalf("list events: %v (%d)", err, len(evs))
	}
	seen := map[string]bool{}
	for _, rt := range e.srv.routes {
		key := rt.method + " " + rt.path
		seen[key] = true
		ss, ok := samples[key]
		if !ok {
			t.Errorf("route %s has no sample in access_test.go: add one so its access rule is tested", key)
			continue
		}
		for _, s := range ss {
			if s.setup != nil {
				s.setup(t, e)
			}
			path := s.path
			if path == "/api/v1/events/"+eventIDPlaceholder {
				path = "/api/v1/events/" + evs[0].ID
			}
			t.Run(key+" "+s.target, func(t *testing.T) {
				for _, p := range []string{"", principalDisabled, principalExpired} {
					res := e.do(t, p, rt.method, path, s.body)
					if rt.access.public() {
						if res.status >= 400 {
							t.Errorf("public route as %q: %d %s", p, res.status, res.body)
						}
						continue
					}
					if res.status != http.StatusUnauthorized {
						t.Errorf("as %q: got %d, want 401", p, res.status)
					}
				}
				for _, role := range vigil.Roles {
					u := e.users[string(role)]
					target := s.target
					if target == "self" {
						target = u.ID
					}
					res := e.do(t, string(role), rt.method, path, s.body)
					want := rt.access.allows(u, target)
					switch {
					case !want && res.status != http.StatusForbidden:
						t.Errorf("as %s: got %d, want 403 (%s)", role, res.status, res.body)
					case !want && (!strings.Contains(string(res.body), string(rt.access.perm)) || !strings.Contains(string(res.body), string(rt.access.or))):
						// The refusal names every permission that would admit the caller.
						t.Errorf("as %s: the refusal names neither or not all of %q and %q: %s", role, rt.access.perm, rt.access.or, res.body)
					case want && res.status >= 400 && res.status != http.StatusConflict:
						t.Errorf("as %s: got %d, want success (%s)", role, res.status, res.body)
					case want && res.status != http.StatusConflict && res.status != rt.status:
						t.Errorf("as %s: got %d, want %d", role, res.status, rt.status)
					}
				}
			})
		}
	}
	for key := range samples {
		if !seen[key] {
			t.Errorf("sample %s matches no route of the table", key)
		}
	}
}

// TestAuditorIsReadOnly pins the role model the issue asks for, whatever
// the table says: an auditor may read every record of the portfolio and of
// the work done on it, and write nothing.
func TestAuditorIsReadOnly(t *testing.T) {
	e := newEnv(t)
	auditor := e.users[string(vigil.RoleAuditor)]
	for _, rt := range e.srv.routes {
		if rt.access.public() {
			continue // open to anyone, such as the grievance form: no privilege of the auditor's
		}
		allowed := rt.access.allows(auditor, "")
		if rt.method == http.MethodGet && rt.access.perm == vigil.PermRead && !allowed {
			t.Errorf("auditor cannot %s %s", rt.method, rt.path)
		}
		if rt.method != http.MethodGet && allowed {
			t.Errorf("auditor may %s %s", rt.method, rt.path)
		}
	}
}

func TestBearerHeaderForms(t *testing.T) {
	e := newEnv(t)
	for _, h := range []string{"Basic abc", "Bearer", "Bearer ", "Bearer vgl_nosuchtoken", "vgl_x"} {
		req := newRequest("GET", "/api/v1/me", "")
		req.Header.Set("Authorization", h)
		res := e.serve(t, req)
		if res.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: got %d, want 401", h, res.status)
		}
		if got := res.header.Get("WWW-Authenticate"); got == "" {
			t.Errorf("Authorization %q: no WWW-Authenticate header", h)
		}
	}
	req := newRequest("GET", "/api/v1/me", "")
	req.Header.Set("Authorization", "bearer "+e.tokens["analyst"])
	if res := e.serve(t, req); res.status != http.StatusOK {
		t.Errorf("lower-case scheme: got %d, want 200", res.status)
	}
}
