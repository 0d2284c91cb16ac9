package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
)

type page struct {
	Items []json.RawMessage `json:"items"`
	Next  string            `json:"next"`
}

func ids(t *testing.T, p page) []string {
	t.Helper()
	var out []string
	for _, raw := range p.Items {
		var v struct{ ID string }
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.ID)
	}
	return out
}

func TestPartyLifecycle(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "analyst", "POST", "/api/v1/parties", `{"type":"security_unit","name":"Border Guard Detachment 3","aliases":["Погранотряд 3"],"country":"UA-43","sectors":["border"],"identifiers":[{"scheme":"ofac","value":"12345"}]}`)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var p vigil.Party
	res.decode(t, &p)
	if p.ID == "" || p.CreatedBy != "analyst" || p.CreatedAt.IsZero() {
		t.Errorf("created party lacks id or metadata: %+v", p)
	}
	if loc := res.header.Get("Location"); loc != "/api/v1/parties/"+p.ID {
		t.Errorf("Location %q", loc)
	}

	res = e.do(t, "auditor", "GET", "/api/v1/parties/"+p.ID, "")
	var got vigil.Party
	res.decode(t, &got)
	if got.Name != p.Name || !slices.Equal(got.Aliases, p.Aliases) {
		t.Errorf("get: %+v, want %+v", got, p)
	}

	// A GET's body can be edited and PUT back as is, metadata included.
	got.Notes = "seen in report src"
	body, _ := json.Marshal(got)
	res = e.do(t, "reviewer", "PUT", "/api/v1/parties/"+p.ID, string(body))
	if res.status != http.StatusOK {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	res.decode(t, &got)
	if got.Notes != "seen in report src" || got.UpdatedBy != "reviewer" || got.CreatedBy != "analyst" {
		t.Errorf("after update: %+v", got)
	}

	res = e.do(t, "analyst", "PUT", "/api/v1/parties/"+p.ID, `{"id":"other","type":"company","name":"x"}`)
	if pr := res.problem(t); res.status != 400 || pr.Field != "id" {
		t.Errorf("id mismatch: %d %+v", res.status, pr)
	}
	res = e.do(t, "analyst", "PUT", "/api/v1/parties/nope", `{"type":"company","name":"x"}`)
	if res.status != 404 {
		t.Errorf("update of a missing party: %d %s", res.status, res.body)
	}
	res = e.do(t, "analyst", "GET", "/api/v1/parties/nope", "")
	if pr := res.problem(t); res.status != 404 || pr.Code != vigil.ENOTFOUND || pr.Type != problemTypeBase+vigil.ENOTFOUND {
		t.Errorf("get of a missing party: %d %+v", res.status, pr)
	}
	res = e.do(t, "analyst", "POST", "/api/v1/parties", `{"id":"res","type":"company","name":"Duplicate"}`)
	if res.status != 409 {
		t.Errorf("duplicate id: %d %s", res.status, res.body)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"unknown field", "/api/v1/parties", `{"type":"company","name":"A","colour":"red"}`, 400, "colour"},
		{"bad enum", "/api/v1/parties", `{"type":"cult","name":"A"}`, 400, "type"},
		{"wrong JSON type", "/api/v1/parties", `{"type":"company","name":7}`, 400, "name"},
		{"bad country", "/api/v1/parties", `{"type":"company","name":"A","country":"XX-1234"}`, 400, "country"},
		{"dangling reference", "/api/v1/accounts", `{"party_id":"ghost","name":"A"}`, 400, "party_id"},
		{"bad date", "/api/v1/subscriptions", `{"account_id":"acc","service_id":"svc-stt","region":"eu-west-1","started_on":"01/02/2025","status":"active"}`, 400, ""},
		{"not JSON", "/api/v1/parties", `{"type":`, 400, ""},
		{"empty body", "/api/v1/parties", ``, 400, ""},
		{"two values", "/api/v1/parties", `{"type":"company","name":"A"} {}`, 400, ""},
		{"context without id", "/api/v1/contexts", `{"status":"none","source":"s","as_of":"2025-01-01"}`, 400, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.do(t, "admin", "POST", c.path, c.body)
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			pr := res.problem(t)
			if res.status != c.status || pr.Status != c.status || (c.field != "" && pr.Field != c.field) || pr.Detail == "" {
				t.Errorf("got %d %+v, want %d field %q", res.status, pr, c.status, c.field)
			}
		})
	}
}

func TestListFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	for i := range 7 {
		res := e.do(t, "admin", "POST", "/api/v1/parties", fmt.Sprintf(`{"id":"p%02d","type":"company","name":"Paged %d","country":"FR"}`, i, i))
		if res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
	}
	var all []string
	next := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		res := e.do(t, "auditor", "GET", "/api/v1/parties?country=FR&limit=3&after="+next, "")
		if res.status != 200 {
			t.Fatalf("list: %d %s", res.status, res.body)
		}
		var p page
		res.decode(t, &p)
		all = append(all, ids(t, p)...)
		if p.Next == "" {
			break
		}
		next = p.Next
	}
	want := []string{"p00", "p01", "p02", "p03", "p04", "p05", "p06"}
	if !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}

	var p page
	e.do(t, "auditor", "GET", "/api/v1/parties?q=ministry", "").decode(t, &p)
	if got := ids(t, p); !slices.Equal(got, []string{"min"}) {
		t.Errorf("q=ministry: %v", got)
	}
	e.do(t, "auditor", "GET", "/api/v1/parties?sector=police&type=security_unit", "").decode(t, &p)
	if got := ids(t, p); !slices.Equal(got, []string{"unit"}) {
		t.Errorf("sector and type filters: %v", got)
	}
	e.do(t, "auditor", "GET", "/api/v1/parties?country=ZW", "").decode(t, &p)
	if p.Items == nil || len(p.Items) != 0 {
		t.Errorf("empty listing must have items [], got %v", p.Items)
	}

	if res := e.do(t, "auditor", "GET", "/api/v1/links?q=own", ""); res.status != 400 || res.problem(t).Field != "q" {
		t.Errorf("q on links, which have no name: %d %s", res.status, res.body)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/parties?after=%zz", ""); res.status != 400 {
		t.Errorf("malformed query: %d", res.status)
	}
	for _, q := range []string{"colour=red", "limit=0", "limit=1001", "limit=x", "country=FR&country=DE", "account_id=acc", "after=not-a-cursor!"} {
		res := e.do(t, "auditor", "GET", "/api/v1/parties?"+q, "")
		if res.status != 400 || res.problem(t).Field == "" {
			t.Errorf("%s: %d %s, want 400 naming the parameter", q, res.status, res.body)
		}
	}
}

func TestListEveryKind(t *testing.T) {
	e := newEnv(t)
	want := map[vigil.Kind]string{
		vigil.KindParty: "hold", vigil.KindLink: "l-own", vigil.KindAccount: "acc", vigil.KindSubscription: "sub",
		vigil.KindService: "svc-stt", vigil.KindContext: "UA-43", vigil.KindSource: "src",
	}
	for _, k := range vigil.Kinds {
		var p page
		res := e.do(t, "approver", "GET", "/api/v1/"+string(k), "")
		res.decode(t, &p)
		if got := ids(t, p); len(got) == 0 || got[0] != want[k] {
			t.Errorf("%s: %v", k, got)
		}
		for _, f := range vigil.FilterFields[k] {
			res := e.do(t, "approver", "GET", "/api/v1/"+string(k)+"?"+f+"=zz", "")
			if res.status != 200 {
				t.Errorf("%s?%s=zz: %d %s", k, f, res.status, res.body)
			}
		}
	}
}

