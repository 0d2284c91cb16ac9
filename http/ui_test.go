package http

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/internal/syncbuf"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
	"github.com/vigil-hrdd/vigil/usage"
)

// uiEnv is a UI over a demo portfolio in SQLite, assessed by the risk
// engine, with one user per role, each with the password uiPassword.
type uiEnv struct {
	store vigil.Store
	srv   *httptest.Server
	logs  *syncbuf.Buffer
}

const uiPassword = "correct horse battery staple"

// uiFixtureParty is a party written by the test itself, so that pages
// show values the tests know: a source published on the first of a month
// (the French "1er") and a chain of a reseller, the party and its parent.
const uiFixtureParty = "UI-UNIT-7"

func newUIEnv(t testing.TB, opts ...Option) *uiEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "vigil.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: 1200, Seed: 3}); err != nil {
		t.Fatalf("generate demo: %v", err)
	}
	if _, err := transfer.ImportDir(ctx, st, filepath.Join(dir, "portfolio"), "demo", nil); err != nil {
		t.Fatalf("import demo: %v", err)
	}
	for _, rec := range []vigil.Record{
		&vigil.Party{ID: "UI-MIN", Type: vigil.PartyGovernment, Name: "Ministry of Coastal Defence", Country: "NO", Sectors: []string{"military"}},
		&vigil.Party{ID: uiFixtureParty, Type: vigil.PartyUnit, Name: "Coastal Signals Unit 7", Country: "NO-03", Sectors: []string{"military", "intelligence"},
			Aliases: []string{"Береговой отряд 7"}, Identifiers: []vigil.Identifier{{Scheme: "lei", Value: "5299000UI7"}}},
		&vigil.Party{ID: "UI-RES", Type: vigil.PartyCompany, Name: "Fjord Integrators AS", Country: "NO"},
		&vigil.Link{ID: "UI-L1", From: uiFixtureParty, To: "UI-MIN", Type: vigil.LinkUnitOf},
		&vigil.Link{ID: "UI-L2", From: "UI-RES", To: uiFixtureParty, Type: vigil.LinkResellsTo},
		&vigil.Source{ID: "UI-S1", Title: "Signals units <script>alert(1)</script> on the coast", Publisher: "Coast Watch", URL: "https://example.org/report",
			PublishedOn: vigil.MustDate("2026-12-01"), Language: "en", Reliability: "B", Credibility: 2, PartyIDs: []string{uiFixtureParty}},
	} {
		if err := st.Create(ctx, rec, "test"); err != nil {
			t.Fatalf("create %s: %v", rec.RecordID(), err)
		}
	}
	// Two usage signals a week apart: the dashboard shows the latest week.
	us, err := usage.StoreOf(st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := us.SaveSignals(ctx, []*usage.Signal{
		{ID: "SIG-1", Rule: "speech-surge", Title: "Speech-to-text use tripled", Severity: "high", Scope: usage.ScopeAccount, Account: "A0000001",
			AsOf: vigil.MustDate("2026-11-20"), Explanation: "312 hours against a 90-day median of 98", Numbers: map[string]float64{}, Facts: map[string]any{}},
		{ID: "SIG-0", Rule: "speech-surge", Title: "An older signal", Severity: "low", Scope: usage.ScopeAccount, Account: "A0000001",
			AsOf: vigil.MustDate("2026-11-01"), Explanation: "older", Numbers: map[string]float64{}, Facts: map[string]any{}},
	}, "test"); err != nil {
		t.Fatalf("save signals: %v", err)
	}
	p, err := risk.DefaultPolicyLoaded()
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	if _, err := risk.NewEngine(st, p, risk.Options{Logger: slog.New(slog.DiscardHandler)}).AssessAll(ctx, "test"); err != nil {
		t.Fatalf("assess: %v", err)
	}
	hash, err := HashPassword(uiPassword)
	if err != nil {
		t.Fatal(err)
	}
	var ws vigil.WebStore = st
	for _, r := range vigil.Roles {
		id := string(r)
		if err := st.CreateUser(ctx, &vigil.User{ID: id, Name: "Test " + id, Role: r}, "test"); err != nil {
			t.Fatalf("create user: %v", err)
		}
		if err := ws.SetPassword(ctx, id, hash, "test"); err != nil {
			t.Fatalf("set password: %v", err)
		}
	}
	logs := &syncbuf.Buffer{}
	srv, err := NewServer(st, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), opts...)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &uiEnv{store: st, srv: hs, logs: logs}
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed, so tests see each answer.
func (e *uiEnv) client(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its body and the CSRF token of its forms.
func (e *uiEnv) get(t testing.TB, c *http.Client, path string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	tok := ""
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		tok = m[1]
	}
	return resp.StatusCode, string(b), tok
}

