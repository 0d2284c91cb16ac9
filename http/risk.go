package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
)

// The risk API: the ranked list of relationships, one relationship's
// explained assessment and its versions, and assessment runs.

// AssessRequest is the body of POST /api/v1/assessment-runs. With no field
// set, the whole portfolio is assessed.
type AssessRequest struct {
	PartyID   string `json:"party_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
}

func (s *Server) riskRoutes() []route {
	read := access{perm: vigil.PermRead}
	write := access{perm: vigil.PermWritePortfolio}
	return []route{
		{method: "GET", path: "/api/v1/assessments", access: read, op: "topAssessments", tag: "assessments",
			summary: "The current assessments to look at first: by tier, then priority, highest first (no documents; get one for its explanation).",
			query: []param{
				{name: "limit", typ: "integer", desc: "How many, 1 to 1000 (default 50).", min: intp(1), max: intp(maxLimit)},
				{name: "min_tier_rank", typ: "integer", desc: "Only tiers of this rank or above (0 lowest; 3 critical in the default policy).", min: intp(0), max: intp(100)},
				{name: "party_id", typ: "string", desc: "Only relationships with this customer or end user."},
				{name: "account_id", typ: "string", desc: "Only the relationships of this account."},
			},
			status: http.StatusOK, result: typeOf[risk.Row](), page: true, handle: s.handleTopAssessments},
		{method: "GET", path: "/api/v1/assessments/{id}", access: read, op: "getAssessment", tag: "assessments",
			summary: "One relationship's assessment (id ACCOUNT~END_USER) with its explanation: red flags, facts, evidence, each number's derivation, policy version. A relationship never assessed is assessed on the fly and not stored (version 0).",
			query: []param{
				{name: "version", typ: "integer", desc: "An older version (default: the current one).", min: intp(1)},
			},
			status: http.StatusOK, result: typeOf[risk.Assessment](), handle: s.handleGetAssessment},
		{method: "GET", path: "/api/v1/assessments/{id}/versions", access: read, op: "assessmentVersions", tag: "assessments",
			summary: "Every stored version of a relationship's assessment, newest first (none before its first run).",
			status:  http.StatusOK, result: typeOf[risk.Row](), page: true, handle: s.handleAssessmentVersions},
		{method: "POST", path: "/api/v1/assessment-runs", access: write, op: "runAssessment", tag: "assessments",
			summary: "Assess the whole portfolio, or the relationships of one party or account, under the default policy; changed results are stored as new versions and tier changes become events.",
			body:    typeOf[AssessRequest](), status: http.StatusOK, result: typeOf[risk.Summary](), handle: s.handleRunAssessment},
	}
}

func (s *Server) riskStore() (risk.Store, error) {
	rs, ok := s.store.(risk.Store)
	if !ok {
		return nil, vigil.Errorf(vigil.EINTERNAL, "the store keeps no assessments")
	}
	return rs, nil
}

func (s *Server) handleTopAssessments(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.riskStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	f := risk.TopFilter{Limit: 50}
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "limit":
			if f.Limit, err = parseLimit(v); err != nil {
				return err
			}
		case "min_tier_rank":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				return vigil.FieldError(name, "%q must be a whole number from 0 to 100", v)
			}
			f.MinTierRank = n
		case "party_id":
			f.PartyID = v
		case "account_id":
			f.AccountID = v
		default:
			return vigil.FieldError(name, "unknown parameter for assessments (limit, min_tier_rank, party_id, account_id)")
		}
	}
	rows, err := rs.TopAssessments(r.Context(), f)
	if err != nil {
		return fmt.Errorf("top assessments: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[risk.Row]{Items: rows})
	return nil
}

func (s *Server) handleGetAssessment(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.riskStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	version := 0
	for name, vals := range q {
		if name != "version" || len(vals) != 1 {
			return vigil.FieldError(name, "unknown or repeated parameter (version)")
		}
		if version, err = strconv.Atoi(vals[0]); err != nil || version < 1 {
			return vigil.FieldError(name, "%q must be a version number from 1", vals[0])
		}
	}
	row, err := rs.GetAssessment(r.Context(), r.PathValue("id"), version)
	if version == 0 && vigil.ErrorCode(err) == vigil.ENOTFOUND {
		// Never assessed: assess it now, without storing, so that the
		// answer is there before the first run.
		p, perr := risk.DefaultPolicyLoaded()
		if perr != nil {
			return perr
		}
		a, perr := risk.NewEngine(rs, p, risk.Options{Logger: s.logger, Now: s.now, Enrichers: risk.EnrichersFor(rs)}).Preview(r.Context(), r.PathValue("id"))
		if perr != nil {
			return fmt.Errorf("preview assessment %s: %w", r.PathValue("id"), perr)
		}
		s.writeJSON(w, r, http.StatusOK, a)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get assessment %s: %w", r.PathValue("id"), err)
	}
	if !json.Valid(row.Doc) {
		return fmt.Errorf("stored assessment %s is not JSON", row.ID)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(row.Doc)
	return err
}

func (s *Server) handleAssessmentVersions(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.riskStore()
	if err != nil {
		return err
	}
	rows, err := rs.AssessmentVersions(r.Context(), r.PathValue("id"))
	if err != nil {
		return fmt.Errorf("assessment versions of %s: %w", r.PathValue("id"), err)
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[risk.Row]{Items: rows})
	return nil
}

func (s *Server) handleRunAssessment(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.riskStore()
	if err != nil {
		return err
	}
	var req AssessRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.PartyID != "" && req.AccountID != "" {
		return vigil.FieldError("account_id", "give party_id or account_id, not both")
	}
	p, err := risk.DefaultPolicyLoaded()
	if err != nil {
		return err
	}
	e := risk.NewEngine(rs, p, risk.Options{Logger: s.logger, Now: s.now, Enrichers: risk.EnrichersFor(rs)})
	ctx, actor := r.Context(), actorFrom(r.Context())
	var sum risk.Summary
	switch {
	case req.PartyID != "":
		sum, err = e.AssessParty(ctx, req.PartyID, actor)
	case req.AccountID != "":
		if _, err := s.store.Get(ctx, vigil.KindAccount, req.AccountID); err != nil {
			return err
		}
		sum, err = e.Recompute(ctx, risk.Change{Accounts: []string{req.AccountID}}, actor)
	default:
		sum, err = e.AssessAll(ctx, actor)
	}
	if err != nil {
		return fmt.Errorf("run assessment: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}
