package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/usage"
)

// The enforcement API (package enforce): the control-plane actions of
// approved decisions and their states, a person's requeue of a failed
// action, verification runs against usage telemetry, and the monitoring
// tasks of mitigations. The control plane's callback is not in the route
// table: it carries no user token but the webhook's HMAC signature, so it
// is mounted (WithEnforcement) at CallbackPath and decides for itself.

// CallbackPath is where a control plane posts its signed confirmations.
const CallbackPath = "/hooks/control-plane"

// EnforcementConfig configures the control plane's callback.
type EnforcementConfig struct {
	// Secret is the HMAC key shared with the control plane (the webhook's).
	Secret []byte
}

// WithEnforcement serves the control plane's callback at CallbackPath,
// authenticated by the shared secret. Without it the path is not served.
func WithEnforcement(cfg EnforcementConfig) Option {
	return func(s *Server) {
		Mount(CallbackPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handleControlPlaneCallback(w, r, cfg) }))(s)
	}
}

// VerifyRequest is the body of POST /api/v1/enforcement/verification-runs.
type VerifyRequest struct {
	// GraceDays: days of usage after the confirmation day not held against
	// an action (default 3).
	GraceDays int `json:"grace_days,omitempty"`
	// MonitorEveryDays: the re-check interval of the monitoring tasks of
	// verified cases (default 30).
	MonitorEveryDays int `json:"monitor_every_days,omitempty"`
}

func (s *Server) enforceRoutes() []route {
	read := access{perm: vigil.PermRead}
	work := access{perm: vigil.PermWorkCases}
	return []route{
		{method: "GET", path: "/api/v1/enforcement/actions", access: read, op: "listEnforcementActions", tag: "enforcement",
			summary: "List control-plane actions, oldest first, with their attempts, next attempt, last error, confirmation and verification.",
			query: []param{
				{name: "status", typ: "string", desc: "Filter: actions in this status.", enum: enumOf(enforce.Statuses)},
				{name: "case_id", typ: "string", desc: "Filter: the actions of this case."},
				{name: "decision_id", typ: "string", desc: "Filter: the actions of this decision."},
				{name: "subscription_id", typ: "string", desc: "Filter: the actions on this subscription."},
				{name: paramLimit, typ: "integer", desc: "How many, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
			},
			status: http.StatusOK, result: typeOf[enforce.Action](), page: true, handle: s.handleListActions},
		{method: "GET", path: "/api/v1/enforcement/actions/{id}", access: read, op: "getEnforcementAction", tag: "enforcement",
			summary: "Get one control-plane action.",
			status:  http.StatusOK, result: typeOf[enforce.Action](), handle: s.handleGetAction},
		{method: "POST", path: "/api/v1/enforcement/actions/{id}/retry", access: work, op: "retryEnforcementAction", tag: "enforcement",
			summary: "Queue a failed action again (after the control plane was fixed, or the refusal resolved); the next dispatch sends it under the same idempotency key.",
			status:  http.StatusOK, result: typeOf[enforce.Action](), handle: s.handleRetryAction},
		{method: "POST", path: "/api/v1/enforcement/verification-runs", access: work, op: "runEnforcementVerification", tag: "enforcement",
			summary: "Check every confirmed action against usage after the grace period: use of a withdrawn capability raises a use-after-suspension signal and reopens the case; none (with telemetry flowing) verifies it and moves the case to monitoring.",
			body:    typeOf[VerifyRequest](), status: http.StatusOK, result: typeOf[enforce.VerifySummary](), handle: s.handleVerifyRun},
		{method: "GET", path: "/api/v1/monitoring/tasks", access: read, op: "listMonitoringTasks", tag: "enforcement",
			summary: "List monitoring tasks (re-checks of mitigations, UNGP 20), soonest due first.",
			query: []param{
				{name: "case_id", typ: "string", desc: "Filter: the tasks of this case."},
				{name: "due_by", typ: "string", desc: "Filter: tasks due at or before this time (RFC 3339)."},
			},
			status: http.StatusOK, result: typeOf[enforce.MonitoringTask](), page: true, handle: s.handleListMonitoring},
		{method: "POST", path: "/api/v1/monitoring/tasks/{id}/checks", access: work, op: "recordMonitoringCheck", tag: "enforcement",
			summary: "Record a re-check: effective yes, partly or no, with notes; the next check falls due one interval later. A check finding the mitigation not effective reopens the case.",
			body:    typeOf[enforce.MonitoringCheck](), status: http.StatusOK, result: typeOf[enforce.MonitoringTask](), handle: s.handleRecordCheck},
	}
}

func enumOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (s *Server) enforceStore() (enforce.Store, error) { return enforce.StoreOf(s.store) }

func (s *Server) handleListActions(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	aq := enforce.ActionQuery{}
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "status":
			if !validOf(v, enforce.Statuses) {
				return vigil.FieldError("status", "unknown status %q (want one of %v)", v, enforce.Statuses)
			}
			aq.Status = enforce.Status(v)
		case "case_id":
			aq.CaseID = v
		case "decision_id":
			aq.DecisionID = v
		case "subscription_id":
			aq.SubscriptionID = v
		case paramLimit:
			if aq.Limit, err = parseLimit(v); err != nil {
				return err
			}
		default:
			return vigil.FieldError(name, "unknown parameter (want status, case_id, decision_id, subscription_id or limit)")
		}
	}
	acts, err := es.ListActions(r.Context(), aq)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*enforce.Action]{Items: acts})
	return nil
}

