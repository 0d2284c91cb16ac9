package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// env is a server over a real SQLite store, with one user and token per
// role, a disabled user, and a small portfolio with a reseller chain.
type env struct {
	store  *sqlite.DB
	srv    *Server
	doc    *openapi3.T
	tokens map[string]string // principal name -> token secret
	users  map[string]*vigil.User
	logs   *bytes.Buffer
}

// Principals beyond the roles, whose names are keys of env.tokens.
const (
	principalDisabled = "disabled"
	principalExpired  = "expired"
)

// envOptions let a domain's tests seed the store of every env and add a
// server option (grievance_test.go: a grievance key and sample records).
var envOptions []func(t testing.TB, store vigil.Store) Option

func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &bytes.Buffer{}
	for _, extend := range envOptions {
		opts = append(opts, extend(t, store))
	}
	srv, err := NewServer(store, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opts...)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	e := &env{store: store, srv: srv, tokens: map[string]string{}, users: map[string]*vigil.User{}, logs: logs}
	e.doc = loadDoc(t, srv.openapi)

	now := time.Now()
	addUser := func(id string, role vigil.Role, disabled bool, expires *time.Time) {
		u := &vigil.User{ID: id, Name: "User " + id, Email: id + "@example.org", Role: role, Disabled: disabled}
		if err := store.CreateUser(ctx, u, "test"); err != nil {
			t.Fatalf("create user %s: %v", id, err)
		}
		secret, hash := vigil.NewTokenSecret()
		tok := &vigil.Token{ID: "T-" + id, UserID: id, Name: "test", Hash: hash, CreatedAt: now, ExpiresAt: expires}
		if err := store.CreateToken(ctx, tok, "test"); err != nil {
			t.Fatalf("create token for %s: %v", id, err)
		}
		e.tokens[id] = secret
		e.users[id] = u
	}
	for _, r := range vigil.Roles {
		addUser(string(r), r, false, nil)
	}
	addUser(principalDisabled, vigil.RoleAdmin, true, nil)
	past := now.Add(-time.Hour)
	addUser(principalExpired, vigil.RoleAdmin, false, &past)

	e.seed(t)
	return e
}

// seed stores a small portfolio: a holding owns a reseller that sells to a
// security unit of a ministry; the reseller holds an account.
func (e *env) seed(t testing.TB) {
	t.Helper()
	day := vigil.MustDate("2025-03-01")
	recs := []vigil.Record{
		&vigil.Service{ID: "svc-stt", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}},
		&vigil.CountryContext{ID: "UA-43", Status: vigil.ConflictOccupation, HighRisk: true, Source: "test", AsOf: day},
		&vigil.Party{ID: "hold", Type: vigil.PartyCompany, Name: "Holding Ltd", Country: "GB"},
		&vigil.Party{ID: "res", Type: vigil.PartyCompany, Name: "Reseller GmbH", Country: "DE", Aliases: []string{"Wiederverkäufer"}},
		&vigil.Party{ID: "min", Type: vigil.PartyGovernment, Name: "Ministry of the Interior", Country: "UA-43", Sectors: []string{"police"}},
		&vigil.Party{ID: "unit", Type: vigil.PartyUnit, Name: "Unit 7", Country: "UA-43", Sectors: []string{"police"}},
		&vigil.Link{ID: "l-own", From: "hold", To: "res", Type: vigil.LinkOwns, Share: 60},
		&vigil.Link{ID: "l-sell", From: "res", To: "unit", Type: vigil.LinkResellsTo},
		&vigil.Link{ID: "l-unit", From: "unit", To: "min", Type: vigil.LinkUnitOf},
		&vigil.Account{ID: "acc", PartyID: "res", Name: "Reseller account", BillingCountry: "DE", OpenedOn: day},
		&vigil.Subscription{ID: "sub", AccountID: "acc", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: day, Status: vigil.SubscriptionActive},
		&vigil.Source{ID: "src", Title: "Report on Unit 7", Publisher: "Watch", URL: "https://example.org/r", PublishedOn: day, Language: "en", Reliability: "B", Credibility: 2, PartyIDs: []string{"unit"}},
	}
	for _, r := range recs {
		if err := e.store.Create(context.Background(), r, "seed"); err != nil {
			t.Fatalf("seed %s %s: %v", r.RecordKind(), r.RecordID(), err)
		}
	}
}

// response is a recorded answer, already checked against the document.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r *response) problem(t testing.TB) Problem {
	t.Helper()
	var p Problem
	r.decode(t, &p)
	return p
}

// do sends a request as a principal ("" for none) and checks the answer
// against the OpenAPI document: its status must be documented for the
// operation and its body must match that status's schema.
func (e *env) do(t testing.TB, principal, method, target, body string) *response {
	t.Helper()
	req := newRequest(method, target, body)
	if principal != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[principal])
	}
	return e.serve(t, req)
}

func newRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// serve runs a request through the server's handler and checks the answer
// against the document.
func (e *env) serve(t testing.TB, req *http.Request) *response {
	t.Helper()
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	res := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checkAgainstDoc(t, e.doc, req.Method, req.URL.Path, res)
	return res
}

func loadDoc(t testing.TB, raw []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load openapi document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the openapi document is invalid: %v", err)
	}
	return doc
}

// findPath returns the document's path template matching a concrete path.
func findPath(doc *openapi3.T, path string) (string, *openapi3.PathItem) {
	segs := strings.Split(path, "/")
	for tmpl, item := range doc.Paths.Map() {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		ok := true
		for i := range ts {
			if ts[i] != segs[i] && !(strings.HasPrefix(ts[i], "{") && segs[i] != "") {
				ok = false
				break
			}
		}
		if ok {
			return tmpl, item
		}
	}
	return "", nil
}

func checkAgainstDoc(t testing.TB, doc *openapi3.T, method, path string, res *response) {
	t.Helper()
	tmpl, item := findPath(doc, path)
	var op *openapi3.Operation
	if item != nil {
		op = item.GetOperation(method)
	}
	ct, _, _ := strings.Cut(res.header.Get("Content-Type"), ";")
	if op != nil && ct == "" && len(res.body) == 0 {
		if rr := op.Responses.Status(res.status); rr == nil || rr.Value == nil || rr.Value.Content != nil {
			t.Errorf("%s %s: empty %d answer, but the document promises a body or lacks the status", method, tmpl, res.status)
		}
		return
	}
	if op == nil {
		// Not an API route: only problem documents may come back.
		if ct != "application/problem+json" {
			t.Errorf("%s %s: undocumented route answered %d %s", method, path, res.status, ct)
		}
		if res.status != http.StatusNotFound && res.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: undocumented route answered %d", method, path, res.status)
		}
		return
	}
	rr := op.Responses.Status(res.status)
	if rr == nil || rr.Value == nil {
		t.Errorf("%s %s: status %d is not documented for %s (body %s)", method, tmpl, res.status, op.OperationID, res.body)
		return
	}
	mt := rr.Value.Content.Get(ct)
	if mt == nil {
		t.Errorf("%s %s: content type %q of status %d is not documented", method, tmpl, ct, res.status)
		return
	}
	if ct != "application/json" && ct != "application/problem+json" {
		return
	}
	var v any
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Errorf("%s %s: body is not JSON: %v", method, path, err)
		return
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return
	}
	if err := mt.Schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		t.Errorf("%s %s: status %d body does not match the document: %v\nbody: %.600s", method, tmpl, res.status, err, res.body)
	}
}
