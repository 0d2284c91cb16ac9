package http

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
)

// The casework API: cases, their history and attachments, decisions under
// four eyes, and the run that opens cases from assessments. Reading needs
// PermRead, working cases and proposing PermWorkCases, approving and
// rejecting PermApproveDecisions; package casework re-checks the four-eyes
// rule whatever the route allowed.

// MoveRequest moves a case. Version, when not 0, is the version read: a
// case changed meanwhile is refused with 409.
type MoveRequest struct {
	Status  casework.Status  `json:"status"`
	Outcome casework.Outcome `json:"outcome,omitempty"`
	Reason  string           `json:"reason,omitempty"`
	Version int              `json:"version,omitempty"`
}

// AssignRequest gives a case to a user ("" to nobody).
type AssignRequest struct {
	Assignee string `json:"assignee"`
	Version  int    `json:"version,omitempty"`
}

// CommentRequest adds a comment to a case.
type CommentRequest struct {
	Text string `json:"text"`
}

// LinkRequest links more records to a case.
type LinkRequest struct {
	casework.Links
	Version int `json:"version,omitempty"`
}

// DecideRequest approves, rejects or withdraws a decision; a rejection
// needs its note.
type DecideRequest struct {
	Note string `json:"note,omitempty"`
}

// CaseRunRequest opens cases for relationships at or above a tier rank (3
// critical, 2 high, 1 medium in the default policy).
type CaseRunRequest struct {
	MinTierRank int `json:"min_tier_rank"`
}