func validOf[T ~string](v string, vs []T) bool {
	for _, x := range vs {
		if string(x) == v {
			return true
		}
	}
	return false
}

func (s *Server) handleGetAction(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	a, err := es.GetAction(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, a)
	return nil
}

func (s *Server) handleRetryAction(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	a, err := es.RetryAction(r.Context(), r.PathValue("id"), userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, a)
	return nil
}

func (s *Server) handleVerifyRun(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	us, err := usage.StoreOf(s.store)
	if err != nil {
		return err
	}
	var req VerifyRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
	}
	if req.GraceDays < 0 || req.GraceDays > 90 {
		return vigil.FieldError("grace_days", "%d is outside 0..90", req.GraceDays)
	}
	if req.MonitorEveryDays < 0 || req.MonitorEveryDays > 366 {
		return vigil.FieldError("monitor_every_days", "%d is outside 0..366", req.MonitorEveryDays)
	}
	v := &enforce.Verifier{Store: es, Usage: us, GraceDays: req.GraceDays, MonitorEvery: time.Duration(req.MonitorEveryDays) * 24 * time.Hour,
		Actor: userFrom(r.Context()).ID, Now: s.now}
	sum, err := v.Run(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}

func (s *Server) handleListMonitoring(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	mq := enforce.MonitoringQuery{}
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		switch name {
		case "case_id":
			mq.CaseID = vals[0]
		case "due_by":
			t, err := time.Parse(time.RFC3339, vals[0])
			if err != nil {
				return vigil.FieldError("due_by", "want an RFC 3339 time such as 2026-12-31T00:00:00Z")
			}
			mq.DueBy = t
		default:
			return vigil.FieldError(name, "unknown parameter (want case_id or due_by)")
		}
	}
	tasks, err := es.ListMonitoringTasks(r.Context(), mq)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*enforce.MonitoringTask]{Items: tasks})
	return nil
}

func (s *Server) handleRecordCheck(w http.ResponseWriter, r *http.Request) error {
	es, err := s.enforceStore()
	if err != nil {
		return err
	}
	var chk enforce.MonitoringCheck
	if err := decodeJSON(r, &chk); err != nil {
		return err
	}
	chk.CheckedBy, chk.CheckedAt = "", time.Time{} // set by the store: who and when are not the caller's to say
	m, err := es.RecordMonitoringCheck(r.Context(), r.PathValue("id"), chk, userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, m)
	return nil
}

// handleControlPlaneCallback settles a pending action from the control
// plane's signed callback (enforce.HandleCallback).
func (s *Server) handleControlPlaneCallback(w http.ResponseWriter, r *http.Request, cfg EnforcementConfig) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.writeError(w, r, &vigil.Error{Code: codeMethodNotAllowed, Message: "POST a signed callback", Row: -1})
		return
	}
	es, err := s.enforceStore()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.writeError(w, r, &vigil.Error{Code: codeTooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes", maxErr.Limit), Row: -1})
			return
		}
		s.writeError(w, r, vigil.Errorf(vigil.EINVALID, "read the request body: %v", err))
		return
	}
	a, err := enforce.HandleCallback(r.Context(), es, cfg.Secret, r.Header.Get(enforce.HeaderTimestamp), r.Header.Get(enforce.HeaderSignature), body, s.now(), "control-plane")
	if err != nil {
		if vigil.ErrorCode(err) == vigil.EUNAUTHORIZED {
			s.logger.WarnContext(r.Context(), "control-plane callback refused", "err", err, "remote", r.RemoteAddr)
		}
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, a)
}