func TestChains(t *testing.T) {
	e := newEnv(t)
	var c portfolio.Chain
	res := e.do(t, "auditor", "GET", "/api/v1/accounts/acc/chain", "")
	res.decode(t, &c)
	if c.PartyID != "res" || len(c.EndUsers) != 1 || c.EndUsers[0].PartyID != "unit" || len(c.Parents) != 1 || c.Parents[0].PartyID != "hold" {
		t.Errorf("account chain: %+v", c)
	}
	e.do(t, "auditor", "GET", "/api/v1/parties/unit/chain", "").decode(t, &c)
	if len(c.Parents) != 1 || c.Parents[0].PartyID != "min" || len(c.EndUsers) != 0 {
		t.Errorf("unit chain: %+v", c)
	}
	for _, p := range []string{"/api/v1/parties/ghost/chain", "/api/v1/accounts/ghost/chain"} {
		if res := e.do(t, "auditor", "GET", p, ""); res.status != 404 {
			t.Errorf("%s: %d", p, res.status)
		}
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	e.do(t, "analyst", "POST", "/api/v1/parties", `{"id":"evt","type":"person","name":"Someone"}`)
	var seen []vigil.Event
	next := ""
	for range 100 {
		res := e.do(t, "auditor", "GET", "/api/v1/events?limit=4&after="+next, "")
		var p struct {
			Items []vigil.Event
			Next  string
		}
		res.decode(t, &p)
		seen = append(seen, p.Items...)
		if p.Next == "" {
			break
		}
		next = p.Next
	}
	var created *vigil.Event
	for i := range seen {
		if i > 0 && seen[i].Seq <= seen[i-1].Seq {
			t.Errorf("events out of order: %d after %d", seen[i].Seq, seen[i-1].Seq)
		}
		if seen[i].Subject == "parties/evt" {
			created = &seen[i]
		}
	}
	if created == nil || created.Type != "party.created" || created.Actor != "analyst" {
		t.Fatalf("no party.created event for evt among %d events", len(seen))
	}
	var ev vigil.Event
	e.do(t, "auditor", "GET", "/api/v1/events/"+created.ID, "").decode(t, &ev)
	if string(ev.ComputeCommitment()) != string(ev.Commitment) {
		t.Errorf("event from the API does not verify against its commitment")
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/events?after=-1", ""); res.status != 400 {
		t.Errorf("after=-1: %d", res.status)
	}
	if res := e.do(t, "auditor", "GET", "/api/v1/events/nope", ""); res.status != 404 {
		t.Errorf("missing event: %d", res.status)
	}
}

func TestUsersAndTokens(t *testing.T) {
	e := newEnv(t)
	var me vigil.User
	e.do(t, "reviewer", "GET", "/api/v1/me", "").decode(t, &me)
	if me.ID != "reviewer" || me.Role != vigil.RoleReviewer {
		t.Errorf("me: %+v", me)
	}

	res := e.do(t, "admin", "POST", "/api/v1/users", `{"id":"dana","name":"Dana","email":"dana@example.org","role":"auditor"}`)
	if res.status != 201 {
		t.Fatalf("create user: %d %s", res.status, res.body)
	}
	if res := e.do(t, "admin", "POST", "/api/v1/users", `{"id":"eve","name":"Eve","role":"emperor"}`); res.status != 400 || res.problem(t).Field != "role" {
		t.Errorf("bad role: %d %s", res.status, res.body)
	}
	var users page
	e.do(t, "admin", "GET", "/api/v1/users", "").decode(t, &users)
	if !slices.Contains(ids(t, users), "dana") {
		t.Errorf("dana not listed: %v", ids(t, users))
	}

	// An admin creates Dana's token; the secret works once handed over.
	res = e.do(t, "admin", "POST", "/api/v1/tokens", `{"user_id":"dana","name":"laptop"}`)
	var nt NewToken
	res.decode(t, &nt)
	if res.status != 201 || !strings.HasPrefix(nt.Secret, vigil.TokenPrefix) || nt.Token.UserID != "dana" {
		t.Fatalf("create token: %d %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), nt.Token.Hash) && nt.Token.Hash != "" {
		t.Errorf("the token's hash leaks into the answer")
	}
	e.tokens["dana"] = nt.Secret
	e.do(t, "dana", "GET", "/api/v1/me", "").decode(t, &me)
	if me.ID != "dana" {
		t.Errorf("dana's token is %s's", me.ID)
	}
	if res := e.do(t, "dana", "POST", "/api/v1/parties", `{"type":"person","name":"X"}`); res.status != 403 {
		t.Errorf("auditor wrote: %d", res.status)
	}

	// Dana (auditor) may make herself a token, but none for anybody else.
	if res := e.do(t, "dana", "POST", "/api/v1/tokens", `{"name":"ci"}`); res.status != 201 {
		t.Errorf("own token: %d %s", res.status, res.body)
	}
	if res := e.do(t, "dana", "POST", "/api/v1/tokens", `{"name":"ci","user_id":"admin"}`); res.status != 403 {
		t.Errorf("token for another: %d %s", res.status, res.body)
	}

	// Revoking Dana's token locks her out at once.
	if res := e.do(t, "admin", "DELETE", "/api/v1/tokens/"+nt.Token.ID, ""); res.status != http.StatusNoContent {
		t.Errorf("revoke: %d %s", res.status, res.body)
	}
	if res := e.do(t, "dana", "GET", "/api/v1/me", ""); res.status != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", res.status)
	}
	if res := e.do(t, "admin", "DELETE", "/api/v1/tokens/nope", ""); res.status != http.StatusNotFound {
		t.Errorf("revoke of a missing token: %d", res.status)
	}

	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	if res := e.do(t, "admin", "POST", "/api/v1/tokens", `{"name":"old","expires_at":"`+past+`"}`); res.status != 400 {
		t.Errorf("expired at birth: %d", res.status)
	}
	if res := e.do(t, "admin", "POST", "/api/v1/tokens", `{"name":"x","user_id":"ghost"}`); res.status != 400 {
		t.Errorf("token for a missing user: %d", res.status)
	}
	if res := e.do(t, "admin", "POST", "/api/v1/tokens", `{"name":"x","user_id":"disabled"}`); res.status != 400 {
		t.Errorf("token for a disabled user: %d", res.status)
	}
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if res := e.do(t, "analyst", "POST", "/api/v1/tokens", `{"name":"short","expires_at":"`+soon+`"}`); res.status != 201 {
		t.Errorf("expiring token: %d %s", res.status, res.body)
	}
}

func TestUnmatchedRoutes(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "admin", "GET", "/api/v1/nothing", "")
	if res.status != 404 || res.problem(t).Code != vigil.ENOTFOUND {
		t.Errorf("unknown path: %d %s", res.status, res.body)
	}
	res = e.do(t, "admin", "DELETE", "/api/v1/parties/res", "")
	if res.status != 405 || res.header.Get("Allow") != "GET, PUT" {
		t.Errorf("wrong method: %d Allow=%q %s", res.status, res.header.Get("Allow"), res.body)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, WithMaxBodyBytes(256))
	body := `{"type":"company","name":"` + strings.Repeat("a", 300) + `"}`
	res := e.do(t, "admin", "POST", "/api/v1/parties", body)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: %d %s", res.status, res.body)
	}
}

