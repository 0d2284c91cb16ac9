package http

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/i18n"
)

// The web UI: server-rendered pages under /ui/ for people who are not
// engineers. It shares the API's access model: every UI route is declared
// once in uiRouteTable with an access rule, and uiGuard is the single place
// that authenticates the browser session, applies access.allows, and
// checks CSRF on every state-changing request. Templates are html/template
// (contextual escaping); htmx is vendored under static/ and embedded.

//go:embed templates/*.html
var uiTemplateFS embed.FS

//go:embed static
var uiStaticFS embed.FS

// uiConfig holds the sign-in policy. The defaults follow ASVS L2: an idle
// timeout of 30 minutes and an absolute one of 12 hours (ASVS 4.0.3 3.3.2),
// and a lock-out after 5 failures in a row for 15 minutes.
type uiConfig struct {
	maxFailures int
	lockFor     time.Duration
	idle        time.Duration
	absolute    time.Duration
	// summaryTTL is how long the dashboard's grouped figures are reused.
	summaryTTL time.Duration
}

func defaultUIConfig() uiConfig {
	return uiConfig{maxFailures: 5, lockFor: 15 * time.Minute, idle: 30 * time.Minute, absolute: 12 * time.Hour, summaryTTL: time.Minute}
}

// WithUILockout sets how many sign-in failures in a row lock a user out,
// and for how long.
func WithUILockout(maxFailures int, lockFor time.Duration) Option {
	return func(s *Server) {
		s.ui.maxFailures, s.ui.lockFor = maxFailures, lockFor
	}
}

// WithUISummaryTTL sets how long the dashboard reuses its whole-portfolio
// figures; a negative value recomputes them on every request.
func WithUISummaryTTL(d time.Duration) Option {
	return func(s *Server) { s.ui.summaryTTL = d }
}

// WithUISessionTimeouts sets the idle and absolute lifetimes of a web
// session.
func WithUISessionTimeouts(idle, absolute time.Duration) Option {
	return func(s *Server) {
		s.ui.idle, s.ui.absolute = idle, absolute
	}
}

// webUI is the running UI: compiled templates, messages and the stores.
type webUI struct {
	s      *Server
	ws     vigil.WebStore
	cfg    uiConfig
	msgs   *i18n.Bundle
	pages  map[string]*template.Template
	cop    *http.CrossOriginProtection
	dummy  string // a hash checked for unknown users, so timing does not tell them apart
	logger *slog.Logger
	// summaries caches the dashboard's whole-portfolio figures.
	summaries *summaryCache
}

// uiRoute is one entry of the UI's route table.
type uiRoute struct {
	method string
	path   string
	access access
	handle func(w http.ResponseWriter, r *http.Request, q *uiRequest) error
}

// uiBodyLimits raise the server's body limit for the forms that upload
// list files, which run to megabytes.
var uiBodyLimits = map[string]int64{"POST /ui/screening/lists": MaxListUploadBytes}

// uiRequest is what a UI handler knows about the request: who asks, in
// which language, and the CSRF token its forms must carry.
type uiRequest struct {
	user *vigil.User
	sess *vigil.Session
	L    *i18n.Localizer
	csrf string
	tls  bool
	// sessSecret is the session cookie's value, the key of the CSRF token.
	sessSecret string
}

func (q *uiRequest) can(p vigil.Permission) bool { return q.user != nil && q.user.Role.Can(p) }

