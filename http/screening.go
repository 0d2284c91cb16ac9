package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/lists"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// The screening API: screen one name against the stored lists, the lists
// and their versions, portfolio runs, a party's matches, the review queue,
// and the analysts' confirm and dismiss.

// screeningEdge holds the screening service, made on first use: its index
// of the current list versions lives as long as the server.
type screeningEdge struct {
	once sync.Once
	svc  *screening.Service
	err  error
}

func (s *Server) screening() (*screening.Service, error) {
	s.screen.once.Do(func() {
		s.screen.svc, s.screen.err = screening.New(s.store, screening.Options{Logger: s.logger, Now: s.now})
	})
	return s.screen.svc, s.screen.err
}

// ScreenRequest is the body of POST /api/v1/screen.
type ScreenRequest struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// Country is an ISO 3166-1 code or a country name; evidence, not a
	// filter.
	Country string `json:"country,omitempty"`
	// Type is person, organization, company, vessel or aircraft.
	Type  string `json:"type,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// ScreenResponse answers POST /api/v1/screen: the candidates at or above
// the review threshold, each with its explanation, and the list versions
// they were screened against.
type ScreenResponse struct {
	Candidates      []screen.Result         `json:"candidates"`
	Lists           []screening.ListVersion `json:"lists"`
	MatchThreshold  float64                 `json:"match_threshold"`
	ReviewThreshold float64                 `json:"review_threshold"`
}

// MatchDecision is the body of POST /api/v1/matches/{id}/confirm and
// /dismiss.
type MatchDecision struct {
	Reason string `json:"reason"`
}

// ScreeningRunRequest is the body of POST /api/v1/screening-runs.
type ScreeningRunRequest struct {
	// Delta screens only what changed since the last run.
	Delta bool `json:"delta,omitempty"`
}

// ListChanges is what one version of a list changed.
type ListChanges struct {
	List    string                  `json:"list"`
	Version int                     `json:"version"`
	Items   []screening.EntryChange `json:"items"`
}

func (s *Server) screeningRoutes() []route {
	read := access{perm: vigil.PermRead}
	work := access{perm: vigil.PermWorkCases}
	// Importing a list is importing data, as portfolio imports are.
	importer := access{perm: vigil.PermWritePortfolio}
	matchQuery := []param{
		{name: "status", typ: "string", desc: "Only matches with this status (default for the queue: pending; any for all).", enum: append([]string{"any"}, screening.Statuses...)},
		{name: "list", typ: "string", desc: "Only matches on this stored list."},
		{name: "party_id", typ: "string", desc: "Only this party's matches."},
		{name: "min_score", typ: "string", desc: "Only matches scoring at least this (0 to 1)."},
		{name: "after", typ: "string", desc: "Cursor: the next value of the previous page."},
		{name: "limit", typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
	}
	return []route{
		{method: "POST", path: "/api/v1/screen", access: work, op: "screenName", tag: "screening",
			summary: "Screen one name (with optional aliases, country and type) against the current versions of the stored lists; every candidate explains which names matched, each feature's contribution and the decision.",
			body:    typeOf[ScreenRequest](), status: http.StatusOK, result: typeOf[ScreenResponse](), handle: s.handleScreenName},
		{method: "GET", path: "/api/v1/lists", access: read, op: "listLists", tag: "screening",
			summary: "The stored lists: current version, kind, entry count and what the version added, changed and removed.",
			status:  http.StatusOK, result: typeOf[screening.ListVersion](), page: true, handle: s.handleLists},
		{method: "GET", path: "/api/v1/lists/{name}", access: read, op: "listVersions", tag: "screening",
			summary: "Every version of a list, newest first, with the ownership and directorship links it suggests.",
			status:  http.StatusOK, result: typeOf[screening.ListVersion](), page: true, handle: s.handleListVersions},
		{method: "POST", path: "/api/v1/lists/{name}/versions", access: importer, op: "importListVersion", tag: "screening",
			summary: "Import a list file as a new version of the list, all or nothing, and say what it added, changed and removed. " +
				"The body is the file itself (any media type but multipart/form-data; gzip-compressed if it is large), " +
				"or multipart/form-data with one or more file parts (OFAC's sdn.csv, alt.csv, add.csv and sdn_comments.csv together; EU annex CSVs). " +
				"A file equal to the current version stores nothing and answers unchanged: true. " +
				"A malformed file stores nothing; the problem's detail names the file and line, and its field member the field.",
			query: []param{
				{name: "format", typ: "string", enum: lists.Formats, desc: "The file's format (required); a list keeps the format of its first version."},
				{name: "kind", typ: "string", desc: "What the list is about, for the risk rules: sanctions, military_end_user, entity_list, watchlist... (default: by format)."},
				{name: "file", typ: "string", desc: "The file's name for a raw body, recorded with the version (default: from the format); the OFAC and EU readers tell files by their names."},
			},
			rawBody: []string{"application/octet-stream", "multipart/form-data"}, maxBody: MaxListUploadBytes,
			status: http.StatusOK, result: typeOf[screening.ImportSummary](), handle: s.handleImportListVersion},
		{method: "GET", path: "/api/v1/lists/{name}/versions/{version}/changes", access: read, op: "listChanges", tag: "screening",
			summary: "What one version of a list added, changed (with the fields) and removed.",
			status:  http.StatusOK, result: typeOf[ListChanges](), handle: s.handleListChanges},
		{method: "POST", path: "/api/v1/screening-runs", access: work, op: "runScreening", tag: "screening",
			summary: "Screen the portfolio against the current lists: every party, or with delta only the parties changed since the last run and every party against only the new or changed entries. New matches are pending review.",
			body:    typeOf[ScreeningRunRequest](), status: http.StatusOK, result: typeOf[screening.Run](), handle: s.handleScreeningRun},
		{method: "GET", path: "/api/v1/matches", access: read, op: "listMatches", tag: "screening",
			summary: "The review queue: matches by score, highest first (default: pending only).",
			query:   matchQuery, status: http.StatusOK, result: typeOf[screening.Match](), page: true, handle: s.handleListMatches},
		{method: "GET", path: "/api/v1/matches/{id}", access: read, op: "getMatch", tag: "screening",
			summary: "One match with its explanation and the list entry.",
			status:  http.StatusOK, result: typeOf[screening.Match](), handle: s.handleGetMatch},
		{method: "GET", path: "/api/v1/parties/{id}/matches", access: read, op: "partyMatches", tag: "parties",
			summary: "A party's screening matches, any status, by score; with chain=true also those of its parent bodies and of the parties downstream of it.",
			query: []param{
				{name: "chain", typ: "string", desc: "true: include the parent bodies and downstream parties (portfolio chain).", enum: []string{"true", "false"}},
			},
			status: http.StatusOK, result: typeOf[screening.Match](), page: true, handle: s.handlePartyMatches},
		{method: "POST", path: "/api/v1/matches/{id}/confirm", access: work, op: "confirmMatch", tag: "screening",
			summary: "Confirm a match, saying why: it becomes a red flag of every relationship the party is part of.",
			body:    typeOf[MatchDecision](), status: http.StatusOK, result: typeOf[screening.Match](), handle: s.handleDecideMatch(screening.StatusConfirmed)},
		{method: "POST", path: "/api/v1/matches/{id}/dismiss", access: work, op: "dismissMatch", tag: "screening",
			summary: "Dismiss a match, saying why; the dismissal holds until the party or the list entry changes.",
			body:    typeOf[MatchDecision](), status: http.StatusOK, result: typeOf[screening.Match](), handle: s.handleDecideMatch(screening.StatusDismissed)},
	}
}

func (s *Server) handleScreenName(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	var req ScreenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Limit < 0 || req.Limit > 100 {
		return vigil.FieldError("limit", "from 1 to 100 (0: 10)")
	}
	q := screen.Query{Name: strings.TrimSpace(req.Name), Aliases: req.Aliases, Country: req.Country, Type: req.Type}
	rs, lists, err := svc.Screen(r.Context(), q, req.Limit)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []screen.Result{}
	}
	cfg := svc.Config()
	s.writeJSON(w, r, http.StatusOK, ScreenResponse{Candidates: rs, Lists: lists, MatchThreshold: cfg.MatchThreshold, ReviewThreshold: cfg.ReviewThreshold})
	return nil
}

func (s *Server) handleLists(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	vs, err := svc.Store().Lists(r.Context())
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []screening.ListVersion{}
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[screening.ListVersion]{Items: vs})
	return nil
}

func (s *Server) handleListVersions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	vs, err := svc.Store().ListVersions(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[screening.ListVersion]{Items: vs})
	return nil
}

func (s *Server) handleListChanges(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return vigil.Errorf(vigil.ENOTFOUND, "list %q has no version %q (versions are numbers from 1)", r.PathValue("name"), r.PathValue("version"))
	}
	ch, err := svc.Store().ListChanges(r.Context(), r.PathValue("name"), v)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, ListChanges{List: r.PathValue("name"), Version: v, Items: ch})
	return nil
}

func (s *Server) handleScreeningRun(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	var req ScreeningRunRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	run, err := svc.Run(r.Context(), screening.RunRequest{Delta: req.Delta, Actor: actorFrom(r.Context())})
	if err != nil {
		return fmt.Errorf("screening run: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, run)
	return nil
}

// matchFilter reads the queue's query parameters.
func matchFilter(r *http.Request, defaultStatus string) (screening.MatchFilter, error) {
	q, err := parseQuery(r)
	if err != nil {
		return screening.MatchFilter{}, err
	}
	f := screening.MatchFilter{Status: defaultStatus, Limit: defaultLimit}
	for name, vals := range q {
		if len(vals) != 1 {
			return f, vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "status":
			f.Status = v
			if v == "any" {
				f.Status = ""
			}
		case "list":
			f.List = v
		case "party_id":
			f.PartyIDs = []string{v}
		case "min_score":
			sc, err := strconv.ParseFloat(v, 64)
			if err != nil || sc < 0 || sc > 1 {
				return f, vigil.FieldError(name, "%q must be a number from 0 to 1", v)
			}
			f.MinScore = sc
		case "after":
			f.After = v
		case "limit":
			if f.Limit, err = parseLimit(v); err != nil {
				return f, err
			}
		default:
			return f, vigil.FieldError(name, "unknown parameter for matches (status, list, party_id, min_score, after, limit)")
		}
	}
	return f, nil
}

func (s *Server) handleListMatches(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	f, err := matchFilter(r, screening.StatusPending)
	if err != nil {
		return err
	}
	page, err := svc.Store().ListMatches(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*screening.Match]{Items: page.Items, Next: page.Next})
	return nil
}

func (s *Server) handleGetMatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	m, err := svc.Store().GetMatch(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, m)
	return nil
}

func (s *Server) handlePartyMatches(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	chain := false
	for name, vals := range q {
		if name != "chain" || len(vals) != 1 || (vals[0] != "true" && vals[0] != "false") {
			return vigil.FieldError(name, "unknown or repeated parameter (chain=true|false)")
		}
		chain = vals[0] == "true"
	}
	ms, err := svc.PartyMatches(r.Context(), r.PathValue("id"), chain)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*screening.Match{}
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*screening.Match]{Items: ms})
	return nil
}

func (s *Server) handleDecideMatch(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, err := s.screening()
		if err != nil {
			return err
		}
		var req MatchDecision
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		m, err := svc.Decide(r.Context(), r.PathValue("id"), status, req.Reason, actorFrom(r.Context()))
		if err != nil {
			return err
		}
		s.writeJSON(w, r, http.StatusOK, m)
		return nil
	}
}

// maxUploadParts bounds the files of one multipart upload: OFAC sends
// four, the EU's annexes are about forty.
const maxUploadParts = 100

func (s *Server) handleImportListVersion(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.screening()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	req := screening.ImportRequest{Name: r.PathValue("name"), Actor: actorFrom(r.Context())}
	file := ""
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		switch name {
		case "format":
			req.Format = vals[0]
		case "kind":
			req.Kind = vals[0]
		case "file":
			file = vals[0]
		default:
			return vigil.FieldError(name, "unknown parameter (format, kind, file)")
		}
	}
	if req.Format == "" {
		return vigil.FieldError("format", "required: one of %s", strings.Join(lists.Formats, ", "))
	}
	if !slices.Contains(lists.Formats, strings.ToLower(req.Format)) {
		return vigil.FieldError("format", "unknown list format %q (want one of %s)", req.Format, strings.Join(lists.Formats, ", "))
	}
	var files []screening.Upload
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if files, err = multipartFiles(r); err != nil {
			return err
		}
	} else {
		files = []screening.Upload{{Name: file, Body: uploadBody{r.Body}}}
	}
	sum, err := svc.ImportUpload(r.Context(), req, files)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}

// multipartFiles reads the file parts of a multipart upload. They are
// read whole, in order, because a multipart stream yields one part at a
// time; the request's size limit bounds them.
func multipartFiles(r *http.Request) ([]screening.Upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "read the multipart body: %v", err)
	}
	var files []screening.Upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		if part.FormName() != "file" {
			part.Close()
			return nil, vigil.FieldError(part.FormName(), "unknown form field (send the list as file parts; format and kind as query parameters)")
		}
		if len(files) == maxUploadParts {
			return nil, vigil.FieldError("file", "at most %d files in one upload", maxUploadParts)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, readErr(err)
		}
		files = append(files, screening.Upload{Name: part.FileName(), Body: bytes.NewReader(b)})
	}
	if len(files) == 0 {
		return nil, vigil.FieldError("file", "no file part in the upload")
	}
	return files, nil
}

// uploadBody turns the errors of reading a request body into errors the
// problem writer answers with their own status.
type uploadBody struct{ r io.Reader }

func (u uploadBody) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = readErr(err)
	}
	return n, err
}

func readErr(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &vigil.Error{Code: codeTooLarge, Row: -1,
			Message: fmt.Sprintf("the request body is larger than %d bytes: send the list gzip-compressed", maxErr.Limit)}
	}
	return vigil.Errorf(vigil.EINVALID, "read the request body: %v", err)
}