func (s *Server) caseRoutes() []route {
	read := access{perm: vigil.PermRead}
	work := access{perm: vigil.PermWorkCases}
	approve := access{perm: vigil.PermApproveDecisions}
	statuses := make([]string, len(casework.Statuses))
	for i, st := range casework.Statuses {
		statuses[i] = string(st)
	}
	types := make([]string, len(casework.DecisionTypes))
	for i, t := range casework.DecisionTypes {
		types[i] = string(t)
	}
	return []route{
		{method: "GET", path: "/api/v1/cases", access: read, op: "listCases", tag: "cases",
			summary: "List cases in the order they were opened, one page at a time.",
			query: []param{
				{name: "status", typ: "string", desc: "Filter: cases in this status.", enum: statuses},
				{name: "assignee", typ: "string", desc: "Filter: cases assigned to this user."},
				{name: "party_id", typ: "string", desc: "Filter: cases about this party."},
				{name: "priority", typ: "string", desc: "Filter: cases of this priority tier."},
				{name: "overdue", typ: "string", desc: "true: only cases not closed and past their due date.", enum: []string{"true", "false"}},
				{name: paramAfter, typ: "string", desc: "Cursor: the next value of the previous page."},
				{name: paramLimit, typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
			},
			status: http.StatusOK, result: typeOf[casework.Case](), page: true, handle: s.handleListCases},
		{method: "POST", path: "/api/v1/cases", access: work, op: "openCase", tag: "cases",
			summary: "Open a case by hand; its due date follows from its priority tier. Linked parties, accounts, subscriptions, sources, assessments and signals must exist.",
			body:    typeOf[casework.OpenRequest](), status: http.StatusCreated, result: typeOf[casework.Case](), handle: s.handleOpenCase},
		{method: "GET", path: "/api/v1/cases/{id}", access: read, op: "getCase", tag: "cases",
			summary: "One case with its typed history, its decisions and its attachments.",
			status:  http.StatusOK, result: typeOf[casework.View](), handle: s.handleGetCase},
		{method: "POST", path: "/api/v1/cases/{id}/status", access: work, op: "moveCase", tag: "cases",
			summary: "Move a case along an allowed transition; closing needs an outcome, reopening a closed case a reason.",
			body:    typeOf[MoveRequest](), status: http.StatusOK, result: typeOf[casework.Case](), handle: s.handleMoveCase},
		{method: "POST", path: "/api/v1/cases/{id}/assignee", access: work, op: "assignCase", tag: "cases",
			summary: "Assign a case to a user who works cases, or to nobody.",
			body:    typeOf[AssignRequest](), status: http.StatusOK, result: typeOf[casework.Case](), handle: s.handleAssignCase},
		{method: "POST", path: "/api/v1/cases/{id}/comments", access: work, op: "commentCase", tag: "cases",
			summary: "Add a comment to a case's history.",
			body:    typeOf[CommentRequest](), status: http.StatusCreated, result: typeOf[casework.Case](), handle: s.handleCommentCase},
		{method: "POST", path: "/api/v1/cases/{id}/links", access: work, op: "linkCase", tag: "cases",
			summary: "Link more parties, accounts, subscriptions, assessments, signals, grievances or sources to a case.",
			body:    typeOf[LinkRequest](), status: http.StatusOK, result: typeOf[casework.Case](), handle: s.handleLinkCase},
		{method: "POST", path: "/api/v1/cases/{id}/attachments", access: work, op: "attachToCase", tag: "cases",
			summary: "Attach a file: the request body is the file's raw bytes and the query parameter name its file name. It is kept by its SHA-256 " +
				"(the same bytes are kept once) and its media type is sniffed from the content. The server's body limit bounds its size.",
			query:  []param{{name: "name", typ: "string", desc: "The file name, without slashes."}},
			status: http.StatusCreated, result: typeOf[casework.Attachment](), handle: s.handleAttachToCase},
		{method: "GET", path: "/api/v1/cases/{id}/attachments", access: read, op: "getCaseAttachment", tag: "cases",
			summary: "Download a case's file by its SHA-256 (always as a download, never rendered).",
			query:   []param{{name: "sha256", typ: "string", desc: "The file's SHA-256, as listed in the case."}},
			status:  http.StatusOK, contentType: "application/octet-stream", handle: s.handleGetCaseAttachment},
		{method: "POST", path: "/api/v1/cases/{id}/decisions", access: work, op: "proposeDecision", tag: "decisions",
			summary: "Propose a decision on a case, with its reasons and the assessment version it rests on. Restrict, suspend and terminate wait for " +
				"an approver other than the proposer and name subscriptions of the case; terminate needs a disengagement plan. Engage and condition " +
				"are recorded as approved at once.",
			body: typeOf[casework.Proposal](), status: http.StatusCreated, result: typeOf[casework.Decision](), handle: s.handleProposeDecision},
		{method: "GET", path: "/api/v1/decisions", access: read, op: "listDecisions", tag: "decisions",
			summary: "List decisions in the order they were proposed.",
			query: []param{
				{name: "case_id", typ: "string", desc: "Filter: decisions on this case."},
				{name: "status", typ: "string", desc: "Filter: decisions in this status.", enum: []string{"proposed", "approved", "rejected", "withdrawn"}},
				{name: "type", typ: "string", desc: "Filter: decisions of this type.", enum: types},
				{name: "unplanned", typ: "string", desc: "true: approved restrict, suspend and terminate decisions not yet turned into control-plane actions.", enum: []string{"true", "false"}},
			},
			status: http.StatusOK, result: typeOf[casework.Decision](), page: true, handle: s.handleListDecisions},
		{method: "GET", path: "/api/v1/decisions/{id}", access: read, op: "getDecision", tag: "decisions",
			summary: "One decision.",
			status:  http.StatusOK, result: typeOf[casework.Decision](), handle: s.handleGetDecision},
		{method: "POST", path: "/api/v1/decisions/{id}/approve", access: approve, op: "approveDecision", tag: "decisions",
			summary: "Approve a proposed decision. Four eyes: the approver holds the approver role and is not the proposer.",
			body:    typeOf[DecideRequest](), status: http.StatusOK, result: typeOf[casework.Decision](), handle: s.handleDecide(casework.DecisionApproved)},
		{method: "POST", path: "/api/v1/decisions/{id}/reject", access: approve, op: "rejectDecision", tag: "decisions",
			summary: "Reject a proposed decision, with a note giving the reasons. The same four-eyes rule as approval.",
			body:    typeOf[DecideRequest](), status: http.StatusOK, result: typeOf[casework.Decision](), handle: s.handleDecide(casework.DecisionRejected)},
		{method: "POST", path: "/api/v1/decisions/{id}/withdraw", access: work, op: "withdrawDecision", tag: "decisions",
			summary: "Withdraw a decision you proposed that is not decided yet.",
			body:    typeOf[DecideRequest](), status: http.StatusOK, result: typeOf[casework.Decision](), handle: s.handleDecide(casework.DecisionWithdrawn)},
		{method: "POST", path: "/api/v1/decisions/{id}/responses", access: work, op: "recordDecisionResponse", tag: "decisions",
			summary: "Record the customer's response (accepted, refused, vague) to what an approved engage or condition decision asked (kind: end_use_statement, end_use_assurance, audit_clause, suspension_clause). The risk engine reads the latest response of each kind as a declaration of the relationship the decision rests on.",
			body:    typeOf[casework.ResponseRequest](), status: http.StatusOK, result: typeOf[casework.Decision](), handle: s.handleRecordResponse},
		{method: "POST", path: "/api/v1/case-runs", access: work, op: "runCases", tag: "cases",
			summary: "Open a case for every relationship whose current assessment is at or above a tier rank and that has no open case; running it again opens nothing new.",
			body:    typeOf[CaseRunRequest](), status: http.StatusOK, result: typeOf[casework.AutoSummary](), handle: s.handleRunCases},
	}
}

// caseService is the casework service over the server's store. Files are
// bounded by the server's body limit, which bounds the upload anyway.
func (s *Server) caseService() (*casework.Service, error) {
	return casework.NewService(s.store, casework.Config{Now: s.now, Logger: s.logger, MaxAttachment: s.maxBody})
}

func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	var cq casework.CaseQuery
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "status":
			cq.Status = casework.Status(v)
		case "assignee":
			cq.Assignee = v
		case "party_id":
			cq.PartyID = v
		case "priority":
			cq.Priority = v
		case "overdue":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return vigil.FieldError(name, "%q is not true or false", v)
			}
			cq.Overdue, cq.Now = b, s.now()
		case paramAfter:
			cq.After = v
		case paramLimit:
			if cq.Limit, err = parseLimit(v); err != nil {
				return err
			}
		default:
			return vigil.FieldError(name, "unknown parameter for cases (status, assignee, party_id, priority, overdue, after, limit)")
		}
	}
	page, err := svc.Store().ListCases(r.Context(), cq)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*casework.Case]{Items: page.Items, Next: page.Next})
	return nil
}

