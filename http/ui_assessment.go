package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// The assessment page: one relationship's current (or an older) assessment
// with its explanation, as stored by the risk engine. It reads the stored
// document and never recomputes, so what it shows is what was decided on.

type assessmentView struct {
	Row        *risk.Row
	A          *risk.Assessment
	Names      map[string]partyName
	Versions   []risk.Row
	IsCurrent  bool
	PolicyLink string
	// Case is the open case about this relationship, if any: the reader
	// goes from the explanation to where it is acted on.
	Case *casework.Case
}

func (u *webUI) handleAssessment(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	rs, ok := u.s.store.(risk.Store)
	if !ok {
		return vigil.Errorf(vigil.ENOTFOUND, "this store keeps no assessments")
	}
	id := r.PathValue("id")
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return vigil.FieldError("version", "must be a positive integer")
		}
		version = n
	}
	row, err := rs.GetAssessment(ctx, id, version)
	if err != nil {
		return err
	}
	var a risk.Assessment
	if err := json.Unmarshal(row.Doc, &a); err != nil {
		return fmt.Errorf("assessment %s v%d: decode: %w", id, row.Version, err)
	}
	versions, err := rs.AssessmentVersions(ctx, id)
	if err != nil {
		return fmt.Errorf("versions of %s: %w", id, err)
	}
	ids := append([]string{row.CustomerID, row.EndUserID}, a.Path...)
	v := &assessmentView{Row: row, A: &a, Names: u.partyNames(ctx, ids), Versions: versions, IsCurrent: row.Current}
	if cs, err := casework.StoreOf(u.s.store); err == nil {
		switch c, err := cs.OpenCaseFor(ctx, id); vigil.ErrorCode(err) {
		case "":
			v.Case = c
		case vigil.ENOTFOUND:
		default:
			return fmt.Errorf("open case of %s: %w", id, err)
		}
	}
	title := q.L.T("assess.title", row.Version)
	return u.render(w, r, q, http.StatusOK, "assessment.html", "dashboard", title, v)
}

// handleAssessParty reassesses the relationships of one party under the
// default policy, as POST /api/v1/assessment-runs with a party_id does,
// and goes back to the party page with what changed.
func (u *webUI) handleAssessParty(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	rs, ok := u.s.store.(risk.Store)
	if !ok {
		return vigil.Errorf(vigil.ENOTFOUND, "this store keeps no assessments")
	}
	id := r.PathValue("id")
	if _, err := u.s.store.Get(r.Context(), vigil.KindParty, id); err != nil {
		return err
	}
	p, err := risk.DefaultPolicyLoaded()
	if err != nil {
		return err
	}
	e := risk.NewEngine(rs, p, risk.Options{Logger: u.logger, Now: u.s.now, Enrichers: risk.EnrichersFor(rs)})
	sum, err := e.AssessParty(r.Context(), id, q.user.ID)
	if err != nil {
		return fmt.Errorf("assess party %s: %w", id, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/parties/%s?assessed=%d&stored=%d&changes=%d#assessments",
		url.PathEscape(id), sum.Relationships, sum.Stored, sum.TierChanges), http.StatusSeeOther)
	return nil
}
