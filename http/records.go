package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
)

// pageBody is the envelope of every listing. Items is never null so that
// clients can range over it without a check.
type pageBody[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func (s *Server) handleList(kind vigil.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r)
		if err != nil {
			return err
		}
		opt, err := listOptions(kind, q)
		if err != nil {
			return err
		}
		page, err := s.store.List(r.Context(), kind, opt)
		if err != nil {
			return fmt.Errorf("list %s: %w", kind, err)
		}
		items := page.Items
		if items == nil {
			items = []vigil.Record{}
		}
		s.writeJSON(w, r, http.StatusOK, pageBody[vigil.Record]{Items: items, Next: page.Next})
		return nil
	}
}

// listOptions reads a listing's query. Unknown parameters are refused rather
// than ignored: a misspelt filter that silently matched everything would
// show an analyst the whole portfolio as if it were the filtered set.
func listOptions(kind vigil.Kind, q url.Values) (vigil.ListOptions, error) {
	opt := vigil.ListOptions{Filters: map[string]string{}, Limit: defaultLimit}
	for name, vals := range q {
		if len(vals) != 1 {
			return opt, vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch {
		case name == paramQuery && searchable(kind):
			opt.Query = v
		case name == paramAfter:
			opt.After = v
		case name == paramLimit:
			n, err := parseLimit(v)
			if err != nil {
				return opt, err
			}
			opt.Limit = n
		case slices.Contains(vigil.FilterFields[kind], name):
			opt.Filters[name] = v
		default:
			known := strings.Join(vigil.FilterFields[kind], ", ") + "; also after, limit"
			if searchable(kind) {
				known += ", q"
			}
			return opt, vigil.FieldError(name, "unknown parameter for %s (filters: %s)", kind, known)
		}
	}
	return opt, nil
}

// parseQuery reads the query string, refusing malformed ones that
// URL.Query would silently drop parts of.
func parseQuery(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "malformed query string: %v", err)
	}
	return q, nil
}

func parseLimit(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, vigil.FieldError(paramLimit, "%q must be a whole number from 1 to %d", v, maxLimit)
	}
	return n, nil
}

func (s *Server) handleGet(kind vigil.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rec, err := s.store.Get(r.Context(), kind, r.PathValue("id"))
		if err != nil {
			return fmt.Errorf("get %s %s: %w", kind.Singular(), r.PathValue("id"), err)
		}
		s.writeJSON(w, r, http.StatusOK, rec)
		return nil
	}
}

func (s *Server) handleCreate(kind vigil.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rec, err := vigil.NewRecord(kind)
		if err != nil {
			return err
		}
		if err := decodeJSON(r, rec); err != nil {
			return err
		}
		// Contexts are keyed by their ISO code, which only the client knows;
		// every other kind may leave the id to the server.
		if rec.RecordID() == "" && kind != vigil.KindContext {
			rec.SetRecordID(vigil.NewID(s.now()))
		}
		if err := s.store.Create(r.Context(), rec, actorFrom(r.Context())); err != nil {
			return fmt.Errorf("create %s %s: %w", kind.Singular(), rec.RecordID(), err)
		}
		stored, err := s.store.Get(r.Context(), kind, rec.RecordID())
		if err != nil {
			return fmt.Errorf("read back %s %s: %w", kind.Singular(), rec.RecordID(), err)
		}
		w.Header().Set("Location", "/api/v1/"+string(kind)+"/"+url.PathEscape(rec.RecordID()))
		s.writeJSON(w, r, http.StatusCreated, stored)
		return nil
	}
}

func (s *Server) handleUpdate(kind vigil.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		rec, err := vigil.NewRecord(kind)
		if err != nil {
			return err
		}
		if err := decodeJSON(r, rec); err != nil {
			return err
		}
		switch rec.RecordID() {
		case "":
			rec.SetRecordID(id)
		case id:
		default:
			return vigil.FieldError("id", "the body's id %q differs from the address's %q; ids cannot be changed", rec.RecordID(), id)
		}
		if err := s.store.Update(r.Context(), rec, actorFrom(r.Context())); err != nil {
			return fmt.Errorf("update %s %s: %w", kind.Singular(), id, err)
		}
		stored, err := s.store.Get(r.Context(), kind, id)
		if err != nil {
			return fmt.Errorf("read back %s %s: %w", kind.Singular(), id, err)
		}
		s.writeJSON(w, r, http.StatusOK, stored)
		return nil
	}
}

func (s *Server) handlePartyChain(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	// Walk answers an empty chain for an unknown party; a 404 tells the
	// client it mistyped the id.
	if _, err := s.store.Get(r.Context(), vigil.KindParty, id); err != nil {
		return fmt.Errorf("get party %s: %w", id, err)
	}
	return s.writeChain(w, r, id)
}

func (s *Server) handleAccountChain(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	acct, err := vigil.GetAs[*vigil.Account](r.Context(), s.store, vigil.KindAccount, id)
	if err != nil {
		return fmt.Errorf("get account %s: %w", id, err)
	}
	return s.writeChain(w, r, acct.PartyID)
}

func (s *Server) writeChain(w http.ResponseWriter, r *http.Request, partyID string) error {
	c, err := portfolio.Walk(r.Context(), s.store, partyID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

// decodeJSON reads one JSON value into v, refusing unknown fields (a
// misspelt field would otherwise be dropped without a word) and trailing
// data.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return vigil.Errorf(vigil.EINVALID, "the request body holds more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		timeErr   *time.ParseError
		vigilErr  *vigil.Error
	)
	switch {
	case errors.As(err, &vigilErr):
		// A domain type's UnmarshalJSON (vigil.Date) already explains.
		return vigilErr
	case errors.Is(err, io.EOF):
		return vigil.Errorf(vigil.EINVALID, "the request body is empty; send a JSON object")
	case errors.As(err, &maxErr):
		return &vigil.Error{Code: codeTooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes", maxErr.Limit), Row: -1}
	case errors.As(err, &syntaxErr):
		return vigil.Errorf(vigil.EINVALID, "the request body is not valid JSON (at byte %d): %v", syntaxErr.Offset, err)
	case errors.As(err, &typeErr):
		return vigil.FieldError(typeErr.Field, "must be a JSON %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &timeErr):
		return vigil.Errorf(vigil.EINVALID, "a date or time is not in RFC 3339 form (2024-05-01T00:00:00Z): %q", timeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return vigil.Errorf(vigil.EINVALID, "the request body ends in the middle of a JSON value")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return vigil.FieldError(f, "unknown field")
	}
	return vigil.Errorf(vigil.EINVALID, "the request body cannot be read: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}