func (s *Server) handleOpenCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req casework.OpenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.Open(r.Context(), userFrom(r.Context()), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	s.writeJSON(w, r, http.StatusCreated, c)
	return nil
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	v, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (s *Server) handleMoveCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req MoveRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.Move(r.Context(), userFrom(r.Context()), r.PathValue("id"), req.Version, req.Status, req.Outcome, req.Reason)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (s *Server) handleAssignCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req AssignRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.Assign(r.Context(), userFrom(r.Context()), r.PathValue("id"), req.Version, req.Assignee)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (s *Server) handleCommentCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req CommentRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.Comment(r.Context(), userFrom(r.Context()), r.PathValue("id"), req.Text)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, c)
	return nil
}

func (s *Server) handleLinkCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req LinkRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := svc.Link(r.Context(), userFrom(r.Context()), r.PathValue("id"), req.Version, req.Links)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (s *Server) handleAttachToCase(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	for name := range q {
		if name != "name" {
			return vigil.FieldError(name, "unknown parameter (name)")
		}
	}
	content, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	a, err := svc.Attach(r.Context(), userFrom(r.Context()), r.PathValue("id"), q.Get("name"), content)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+a.CaseID+"/attachments?sha256="+a.SHA256)
	s.writeJSON(w, r, http.StatusCreated, a)
	return nil
}

func (s *Server) handleGetCaseAttachment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	for name := range q {
		if name != "sha256" {
			return vigil.FieldError(name, "unknown parameter (sha256)")
		}
	}
	if len(q["sha256"]) != 1 {
		return vigil.FieldError("sha256", "give the file's SHA-256 once")
	}
	a, content, err := svc.Store().Attachment(r.Context(), r.PathValue("id"), q.Get("sha256"))
	if err != nil {
		return err
	}
	writeAttachment(w, a, content)
	return nil
}

// writeAttachment sends a stored file as a download: never rendered by
// the browser (a file could be HTML with a script), with its SHA-256.
func writeAttachment(w http.ResponseWriter, a *casework.Attachment, content []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Digest", "sha-256="+a.SHA256)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content)
}

func (s *Server) handleProposeDecision(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var p casework.Proposal
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	if p.CaseID != "" && p.CaseID != r.PathValue("id") {
		return vigil.FieldError("case_id", "%q differs from the case of the path, %q", p.CaseID, r.PathValue("id"))
	}
	p.CaseID = r.PathValue("id")
	d, err := svc.Propose(r.Context(), userFrom(r.Context()), p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/decisions/"+d.ID)
	s.writeJSON(w, r, http.StatusCreated, d)
	return nil
}

func (s *Server) handleListDecisions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	var dq casework.DecisionQuery
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "case_id":
			dq.CaseID = v
		case "status":
			dq.Status = casework.DecisionStatus(v)
		case "type":
			if !casework.ValidDecisionType(casework.DecisionType(v)) {
				return vigil.FieldError(name, "unknown decision type %q", v)
			}
			dq.Type = casework.DecisionType(v)
		case "unplanned":
			if dq.Unplanned, err = strconv.ParseBool(v); err != nil {
				return vigil.FieldError(name, "%q is not true or false", v)
			}
		default:
			return vigil.FieldError(name, "unknown parameter for decisions (case_id, status, type, unplanned)")
		}
	}
	ds, err := svc.Store().ListDecisions(r.Context(), dq)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*casework.Decision]{Items: ds})
	return nil
}

func (s *Server) handleGetDecision(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	d, err := svc.Store().GetDecision(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (s *Server) handleDecide(status casework.DecisionStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, err := s.caseService()
		if err != nil {
			return err
		}
		var req DecideRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		u, id := userFrom(r.Context()), r.PathValue("id")
		var d *casework.Decision
		switch status {
		case casework.DecisionApproved:
			d, err = svc.Approve(r.Context(), u, id, req.Note)
		case casework.DecisionRejected:
			d, err = svc.Reject(r.Context(), u, id, req.Note)
		default:
			d, err = svc.Withdraw(r.Context(), u, id, req.Note)
		}
		if err != nil {
			return err
		}
		s.writeJSON(w, r, http.StatusOK, d)
		return nil
	}
}

func (s *Server) handleRunCases(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req CaseRunRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sum, err := svc.OpenFromAssessments(r.Context(), req.MinTierRank, actorFrom(r.Context()))
	if err != nil {
		return fmt.Errorf("case run: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}

func (s *Server) handleRecordResponse(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.caseService()
	if err != nil {
		return err
	}
	var req casework.ResponseRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d, err := svc.RecordResponse(r.Context(), userFrom(r.Context()), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}
