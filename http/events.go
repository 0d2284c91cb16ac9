package http

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigil-hrdd/vigil"
)

func (s *Server) handleListEvents(w http.ResponseWriter, r *http.Request) error {
	var after int64
	limit := defaultLimit
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		switch name {
		case paramAfter:
			if vals[0] == "" {
				continue
			}
			n, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil || n < 0 {
				return vigil.FieldError(paramAfter, "%q must be the next value of a previous page", vals[0])
			}
			after = n
		case paramLimit:
			n, err := parseLimit(vals[0])
			if err != nil {
				return err
			}
			limit = n
		default:
			return vigil.FieldError(name, "unknown parameter for events (after, limit)")
		}
	}
	evs, err := s.store.ListEvents(r.Context(), after, limit)
	if err != nil {
		return fmt.Errorf("list events after %d: %w", after, err)
	}
	body := pageBody[*vigil.Event]{Items: evs}
	if body.Items == nil {
		body.Items = []*vigil.Event{}
	}
	// A full page may have a successor; the client finds out with one more
	// (possibly empty) request, which spares the store a look-ahead.
	if len(evs) == limit {
		body.Next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	s.writeJSON(w, r, http.StatusOK, body)
	return nil
}

func (s *Server) handleGetEvent(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.store.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return fmt.Errorf("get event %s: %w", r.PathValue("id"), err)
	}
	s.writeJSON(w, r, http.StatusOK, ev)
	return nil
}

// health is the body of /healthz.
type health struct {
	Status string `json:"status"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	s.writeJSON(w, r, http.StatusOK, health{Status: "ok"})
	return nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	// The document is public and changes only with the binary, so unlike
	// the data it may be cached.
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(s.openapi)
	return err
}
