package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// The screening pages of the web UI: the review queue (/ui/screening) and
// the matches section the party page loads with htmx
// (/ui/parties/{id}/matches). Confirming or dismissing needs
// PermWorkCases; everyone else, auditors included, sees no form.

type screeningView struct {
	Ran       *screening.Run // the run this page reports, after the button
	Matches   []*screening.Match
	Lists     []screening.ListVersion
	Next      string
	Decided   *screening.Match
	CanDecide bool
	PartyID   string // the party page's party, for the fragment
	Chain     bool
}

func (u *webUI) handleScreeningQueue(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.screening()
	if err != nil {
		return err
	}
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	f := screening.MatchFilter{Status: screening.StatusPending, Limit: 50, After: r.URL.Query().Get("after")}
	page, err := svc.Store().ListMatches(ctx, f)
	if err != nil {
		return err
	}
	lists, err := svc.Store().Lists(ctx)
	if err != nil {
		return err
	}
	v := &screeningView{Matches: page.Items, Next: page.Next, Lists: lists, CanDecide: q.can(vigil.PermWorkCases)}
	if qs := r.URL.Query(); qs.Has("found") {
		found, _ := strconv.Atoi(qs.Get("found"))
		reopened, _ := strconv.Atoi(qs.Get("reopened"))
		cleared, _ := strconv.Atoi(qs.Get("cleared"))
		v.Ran = &screening.Run{Found: found, Reopened: reopened, Cleared: cleared}
	}
	if id := r.URL.Query().Get("decided"); id != "" {
		if m, err := svc.Store().GetMatch(ctx, id); err == nil {
			v.Decided = m
		}
	}
	return u.render(w, r, q, http.StatusOK, "screening.html", "screening", q.L.T("screening.title"), v)
}

func (u *webUI) handlePartyMatchesFragment(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.renderPartyMatches(w, r, q, r.PathValue("id"), nil)
}

func (u *webUI) renderPartyMatches(w http.ResponseWriter, r *http.Request, q *uiRequest, partyID string, decided *screening.Match) error {
	svc, err := u.s.screening()
	if err != nil {
		return err
	}
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	ms, err := svc.PartyMatches(ctx, partyID, true)
	if err != nil {
		return err
	}
	v := &screeningView{Matches: ms, PartyID: partyID, Decided: decided, CanDecide: q.can(vigil.PermWorkCases)}
	return u.renderFragment(w, q, "matches_fragment.html", "matches", v)
}

// handleDecideMatchForm confirms or dismisses a match from the queue or
// the party page. htmx requests get the fragment to swap in; plain form
// posts are redirected back (post, redirect, get).
func (u *webUI) handleDecideMatchForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.screening()
	if err != nil {
		return err
	}
	status := ""
	switch r.PostFormValue("decision") {
	case "confirm":
		status = screening.StatusConfirmed
	case "dismiss":
		status = screening.StatusDismissed
	default:
		return vigil.FieldError("decision", "want confirm or dismiss")
	}
	reason := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("reason"), "\r\n", "\n"))
	m, err := svc.Decide(r.Context(), r.PathValue("id"), status, reason, q.user.ID)
	if err != nil {
		return err
	}
	party := r.PostFormValue("party")
	htmx := r.Header.Get("HX-Request") == "true"
	switch {
	case party != "" && htmx:
		return u.renderPartyMatches(w, r, q, party, m)
	case party != "":
		http.Redirect(w, r, "/ui/parties/"+url.PathEscape(party)+"#matches", http.StatusSeeOther)
	case htmx:
		return u.renderFragment(w, q, "screening.html", "decided", m)
	default:
		http.Redirect(w, r, "/ui/screening?decided="+url.QueryEscape(m.ID), http.StatusSeeOther)
	}
	return nil
}

// handleScreeningRunForm runs a delta screening (a full one the first
// time) and reports it on the queue page.
func (u *webUI) handleScreeningRunForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.screening()
	if err != nil {
		return err
	}
	run, err := svc.Run(r.Context(), screening.RunRequest{Delta: true, Actor: q.user.ID})
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/ui/screening?found=%d&reopened=%d&cleared=%d", run.Found, run.Reopened, run.Cleared), http.StatusSeeOther)
	return nil
}