// mountUI registers the UI on the server's mux. A store without
// vigil.WebStore gets no UI (the API still works).
func (s *Server) mountUI() error {
	ws, ok := s.store.(vigil.WebStore)
	if !ok {
		s.logger.Info("web UI off: the store keeps no web sessions", "store", fmt.Sprintf("%T", s.store))
		return nil
	}
	// Options may set part of the policy; the rest keeps its default.
	def := defaultUIConfig()
	if s.ui.maxFailures < 1 || s.ui.lockFor <= 0 {
		s.ui.maxFailures, s.ui.lockFor = def.maxFailures, def.lockFor
	}
	if s.ui.idle <= 0 || s.ui.absolute <= 0 {
		s.ui.idle, s.ui.absolute = def.idle, def.absolute
	}
	if s.ui.summaryTTL == 0 {
		s.ui.summaryTTL = def.summaryTTL
	}
	msgs, err := i18n.NewBundle()
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	u := &webUI{s: s, ws: ws, cfg: s.ui, msgs: msgs, cop: http.NewCrossOriginProtection(), logger: s.logger,
		summaries: &summaryCache{ttl: s.ui.summaryTTL, now: s.now}}
	if u.pages, err = parseUITemplates(); err != nil {
		return err
	}
	if u.dummy, err = HashPassword("vigil-no-such-user-password"); err != nil {
		return err
	}
	static, err := fs.Sub(uiStaticFS, "static")
	if err != nil {
		return fmt.Errorf("static files: %w", err)
	}
	staticHandler := http.StripPrefix("/ui/static/", http.FileServerFS(static))
	for _, rt := range u.routeTable() {
		if err := handle(s.mux, rt.method+" "+rt.path, u.guard(rt)); err != nil {
			return fmt.Errorf("ui route %s %s: %w", rt.method, rt.path, err)
		}
	}
	if err := handle(s.mux, "GET /ui/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Vendored files change only with the binary; a day of caching is
		// safe and saves the 40 KB of htmx on every page.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		staticHandler.ServeHTTP(w, r)
	})); err != nil {
		return fmt.Errorf("ui static: %w", err)
	}
	return handle(s.mux, "GET /{$}", http.RedirectHandler("/ui/", http.StatusSeeOther))
}

// routeTable lists every UI route and what it demands. It is the only
// place UI permissions are declared.
func (u *webUI) routeTable() []uiRoute {
	var (
		public = access{}
		read   = access{perm: vigil.PermRead}
		write  = access{perm: vigil.PermWritePortfolio}
		users  = access{perm: vigil.PermManageUsers}
	)
	return append([]uiRoute{
		{"GET", "/ui/login", public, u.handleLoginForm},
		{"POST", "/ui/login", public, u.handleLogin},
		{"POST", "/ui/lang", public, u.handleLang},
		{"POST", "/ui/logout", read, u.handleLogout},
		{"GET", "/ui/{$}", read, u.handleDashboard},
		{"GET", "/ui/parties", read, u.handleParties},
		{"GET", "/ui/parties/{id}", read, u.handleParty},
		{"POST", "/ui/parties/{id}/notes", write, u.handlePartyNotes},
		{"GET", "/ui/accounts", read, u.handleAccounts},
		{"GET", "/ui/subscriptions", read, u.handleSubscriptions},
		{"GET", "/ui/sources", read, u.handleSources},
		// Any other page under /ui/ is a 404 page in the user's language
		// rather than the API's problem document.
		{"GET", "/ui/", read, u.handleNotFound},
		{"GET", "/ui/assessments/{id}", read, u.handleAssessment},
		{"POST", "/ui/parties/{id}/assess", write, u.handleAssessParty},
		{"GET", "/ui/log", read, u.handleLog},
		{"GET", "/ui/reports", read, u.handleReports},
		{"GET", "/ui/reports/{period}/{format}", read, u.handleReportFile},
		{"GET", "/ui/screening", read, u.handleScreeningQueue},
		{"GET", "/ui/parties/{id}/matches", read, u.handlePartyMatchesFragment},
		{"POST", "/ui/matches/{id}/decision", access{perm: vigil.PermWorkCases}, u.handleDecideMatchForm},
		{"POST", "/ui/screening/runs", access{perm: vigil.PermWorkCases}, u.handleScreeningRunForm},
		{"POST", "/ui/screening/lists", write, u.handleListImportForm},
		{"GET", "/ui/enforcement", read, u.handleEnforcement},
		{"POST", "/ui/enforcement/{id}/retry", access{perm: vigil.PermWorkCases}, u.handleEnforcementRetry},
		{"GET", "/ui/users", users, u.handleUsers},
		{"POST", "/ui/users", users, u.handleAddUser},
		{"POST", "/ui/users/{id}/password", users, u.handlePasswordReset},
	}, append(u.grievanceRoutes(), u.caseRoutes()...)...)
}