// TestInternalErrorsDoNotLeak closes the database under the server: the
// driver's message must reach the log and not the client.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	e.store.Close()
	res := e.do(t, "", "GET", "/healthz", "")
	pr := res.problem(t)
	if res.status != 500 || pr.Code != vigil.EINTERNAL || strings.Contains(strings.ToLower(pr.Detail), "sql") || pr.RequestID == "" {
		t.Errorf("healthz on a closed store: %d %+v", res.status, pr)
	}
	if !strings.Contains(e.logs.String(), pr.RequestID) || !strings.Contains(e.logs.String(), "closed") {
		t.Errorf("the log lacks the request id or the cause:\n%s", e.logs.String())
	}
}

func TestHealthMetricsHeaders(t *testing.T) {
	e := newEnv(t)
	res := e.do(t, "", "GET", "/healthz", "")
	if res.status != 200 || !strings.Contains(string(res.body), `"ok"`) {
		t.Errorf("healthz: %d %s", res.status, res.body)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		"Referrer-Policy": "no-referrer",
	} {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if res.header.Get("X-Request-Id") == "" {
		t.Errorf("no request id")
	}
	e.do(t, "auditor", "GET", "/api/v1/parties/ghost", "")
	if !strings.Contains(e.logs.String(), "route=\"GET /api/v1/parties/{id}\" path=/api/v1/parties/ghost status=404") ||
		!strings.Contains(e.logs.String(), "user=auditor") {
		t.Errorf("no access log line with route, status and user:\n%s", e.logs.String())
	}
	res = e.do(t, "", "GET", "/metrics", "")
	for _, want := range []string{
		`vigil_http_requests_total{method="GET",route="GET /api/v1/parties/{id}",status="404"} 1`,
		`vigil_http_request_duration_seconds_bucket{method="GET",route="GET /healthz",status="200",le="0.001"}`,
	} {
		if !strings.Contains(string(res.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A second server keeps its own counts: no global registry.
	other := newEnv(t)
	res = other.do(t, "", "GET", "/metrics", "")
	if strings.Contains(string(res.body), `route="GET /api/v1/parties/{id}"`) {
		t.Errorf("metrics are shared between servers")
	}
}

func TestMount(t *testing.T) {
	logH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "checkpoint "+r.URL.Path) })
	e := newEnv(t, Mount("/log/", logH))
	req := httptest.NewRequest("GET", "/log/checkpoint", nil)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "checkpoint /log/checkpoint" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("mounted handler: %d %q", rec.Code, rec.Body.String())
	}
	for _, bad := range []string{"/api/v1/x/", "/", "", "log/"} {
		if _, err := NewServer(e.store, nil, Mount(bad, logH)); err == nil {
			t.Errorf("mount at %q was accepted", bad)
		}
	}
	if _, err := NewServer(e.store, nil, Mount("/log/", logH), Mount("/log/", logH)); err == nil {
		t.Errorf("two mounts at one prefix were accepted")
	}
}

