// Package http serves Vigil's JSON API under /api/v1, its OpenAPI document,
// /healthz and /metrics, on top of any vigil.Store.
//
// Every API route is declared once in the route table (routes.go) together
// with the permission it needs; authentication, the role check, metrics and
// the OpenAPI document are all derived from that table, so a route cannot be
// served without also being guarded and documented.
//
// The package is named http like the standard library's, after the layout of
// benbjohnson/wtf: callers import it as vigil's HTTP edge and the standard
// package is imported here as is.
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigil-hrdd/vigil"
)

// Server limits. The body limit is far above any single record and far
// below what could exhaust memory; bulk loads go through vigil import.
const (
	DefaultMaxBodyBytes = 1 << 20
	maxHeaderBytes      = 64 << 10
	readHeaderTimeout   = 5 * time.Second
	readTimeout         = 30 * time.Second
	writeTimeout        = 60 * time.Second
	idleTimeout         = 120 * time.Second
	shutdownTimeout     = 10 * time.Second
)

// Server is Vigil's HTTP API.
type Server struct {
	store   vigil.Store
	logger  *slog.Logger
	now     func() time.Time
	maxBody int64
	mounts  []mount

	routes  []route
	mux     *http.ServeMux
	handler http.Handler
	metrics *metrics
	openapi []byte
	ui      uiConfig // the web UI's sign-in policy (ui.go)
	// screen is the screening service, made on first use (screening.go).
	screen screeningEdge
	// grievances is the grievance channel's service and rate limits
	// (grievance.go).
	grievances *grievanceEdge
}

type mount struct {
	prefix string
	h      http.Handler
}

// Option configures a Server.
type Option func(*Server)

// Mount serves h under prefix (for example the proof log's "/log/"). Mounted
// handlers get the server's security headers, metrics and limits but no
// authentication: they decide for themselves what is public.
func Mount(prefix string, h http.Handler) Option {
	return func(s *Server) { s.mounts = append(s.mounts, mount{prefix: prefix, h: h}) }
}

// WithClock sets the clock used for token expiry and new ids; tests use it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithMaxBodyBytes sets the largest request body accepted.
func WithMaxBodyBytes(n int64) Option {
	return func(s *Server) { s.maxBody = n }
}

// NewServer returns a Server over the store. The logger receives access
// logs at debug level and internal errors at error level.
func NewServer(store vigil.Store, logger *slog.Logger, opts ...Option) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		store:   store,
		logger:  logger,
		now:     time.Now,
		maxBody: DefaultMaxBodyBytes,
		mux:     http.NewServeMux(),
		metrics: newMetrics(),
	}
	for _, o := range opts {
		o(s)
	}
	s.routes = s.routeTable()
	doc, err := buildOpenAPI(s.routes)
	if err != nil {
		return nil, fmt.Errorf("build openapi document: %w", err)
	}
	s.openapi = doc
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, s.guard(rt))
	}
	for _, m := range s.mounts {
		if len(m.prefix) < 2 || !strings.HasPrefix(m.prefix, "/") || strings.HasPrefix(m.prefix, "/api/") {
			return nil, fmt.Errorf("mount %q: the prefix must start with /, not be / alone, and stay out of /api/", m.prefix)
		}
		if err := handle(s.mux, m.prefix, http.MaxBytesHandler(m.h, s.maxBody)); err != nil {
			return nil, fmt.Errorf("mount %q: %w", m.prefix, err)
		}
	}
	if err := s.mountUI(); err != nil {
		return nil, fmt.Errorf("web ui: %w", err)
	}
	s.mux.HandleFunc("/", s.handleUnmatched)
	s.handler = s.requestID(s.securityHeaders(s.instrument(s.recoverer(s.mux))))
	return s, nil
}

// handle registers a pattern, turning ServeMux's panic on a pattern that
// conflicts with another into an error.
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// Handler returns the server's root handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's own metrics registry, so that a process can
// add its collectors to the same /metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// ListenAndServe listens on addr and serves until ctx is done, then shuts
// down gracefully, letting requests in flight finish.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done. It takes a listener so that callers
// can listen on port 0 and print the address before serving.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down server on %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	return nil
}

// handleUnmatched answers every path no route claims. ServeMux would answer
// 404 and 405 in plain text; API clients expect problem documents.
func (s *Server) handleUnmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, &vigil.Error{Code: codeMethodNotAllowed, Message: fmt.Sprintf("%s is not allowed here (allowed: %s)", r.Method, strings.Join(allow, ", ")), Row: -1})
		return
	}
	s.writeError(w, r, vigil.Errorf(vigil.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
}

// securityHeaders sets headers that make a browser treat API responses as
// inert data: no sniffing, no framing, no referrer, no caching of answers
// that were fetched with a credential.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// reqInfo is what the log lines of one request share. It is a pointer in
// the context so that guard, deep inside, can add the user for the access
// log written outside.
type reqInfo struct {
	id   string
	user string
}

type reqInfoKey struct{}

// requestID tags each request with an id that appears in the access log, in
// error logs and in problem documents.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		info := &reqInfo{id: hex.EncodeToString(b)}
		w.Header().Set("X-Request-Id", info.id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info)))
	})
}

func reqInfoFrom(ctx context.Context) *reqInfo {
	if info, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return info
	}
	return &reqInfo{}
}

func requestIDFrom(ctx context.Context) string { return reqInfoFrom(ctx).id }

// recoverer turns a panic in a handler into a 500 problem and a log line
// instead of a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