// Cookie names. Over TLS the session and CSRF cookies take the __Host-
// prefix, which makes the browser insist on Secure, Path=/ and no Domain
// (ASVS 3.3.3). Plain HTTP is for 127.0.0.1 demos, where a Secure cookie
// would not be sent back.
func sessionCookieName(tls bool) string {
	if tls {
		return "__Host-vigil_session"
	}
	return "vigil_session"
}

func preCookieName(tls bool) string {
	if tls {
		return "__Host-vigil_csrf"
	}
	return "vigil_csrf"
}

const langCookie = "vigil_lang"

// guard is the single check of every UI request: security headers for
// HTML, the session, the route's access rule, and for every POST the
// origin and the CSRF token.
func (u *webUI) guard(rt uiRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, max(u.s.maxBody, uiBodyLimits[rt.method+" "+rt.path]))
		h := w.Header()
		// Pages load only their own script and style; forms post only
		// here; nothing may frame them (ASVS 3.4.3, 3.4.6).
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "same-origin")
		q := &uiRequest{tls: r.TLS != nil}
		if err := u.authenticate(r, q); err != nil {
			u.fail(w, r, q, err)
			return
		}
		if !rt.access.public() {
			if q.user == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				u.fail(w, r, q, vigil.Errorf(vigil.EUNAUTHORIZED, "sign in first"))
				return
			}
			reqInfoFrom(r.Context()).user = q.user.ID
			if !rt.access.allows(q.user, "") {
				u.logger.Warn("ui access refused", "user", q.user.ID, "role", q.user.Role, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
				u.fail(w, r, q, forbidden(q.user, rt.access))
				return
			}
		}
		q.csrf = u.csrfToken(w, r, q)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := u.checkCSRF(r, q); err != nil {
				u.logger.Warn("ui request refused: CSRF", "user", uiUserID(q.user), "path", r.URL.Path, "err", err, "request_id", requestIDFrom(r.Context()))
				u.fail(w, r, q, vigil.Errorf(vigil.EFORBIDDEN, "the form is stale or did not come from this site: reload the page and try again"))
				return
			}
		}
		if err := rt.handle(w, r, q); err != nil {
			u.fail(w, r, q, err)
		}
	})
}

func uiUserID(u *vigil.User) string {
	if u == nil {
		return ""
	}
	return u.ID
}

// authenticate finds the session and language of a request. A missing or
// dead session is not an error: the route decides whether it needs one.
func (u *webUI) authenticate(r *http.Request, q *uiRequest) error {
	lang := ""
	if c, err := r.Cookie(langCookie); err == nil {
		lang = c.Value
	}
	q.L = u.msgs.For(u.msgs.Match(lang, r.Header.Get("Accept-Language")))
	c, err := r.Cookie(sessionCookieName(q.tls))
	if err != nil || c.Value == "" {
		return nil
	}
	now := u.s.now()
	sess, err := u.ws.SessionByHash(r.Context(), sessionHash(c.Value), now)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.EUNAUTHORIZED {
			return nil
		}
		return fmt.Errorf("look up session: %w", err)
	}
	user, err := u.s.store.GetUser(r.Context(), sess.UserID)
	if err != nil {
		return fmt.Errorf("session user %s: %w", sess.UserID, err)
	}
	if user.Disabled {
		return nil
	}
	// Move the idle deadline at most once a minute, so reading pages
	// does not write to the database on every click.
	if now.Sub(sess.SeenAt) >= time.Minute {
		if err := u.ws.TouchSession(r.Context(), sess.ID, now, now.Add(u.cfg.idle)); err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return fmt.Errorf("touch session: %w", err)
		}
	}
	q.user, q.sess = user, sess
	q.sessSecret = c.Value
	return nil
}