func (e *uiEnv) post(t testing.TB, c *http.Client, path string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs a client in and fails the test unless it lands on the UI.
func (e *uiEnv) signIn(t testing.TB, c *http.Client, user, password string) *http.Response {
	t.Helper()
	_, _, tok := e.get(t, c, "/ui/login")
	resp, _ := e.post(t, c, "/ui/login", url.Values{"csrf": {tok}, "user": {user}, "password": {password}, "next": {"/ui/"}}, nil)
	return resp
}

func TestUISignInAndPages(t *testing.T) {
	e := newUIEnv(t)
	c := e.client(t)
	if code, _, _ := e.get(t, c, "/ui/"); code != http.StatusSeeOther {
		t.Fatalf("GET /ui/ without a session = %d, want a redirect to sign in", code)
	}
	resp := e.signIn(t, c, "analyst", uiPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("sign-in = %d to %q, want 303 to /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "vigil_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly and SameSite=Lax", session)
	}
	for _, path := range []string{"/ui/", "/ui/parties", "/ui/parties?country=NO", "/ui/accounts", "/ui/subscriptions?status=active", "/ui/parties/" + uiFixtureParty, "/ui/log", "/ui/sources?reliability=B"} {
		code, body, _ := e.get(t, c, path)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", path, code, body)
		}
	}
	_, body, _ := e.get(t, c, "/ui/parties/"+uiFixtureParty)
	for _, want := range []string{"Coastal Signals Unit 7", "Ministry of Coastal Defence", "Fjord Integrators AS", "<svg", "B2", "usually reliable", "1 December 2026",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `name="notes"`} {
		if !strings.Contains(body, want) {
			t.Errorf("party page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("party page shows a source title unescaped")
	}

	// The dashboard links the top relationships to their explanation and
	// shows the latest week of usage signals.
	_, dash, _ := e.get(t, c, "/ui/")
	if !strings.Contains(dash, "Usage signals, week to 20 November 2026") || !strings.Contains(dash, "Speech-to-text use tripled") || strings.Contains(dash, "An older signal") {
		t.Error("the dashboard does not show exactly the latest week of usage signals")
	}
	m := regexp.MustCompile(`href="(/ui/assessments/[^"]+)"`).FindStringSubmatch(dash)
	if m == nil {
		t.Fatal("the dashboard links no assessment")
	}
	code, body, _ := e.get(t, c, strings.ReplaceAll(m[1], "&#43;", "+"))
	if code != http.StatusOK || !strings.Contains(body, "Red flags") || !strings.Contains(body, "How each number was reached") {
		t.Fatalf("GET %s = %d: %s", m[1], code, body)
	}
	if code, body, _ := e.get(t, c, "/ui/no-such-page"); code != http.StatusNotFound || !strings.Contains(body, "There is no such page.") {
		t.Fatalf("an unknown UI page = %d", code)
	}
	if code, _, _ := e.get(t, c, "/ui/assessments/nope~nothing"); code != http.StatusNotFound {
		t.Fatalf("a missing assessment = %d, want 404", code)
	}
}

func TestUICSRFAndRoles(t *testing.T) {
	e := newUIEnv(t)
	notes := "/ui/parties/" + uiFixtureParty + "/notes"

	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	_, _, tok := e.get(t, analyst, "/ui/parties/"+uiFixtureParty)
	if resp, _ := e.post(t, analyst, notes, url.Values{"notes": {"no token"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, analyst, notes, url.Values{"notes": {"wrong token"}, "csrf": {"x" + tok}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a wrong CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, analyst, notes, url.Values{"notes": {"cross site"}, "csrf": {tok}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, analyst, notes, url.Values{"notes": {"Seen at the port."}, "csrf": {tok}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the token = %d, want 303", resp.StatusCode)
	}
	p, err := vigil.GetAs[*vigil.Party](context.Background(), e.store, vigil.KindParty, uiFixtureParty)
	if err != nil || p.Notes != "Seen at the port." || p.UpdatedBy != "analyst" {
		t.Fatalf("party after the edit = %+v, %v", p, err)
	}

	// Reassessing a customer's relationships is an action too.
	acct, err := vigil.GetAs[*vigil.Account](context.Background(), e.store, vigil.KindAccount, "A0000001")
	if err != nil {
		t.Fatal(err)
	}
	assess := "/ui/parties/" + acct.PartyID + "/assess"
	resp, _ := e.post(t, analyst, assess, url.Values{"csrf": {tok}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "assessed=") {
		t.Fatalf("assess = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page, _ := e.get(t, analyst, resp.Header.Get("Location"))
	if !strings.Contains(page, "new versions stored") {
		t.Fatal("the party page does not report the assessment run")
	}

	auditor := e.client(t)
	e.signIn(t, auditor, "auditor", uiPassword)
	_, body, atok := e.get(t, auditor, "/ui/parties/"+uiFixtureParty)
	if strings.Contains(body, `name="notes"`) {
		t.Fatal("the auditor sees the notes form")
	}
	if resp, _ := e.post(t, auditor, notes, url.Values{"notes": {"forged"}, "csrf": {atok}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor POST = %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.post(t, auditor, assess, url.Values{"csrf": {atok}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor assess = %d, want 403", resp.StatusCode)
	}
	if _, page, _ := e.get(t, auditor, "/ui/parties/"+acct.PartyID); strings.Contains(page, "/assess\"") {
		t.Fatal("the auditor sees the assess button")
	}
	p, _ = vigil.GetAs[*vigil.Party](context.Background(), e.store, vigil.KindParty, uiFixtureParty)
	if p.Notes != "Seen at the port." {
		t.Fatalf("the auditor changed the notes to %q", p.Notes)
	}
}

func TestUILockOut(t *testing.T) {
	e := newUIEnv(t, WithUILockout(3, time.Hour))
	c := e.client(t)
	for i := 0; i < 3; i++ {
		if resp := e.signIn(t, c, "reviewer", "wrong password "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d = %d, want 401", i, resp.StatusCode)
		}
	}
	if resp := e.signIn(t, c, "reviewer", uiPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right password while locked out = %d, want 401", resp.StatusCode)
	}
	// An unknown user gets the same answer as a wrong password.
	if resp := e.signIn(t, c, "nobody", uiPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown user = %d, want 401", resp.StatusCode)
	}
	cred, err := e.store.(vigil.WebStore).Credential(context.Background(), "reviewer")
	if err != nil || cred.LockedUntil.IsZero() {
		t.Fatalf("reviewer not locked: %+v, %v", cred, err)
	}
	other := e.client(t)
	if resp := e.signIn(t, other, "approver", uiPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another user = %d, want 303", resp.StatusCode)
	}
}

func TestUISignOutEndsSession(t *testing.T) {
	e := newUIEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin", uiPassword)
	_, _, tok := e.get(t, c, "/ui/")
	var old *http.Cookie
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "vigil_session" {
			old = ck
		}
	}
	if resp, _ := e.post(t, c, "/ui/logout", url.Values{"csrf": {tok}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out = %d", resp.StatusCode)
	}
	// Replaying the old cookie gets nothing.
	replay := e.client(t)
	replay.Jar.SetCookies(u, []*http.Cookie{old})
	if code, _, _ := e.get(t, replay, "/ui/"); code != http.StatusSeeOther {
		t.Fatalf("old session after sign-out = %d, want a redirect to sign in", code)
	}
}

func TestUISessionTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name           string
		idle, absolute time.Duration
	}{
		{"idle", 700 * time.Millisecond, time.Hour},
		{"absolute", time.Hour, 700 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newUIEnv(t, WithUISessionTimeouts(tc.idle, tc.absolute))
			c := e.client(t)
			if resp := e.signIn(t, c, "analyst", uiPassword); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in = %d", resp.StatusCode)
			}
			if code, _, _ := e.get(t, c, "/ui/"); code != http.StatusOK {
				t.Fatalf("fresh session = %d", code)
			}
			time.Sleep(time.Second)
			if code, _, _ := e.get(t, c, "/ui/"); code != http.StatusSeeOther {
				t.Fatalf("session past its %s timeout = %d, want a redirect to sign in", tc.name, code)
			}
		})
	}
}

// TestUIOverTLS checks the cookie attributes and headers a browser gets
// over HTTPS: the __Host- prefix, Secure, HSTS, and the UI's CSP.
func TestUIOverTLS(t *testing.T) {
	e := newUIEnv(t)
	ts := httptest.NewTLSServer(e.srv.Config.Handler)
	t.Cleanup(ts.Close)
	c := ts.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(ts.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers = %v", resp.Header)
	}
	tok := csrfField.FindStringSubmatch(string(body))[1]
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/ui/login", strings.NewReader(url.Values{"csrf": {tok}, "user": {"admin"}, "password": {uiPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var got *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "vigil_session") {
			got = ck
		}
	}
	if got == nil || got.Name != "__Host-vigil_session" || !got.Secure || !got.HttpOnly || got.Path != "/" || got.Domain != "" {
		t.Fatalf("session cookie over TLS = %+v", got)
	}
}

// TestUIBigChain checks that a body with hundreds of units opens with a
// bounded graph and table that say what they leave out.
func TestUIBigChain(t *testing.T) {
	e := newUIEnv(t)
	ctx := context.Background()
	var parties []*vigil.Party
	var links []*vigil.Link
	for i := 0; i < 250; i++ {
		id := fmt.Sprintf("UI-BIG-U%03d", i)
		parties = append(parties, &vigil.Party{ID: id, Type: vigil.PartyUnit, Name: "Unit " + id, Country: "NO"})
		links = append(links, &vigil.Link{ID: "UI-BIG-L" + id, From: id, To: "UI-MIN", Type: vigil.LinkUnitOf})
	}
	if _, err := e.store.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: parties}, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &vigil.SliceSource[*vigil.Link]{Records: links}, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	e.signIn(t, c, "auditor", uiPassword)
	code, body, _ := e.get(t, c, "/ui/parties/UI-MIN")
	if code != http.StatusOK {
		t.Fatalf("GET = %d", code)
	}
	// 251 units (the fixture's and these), 200 listed, 3 drawn.
	for _, want := range []string{"It commands, owns or controls 251 units or bodies.", "51 more parties are not listed", "and 248 more"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestUIUsersPage(t *testing.T) {
	e := newUIEnv(t)
	admin := e.client(t)
	e.signIn(t, admin, "admin", uiPassword)
	_, _, tok := e.get(t, admin, "/ui/users")
	if resp, _ := e.post(t, admin, "/ui/users", url.Values{"csrf": {tok}, "id": {"newbie"}, "name": {"New Bie"}, "role": {"auditor"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user = %d", resp.StatusCode)
	}
	if resp, body := e.post(t, admin, "/ui/users", url.Values{"csrf": {tok}, "id": {"bad id!"}, "role": {"auditor"}}, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not a valid id") {
		t.Fatalf("add a bad user = %d", resp.StatusCode)
	}
	if resp, _ := e.post(t, admin, "/ui/users/newbie/password", url.Values{"csrf": {tok}, "password": {"short"}, "password2": {"short"}}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("short password = %d", resp.StatusCode)
	}
	pw := "a fresh passphrase for newbie"
	if resp, _ := e.post(t, admin, "/ui/users/newbie/password", url.Values{"csrf": {tok}, "password": {pw}, "password2": {pw}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password = %d", resp.StatusCode)
	}
	if resp := e.signIn(t, e.client(t), "newbie", pw); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("newbie's sign-in = %d", resp.StatusCode)
	}

	analyst := e.client(t)
	e.signIn(t, analyst, "analyst", uiPassword)
	code, dash, atok := e.get(t, analyst, "/ui/")
	if code != http.StatusOK || strings.Contains(dash, `href="/ui/users"`) {
		t.Fatal("an analyst sees the users page in the navigation")
	}
	if code, _, _ := e.get(t, analyst, "/ui/users"); code != http.StatusForbidden {
		t.Fatalf("analyst GET /ui/users = %d, want 403", code)
	}
	if resp, _ := e.post(t, analyst, "/ui/users/admin/password", url.Values{"csrf": {atok}, "password": {pw}, "password2": {pw}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("analyst resetting the admin's password = %d, want 403", resp.StatusCode)
	}
}
