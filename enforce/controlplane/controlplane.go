// Package controlplane is a reference control plane: the provider's side of
// Vigil's enforcement webhook, as a real HTTP receiver. It verifies each
// call's HMAC signature and timestamp (docs/enforcement.md), refuses a
// replayed signature, applies each idempotency key once (a retried call
// answers what the first one did and changes nothing twice), and keeps the
// status and withdrawn capabilities of every subscription it serves. It can
// be told to fail its first calls, and to confirm asynchronously by a
// signed callback, so tests and the demo exercise Vigil's retries and
// callbacks against the same protocol a provider implements.
//
// It imports nothing of Vigil's enforcement code on purpose: it checks
// signatures by the documented recipe, as a provider would.
package controlplane

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Subscription is what the control plane knows of one subscription.
type Subscription struct {
	ID     string `json:"id"`
	Status string `json:"status"` // active, restricted, suspended, terminated
	// Withdrawn lists the capabilities a restriction took away.
	Withdrawn []string `json:"withdrawn"`
	// Changes counts the changes applied to it.
	Changes int `json:"changes"`
}

// request is the webhook body (enforce.Request, as the provider reads it).
type request struct {
	IdempotencyKey string   `json:"idempotency_key"`
	ActionID       string   `json:"action_id"`
	Operation      string   `json:"operation"`
	SubscriptionID string   `json:"subscription_id"`
	Capabilities   []string `json:"capabilities"`
	CallbackURL    string   `json:"callback_url"`
}

// answer is the webhook's response body.
type answer struct {
	Status    string    `json:"status"` // confirmed, pending, refused
	Reference string    `json:"reference,omitempty"`
	Message   string    `json:"message,omitempty"`
	AppliedAt time.Time `json:"applied_at,omitzero"`
}

// Server is the reference control plane. Its zero value is not usable; use
// New.
type Server struct {
	secret  []byte
	maxSkew time.Duration
	now     func() time.Time

	mu   sync.Mutex
	subs map[string]*Subscription
	// done: the answer given to each idempotency key, replayed to
	// retries.
	done map[string]answer
	// seen: signatures accepted within the skew window, so a captured
	// request cannot be replayed.
	seen     map[string]time.Time
	failNext int
	async    bool
	// queued: keys accepted asynchronously, waiting for Flush.
	queued []pendingCall
	calls  int
	refs   int
	// Unknown subscriptions are refused unless autoRegister.
	autoRegister bool
}

type pendingCall struct {
	req      request
	callback string
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the server's clock (time.Now by default).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithMaxSkew sets how old (or early) a signed timestamp may be (5 minutes
// by default).
func WithMaxSkew(d time.Duration) Option { return func(s *Server) { s.maxSkew = d } }

// WithAsync makes the server accept actions as pending and confirm them
// by signed callback on Flush.
func WithAsync() Option { return func(s *Server) { s.async = true } }

// WithAutoRegister makes the server serve any subscription it is asked
// about, as active, instead of refusing unknown ones.
func WithAutoRegister() Option { return func(s *Server) { s.autoRegister = true } }

// New returns a control plane that shares secret with Vigil.
func New(secret []byte, opts ...Option) *Server {
	s := &Server{secret: secret, maxSkew: 5 * time.Minute, now: time.Now,
		subs: map[string]*Subscription{}, done: map[string]answer{}, seen: map[string]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Register makes the control plane serve a subscription in a status.
func (s *Server) Register(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs[id] = &Subscription{ID: id, Status: status, Withdrawn: []string{}}
}

// FailNext makes the next n calls fail with 503, before anything is
// applied, as an overloaded control plane would.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Subscription returns the control plane's view of a subscription.
func (s *Server) Subscription(id string) (Subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return Subscription{}, false
	}
	c := *sub
	c.Withdrawn = slices.Clone(sub.Withdrawn)
	return c, true
}

// Serves reports whether a subscription may still use a capability.
func (s *Server) Serves(id, capability string) bool {
	sub, ok := s.Subscription(id)
	if !ok {
		return false
	}
	switch sub.Status {
	case "active":
		return true
	case "restricted":
		for _, w := range sub.Withdrawn {
			if capability == w || strings.HasPrefix(capability, w+".") {
				return false
			}
		}
		return true
	}
	return false
}

// Calls is how many webhook calls arrived (including refused and failed
// ones).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// ServeHTTP answers POST /v1/actions (any path is accepted).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, answer{Status: "refused", Message: "POST only"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, answer{Status: "refused", Message: "unreadable body"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	stamp, sig := r.Header.Get("Vigil-Timestamp"), r.Header.Get("Vigil-Signature")
	if msg := s.checkSignature(stamp, sig, body); msg != "" {
		writeJSON(w, http.StatusUnauthorized, answer{Status: "refused", Message: msg})
		return
	}
	if s.failNext > 0 {
		s.failNext--
		writeJSON(w, http.StatusServiceUnavailable, answer{Message: "temporarily unavailable"})
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, answer{Status: "refused", Message: "body is not an action: " + err.Error()})
		return
	}
	if key := r.Header.Get("Idempotency-Key"); key == "" || key != req.IdempotencyKey {
		writeJSON(w, http.StatusBadRequest, answer{Status: "refused", Message: "the Idempotency-Key header must equal the body's idempotency_key"})
		return
	}
	// The signature is spent only now: a call that failed above may be
	// sent again as it was.
	s.seen[sig] = s.now()
	if prev, ok := s.done[req.IdempotencyKey]; ok {
		writeJSON(w, statusOf(prev), prev)
		return
	}
	ans := s.apply(req)
	s.done[req.IdempotencyKey] = ans
	writeJSON(w, statusOf(ans), ans)
}

