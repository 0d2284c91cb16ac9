package http

import (
	"net/http"
	"net/url"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/enforce"
)

// The enforcement page: every control-plane action with its state (queued,
// pending confirmation, confirmed, failed), attempts, last error and
// verification, and the monitoring tasks of mitigations; a person with
// the casework permission can queue a failed action again.

type enforcementView struct {
	Status   string
	Statuses []enforce.Status
	Actions  []*enforce.Action
	Tasks    []*enforce.MonitoringTask
	CanWork  bool
	Retried  string
}

func (u *webUI) handleEnforcement(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	es, err := enforce.StoreOf(u.s.store)
	if err != nil {
		return err
	}
	v := &enforcementView{Statuses: enforce.Statuses, CanWork: q.can(vigil.PermWorkCases), Retried: r.URL.Query().Get("retried")}
	aq := enforce.ActionQuery{Limit: 500}
	if st := r.URL.Query().Get("status"); st != "" {
		if !validOf(st, enforce.Statuses) {
			return vigil.FieldError("status", "unknown status %q", st)
		}
		aq.Status, v.Status = enforce.Status(st), st
	}
	if v.Actions, err = es.ListActions(ctx, aq); err != nil {
		return err
	}
	if v.Tasks, err = es.ListMonitoringTasks(ctx, enforce.MonitoringQuery{}); err != nil {
		return err
	}
	return u.render(w, r, q, http.StatusOK, "enforcement.html", "enforcement", q.L.T("enf.title"), v)
}

// handleEnforcementRetry queues a failed action again, as POST
// /api/v1/enforcement/actions/{id}/retry does.
func (u *webUI) handleEnforcementRetry(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	es, err := enforce.StoreOf(u.s.store)
	if err != nil {
		return err
	}
	a, err := es.RetryAction(r.Context(), r.PathValue("id"), q.user.ID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/enforcement?retried="+url.QueryEscape(a.ID), http.StatusSeeOther)
	return nil
}