func TestListenAndServeShutsDown(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz over TCP: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
	}
	// ListenAndServe reports a bad address instead of serving nothing.
	if err := e.srv.ListenAndServe(context.Background(), "256.0.0.1:x"); err == nil {
		t.Errorf("bad address accepted")
	}
}

// TestTokenExpiryFollowsTheServerClock checks that expiry is judged by the
// server's clock, the one WithClock sets, not by the store's own.
func TestTokenExpiryFollowsTheServerClock(t *testing.T) {
	later := time.Now().Add(48 * time.Hour)
	e := newEnv(t, WithClock(func() time.Time { return later }))
	secret, hash := vigil.NewTokenSecret()
	expires := time.Now().Add(24 * time.Hour)
	tok := &vigil.Token{ID: "T-day", UserID: "analyst", Name: "day", Hash: hash, CreatedAt: time.Now(), ExpiresAt: &expires}
	if err := e.store.CreateToken(t.Context(), tok, "test"); err != nil {
		t.Fatal(err)
	}
	e.tokens["day"] = secret
	if res := e.do(t, "day", "GET", "/api/v1/me", ""); res.status != http.StatusUnauthorized {
		t.Errorf("a token expired by the server's clock: %d", res.status)
	}
	if res := e.do(t, "analyst", "GET", "/api/v1/me", ""); res.status != http.StatusOK {
		t.Errorf("a token without expiry: %d", res.status)
	}
}
