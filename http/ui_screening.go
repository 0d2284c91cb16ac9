package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen/lists"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// The screening pages of the web UI: the review queue (/ui/screening) and
// the matches section the party page loads with htmx
// (/ui/parties/{id}/matches). Confirming or dismissing needs
// PermWorkCases; everyone else, auditors included, sees no form.

type screeningView struct {
	Ran *screening.Run // the run this page reports, after the button
	// Imported is the list version an upload stored (or found unchanged,
	// then Unchanged); ImportError says why an upload stored nothing.
	Imported    *screening.ListVersion
	Unchanged   bool
	ImportError string
	CanImport   bool
	Formats     []string
	Kinds       []string
	// Form keeps what a failed upload asked, so it need not be retyped.
	Form      url.Values
	Matches   []*screening.Match
	Lists     []screening.ListVersion
	Next      string
	Decided   *screening.Match
	CanDecide bool
	PartyID   string // the party page's party, for the fragment
	Chain     bool
}

func (u *webUI) handleScreeningQueue(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.renderScreeningQueue(w, r, q, http.StatusOK, &screeningView{})
}

// renderScreeningQueue renders the queue page with what v already says
// (an upload's outcome) and what the query string reports.
func (u *webUI) renderScreeningQueue(w http.ResponseWriter, r *http.Request, q *uiRequest, status int, v *screeningView) error {
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
	ls, err := svc.Store().Lists(ctx)
	if err != nil {
		return err
	}
	v.Matches, v.Next, v.Lists, v.CanDecide = page.Items, page.Next, ls, q.can(vigil.PermWorkCases)
	v.CanImport = q.can(vigil.PermWritePortfolio)
	v.Formats = lists.Formats
	v.Kinds = listKinds
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if qs := r.URL.Query(); qs.Has("imported") && v.Imported == nil {
		version, _ := strconv.Atoi(qs.Get("version"))
		vs, err := svc.Store().ListVersions(ctx, qs.Get("imported"))
		if err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return err
		}
		for i := range vs {
			if vs[i].Version == version {
				v.Imported, v.Unchanged = &vs[i], qs.Get("unchanged") == "1"
			}
		}
	}
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
	return u.render(w, r, q, status, "screening.html", "screening", q.L.T("screening.title"), v)
}

// listKinds are the kinds the upload form offers; the risk rules read
// them (lkind labels).
var listKinds = []string{"sanctions", "military_end_user", "entity_list", "watchlist"}

// handleListImportForm imports the files of the upload form as a new
// version of a list, as POST /api/v1/lists/{name}/versions does, and
// reports what the version added, changed and removed on the queue page
// (post, redirect, get). A file that does not import is reported on the
// page, with the form as it was filled in.
func (u *webUI) handleListImportForm(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	svc, err := u.s.screening()
	if err != nil {
		return err
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return readErr(err)
	}
	defer r.MultipartForm.RemoveAll()
	form := url.Values{}
	for _, k := range []string{"format", "name", "kind"} {
		form.Set(k, strings.TrimSpace(r.PostFormValue(k)))
	}
	req := screening.ImportRequest{Format: form.Get("format"), Name: form.Get("name"), Kind: form.Get("kind"), Actor: q.user.ID}
	var files []screening.Upload
	for _, fh := range r.MultipartForm.File["file"] {
		f, err := fh.Open()
		if err != nil {
			return fmt.Errorf("open uploaded %s: %w", fh.Filename, err)
		}
		defer f.Close()
		files = append(files, screening.Upload{Name: fh.Filename, Body: f})
	}
	var sum *screening.ImportSummary
	switch {
	case req.Format == "":
		err = vigil.FieldError("format", "choose the list's format")
	case len(files) == 0:
		err = vigil.FieldError("file", "choose the list file")
	default:
		sum, err = svc.ImportUpload(r.Context(), req, files)
	}
	if err != nil {
		if vigil.ErrorCode(err) == vigil.EINTERNAL {
			return err
		}
		return u.renderScreeningQueue(w, r, q, ErrorStatus(err), &screeningView{ImportError: vigil.ErrorMessage(err), Form: form})
	}
	to := fmt.Sprintf("/ui/screening?imported=%s&version=%d", url.QueryEscape(sum.List), sum.Version)
	if sum.Unchanged {
		to += "&unchanged=1"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
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