func statusOf(a answer) int {
	switch a.Status {
	case "pending":
		return http.StatusAccepted
	case "refused":
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// checkSignature returns why a call is not authentic, or "".
func (s *Server) checkSignature(stamp, sig string, body []byte) string {
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return "Vigil-Timestamp: want Unix seconds"
	}
	now := s.now()
	if d := now.Sub(time.Unix(sec, 0)); d > s.maxSkew || d < -s.maxSkew {
		return "stale or future timestamp"
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(stamp + "."))
	m.Write(body)
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "bad signature"
	}
	for k, at := range s.seen {
		if now.Sub(at) > 2*s.maxSkew {
			delete(s.seen, k)
		}
	}
	if _, replay := s.seen[sig]; replay {
		return "replayed request"
	}
	return ""
}

// apply carries out one new action, or queues it when asynchronous.
func (s *Server) apply(req request) answer {
	sub, ok := s.subs[req.SubscriptionID]
	if !ok && s.autoRegister {
		sub = &Subscription{ID: req.SubscriptionID, Status: "active", Withdrawn: []string{}}
		s.subs[req.SubscriptionID] = sub
	}
	if !ok && sub == nil {
		return answer{Status: "refused", Message: "unknown subscription " + req.SubscriptionID}
	}
	switch req.Operation {
	case "restrict":
		if len(req.Capabilities) == 0 {
			return answer{Status: "refused", Message: "restrict needs capabilities"}
		}
	case "suspend", "terminate":
	default:
		return answer{Status: "refused", Message: "unknown operation " + req.Operation}
	}
	if sub.Status == "terminated" {
		return answer{Status: "refused", Message: "subscription " + sub.ID + " is terminated"}
	}
	s.refs++
	ref := fmt.Sprintf("CP-%06d", s.refs)
	if s.async && req.CallbackURL != "" {
		s.queued = append(s.queued, pendingCall{req: req, callback: req.CallbackURL})
		return answer{Status: "pending", Reference: ref}
	}
	s.change(sub, req)
	return answer{Status: "confirmed", Reference: ref, AppliedAt: s.now().UTC()}
}

func (s *Server) change(sub *Subscription, req request) {
	switch req.Operation {
	case "restrict":
		if sub.Status == "active" {
			sub.Status = "restricted"
		}
		for _, c := range req.Capabilities {
			if !slices.Contains(sub.Withdrawn, c) {
				sub.Withdrawn = append(sub.Withdrawn, c)
			}
		}
		slices.Sort(sub.Withdrawn)
	case "suspend":
		sub.Status = "suspended"
	case "terminate":
		sub.Status = "terminated"
	}
	sub.Changes++
}

// Flush applies the actions accepted asynchronously and posts each one's
// signed confirmation to its callback URL. It returns how many callbacks
// Vigil accepted; a refused or failed callback is kept for the next Flush.
func (s *Server) Flush(ctx context.Context, client *http.Client) (int, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	s.mu.Lock()
	queued := s.queued
	s.queued = nil
	for _, p := range queued {
		if sub := s.subs[p.req.SubscriptionID]; sub != nil {
			if prev := s.done[p.req.IdempotencyKey]; prev.Status == "pending" {
				s.change(sub, p.req)
				s.done[p.req.IdempotencyKey] = answer{Status: "confirmed", Reference: prev.Reference, AppliedAt: s.now().UTC()}
			}
		}
	}
	s.mu.Unlock()
	sent := 0
	for i, p := range queued {
		s.mu.Lock()
		ans := s.done[p.req.IdempotencyKey]
		s.mu.Unlock()
		body, _ := json.Marshal(map[string]any{"idempotency_key": p.req.IdempotencyKey, "status": ans.Status, "reference": ans.Reference, "applied_at": ans.AppliedAt})
		if err := s.post(ctx, client, p.callback, body); err != nil {
			s.mu.Lock()
			s.queued = append(s.queued, queued[i:]...)
			s.mu.Unlock()
			return sent, err
		}
		sent++
	}
	return sent, nil
}

func (s *Server) post(ctx context.Context, client *http.Client, url string, body []byte) error {
	stamp := strconv.FormatInt(s.now().Unix(), 10)
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(stamp + "."))
	m.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Vigil-Timestamp", stamp)
	req.Header.Set("Vigil-Signature", "v1="+hex.EncodeToString(m.Sum(nil)))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("callback to %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("callback to %s: HTTP %d: %s", url, resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