func sessionHash(secret string) string {
	sum := sha256.Sum256([]byte("vigil-session-v1\n" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func uiRandomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the token forms carry. With a session it is an HMAC of the
// session secret, so it needs no storage and dies with the session; before
// sign-in it is a random value also set as a cookie (double submit), which
// protects the sign-in and language forms.
func (u *webUI) csrfToken(w http.ResponseWriter, r *http.Request, q *uiRequest) string {
	if q.sess != nil {
		m := hmac.New(sha256.New, []byte(q.sessSecret))
		m.Write([]byte("vigil-csrf-v1"))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	if c, err := r.Cookie(preCookieName(q.tls)); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := uiRandomToken()
	http.SetCookie(w, &http.Cookie{Name: preCookieName(q.tls), Value: tok, Path: "/", HttpOnly: true, Secure: q.tls, SameSite: http.SameSiteStrictMode})
	return tok
}

// checkCSRF refuses a state-changing request from another origin (Fetch
// Metadata and Origin, through net/http's CrossOriginProtection) or
// without the form's token.
func (u *webUI) checkCSRF(r *http.Request, q *uiRequest) error {
	if err := u.cop.Check(r); err != nil {
		return err
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(q.csrf)) != 1 {
		return errors.New("missing or wrong CSRF token")
	}
	return nil
}

// uiPage is what every template receives.
type uiPage struct {
	L     *i18n.Localizer
	User  *vigil.User
	CSRF  string
	Title string
	// Nav names the current section, for aria-current.
	Nav      string
	CanWrite bool
	// CanUsers shows the users page in the navigation.
	CanUsers bool
	// Path is the request's path and query, for the language form's
	// return address.
	Path string
	Data any
}

func (u *webUI) render(w http.ResponseWriter, r *http.Request, q *uiRequest, status int, name, nav, title string, data any) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	p := uiPage{L: q.L, User: q.user, CSRF: q.csrf, Title: title, Nav: nav, CanWrite: q.can(vigil.PermWritePortfolio), CanUsers: q.can(vigil.PermManageUsers), Path: r.URL.RequestURI(), Data: data}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// renderFragment renders one named template of a page, for htmx swaps.
func (u *webUI) renderFragment(w http.ResponseWriter, q *uiRequest, name, fragment string, data any) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, fragment, uiPage{L: q.L, User: q.user, CSRF: q.csrf, CanWrite: q.can(vigil.PermWritePortfolio), Data: data}); err != nil {
		return fmt.Errorf("render %s/%s: %w", name, fragment, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := buf.WriteTo(w)
	return err
}

type errorPage struct {
	Status  int
	Message string
	SignIn  bool
}

// fail renders an error as a page in the user's language. Internal errors
// are logged with the request id and shown without detail.
func (u *webUI) fail(w http.ResponseWriter, r *http.Request, q *uiRequest, err error) {
	if q.L == nil {
		q.L = u.msgs.For("en")
	}
	status := ErrorStatus(err)
	msg := vigil.ErrorMessage(err)
	if status >= 500 {
		u.logger.LogAttrs(r.Context(), slog.LevelError, "ui request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("user", uiUserID(q.user)), slog.String("request_id", requestIDFrom(r.Context())), slog.Any("err", err))
		msg = q.L.T("error.internal", requestIDFrom(r.Context()))
	}
	data := errorPage{Status: status, Message: msg, SignIn: status == http.StatusUnauthorized}
	if rerr := u.render(w, r, q, status, "error.html", "", q.L.T("error.title"), data); rerr != nil {
		u.logger.Error("render error page", "err", rerr, "request_id", requestIDFrom(r.Context()))
		http.Error(w, msg, status)
	}
}

// safeNext keeps a post-sign-in redirect on this site's UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/ui/"
	}
	return next
}

// handleLoginForm shows the sign-in form.
func (u *webUI) handleLoginForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	if q.user != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return u.render(w, r, q, http.StatusOK, "login.html", "", q.L.T("login.title"), loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginData struct {
	Next  string
	User  string
	Error string
}

// handleLogin checks a password. Every failure gives the same message,
// whether the user is unknown, the password wrong or the user locked out,
// so the form does not tell an attacker which user names exist or when a
// guessed password was right during a lock-out.
func (u *webUI) handleLogin(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx := r.Context()
	userName := strings.TrimSpace(r.PostFormValue("user"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	failed := func() error {
		return u.render(w, r, q, http.StatusUnauthorized, "login.html", "", q.L.T("login.title"), loginData{
			Next: next, User: userName,
			Error: q.L.T("login.failed", u.cfg.maxFailures, int(u.cfg.lockFor.Minutes())),
		})
	}
	now := u.s.now()
	cred, err := u.ws.Credential(ctx, userName)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND || vigil.ErrorCode(err) == vigil.EINVALID {
		_, _ = CheckPassword(u.dummy, pw)
		u.logger.Info("ui sign-in failed: unknown user or no password", "user", userName, "request_id", requestIDFrom(ctx))
		return failed()
	}
	if err != nil {
		return err
	}
	if now.Before(cred.LockedUntil) {
		u.logger.Warn("ui sign-in refused: locked out", "user", userName, "until", cred.LockedUntil, "request_id", requestIDFrom(ctx))
		return failed()
	}
	ok, err := CheckPassword(cred.Hash, pw)
	if err != nil {
		return fmt.Errorf("check password of %s: %w", userName, err)
	}
	user, err := u.s.store.GetUser(ctx, userName)
	if err != nil {
		return fmt.Errorf("sign in %s: %w", userName, err)
	}
	if !ok || user.Disabled {
		st, err := u.ws.RecordLoginFailure(ctx, userName, now, u.cfg.maxFailures, u.cfg.lockFor)
		if err != nil {
			return fmt.Errorf("count sign-in failure: %w", err)
		}
		u.logger.Warn("ui sign-in failed", "user", userName, "failures", st.Failures, "locked_until", st.LockedUntil, "request_id", requestIDFrom(ctx))
		return failed()
	}
	// A fresh session on every sign-in: an identifier planted before
	// sign-in is worthless after (session fixation, ASVS 7.2.4).
	if q.sess != nil {
		if err := u.ws.EndSession(ctx, q.sess.ID, q.sess.UserID, "replaced"); err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return err
		}
	}
	secret := uiRandomToken()
	sess := &vigil.Session{UserID: user.ID, Hash: sessionHash(secret), CreatedAt: now, SeenAt: now,
		IdleUntil: now.Add(u.cfg.idle), ExpiresAt: now.Add(u.cfg.absolute)}
	if err := u.ws.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName(q.tls), Value: secret, Path: "/", HttpOnly: true, Secure: q.tls,
		SameSite: http.SameSiteLaxMode, MaxAge: int(u.cfg.absolute.Seconds())})
	u.logger.Info("ui sign-in", "user", user.ID, "session", sess.ID, "request_id", requestIDFrom(ctx))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// handleLogout ends the session and clears its cookie.
func (u *webUI) handleLogout(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	if err := u.ws.EndSession(r.Context(), q.sess.ID, q.user.ID, "signed_out"); err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName(q.tls), Value: "", Path: "/", HttpOnly: true, Secure: q.tls, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	return nil
}

// handleLang stores the chosen language in a cookie: a preference of the
// browser, not a change of record, so it writes nothing to the store.
func (u *webUI) handleLang(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	lang := r.PostFormValue("lang")
	valid := false
	for _, c := range i18n.Codes() {
		valid = valid || c == lang
	}
	if !valid {
		return vigil.FieldError("lang", "unknown language %q", lang)
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", HttpOnly: true, Secure: q.tls, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	next := r.PostFormValue("next")
	if next != "/ui/login" && !strings.HasPrefix(next, "/ui/login?") {
		next = safeNext(next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// uiTimeout bounds the store reads of one page, so a slow summary cannot
// hold a browser forever.
func uiTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 20*time.Second)
}
