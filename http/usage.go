package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

// usageRoutes are the routes of usage records and signals (package usage).
func (s *Server) usageRoutes() []route {
	read := access{perm: vigil.PermRead}
	write := access{perm: vigil.PermWritePortfolio}
	page := []param{
		{name: paramAfter, typ: "string", desc: "Cursor: the next value of the previous page; empty for the first page."},
		{name: paramLimit, typ: "integer", desc: "Page size, 1 to 1000 (default 100).", min: intp(1), max: intp(maxLimit)},
	}
	return []route{
		{method: "POST", path: "/api/v1/usage", access: write, op: "ingestUsage", tag: "usage",
			summary: "Ingest a batch of metered usage records, all or nothing. The body is JSON Lines (application/x-ndjson, one record a line) " +
				"or CSV (text/csv, with a header); every record has exactly key, subscription_id, meter, quantity, unit, period_start, period_end " +
				"and region, and anything more (a field or column beyond the metering schema, free text, an over-long value) is refused " +
				"with the line and field. A record whose key is stored already changes nothing.",
			query: []param{{name: "format", typ: "string", enum: []string{"jsonl", "csv"},
				desc: "The body's format; by default taken from Content-Type (text/csv is CSV, anything else JSON Lines)."}},
			status: http.StatusOK, result: typeOf[usage.IngestSummary](), handle: s.handleIngestUsage},
		{method: "POST", path: "/api/v1/signal-runs", access: write, op: "runSignals", tag: "usage",
			summary: "Evaluate the signal rules (the shipped rules file) on the daily usage totals of the 180 days up to as_of (default today) " +
				"and store the signals that fire; a signal raised before for the same rule, subject and day is not raised again.",
			body: typeOf[SignalRunRequest](), status: http.StatusOK, result: typeOf[usage.EvalSummary](), handle: s.handleRunSignals},
		{method: "GET", path: "/api/v1/signals", access: read, op: "listSignals", tag: "usage",
			summary: "List usage signals, newest as-of day first, each with the numbers behind it.",
			query: append([]param{
				{name: "account_id", typ: "string", desc: "Filter: signals about this account."},
				{name: "subscription_id", typ: "string", desc: "Filter: signals about this subscription."},
				{name: "rule", typ: "string", desc: "Filter: signals of this rule."},
				{name: "severity", typ: "string", desc: "Filter: signals of this severity.", enum: usage.Severities},
			}, page...),
			status: http.StatusOK, result: typeOf[usage.Signal](), page: true, handle: s.handleListSignals},
		{method: "GET", path: "/api/v1/signals/{id}", access: read, op: "getSignal", tag: "usage",
			summary: "Get one usage signal with the facts its rule saw.",
			status:  http.StatusOK, result: typeOf[usage.Signal](), handle: s.handleGetSignal},
	}
}

func (s *Server) usageStore() (usage.Store, error) { return usage.StoreOf(s.store) }

func (s *Server) handleIngestUsage(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usageStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	format := usage.JSONLines
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "text/csv" {
		format = usage.CSV
	}
	for name, vals := range q {
		switch {
		case name == "format" && len(vals) == 1 && (vals[0] == "jsonl" || vals[0] == "csv"):
			format = usage.Format(vals[0])
		case name == "format":
			return vigil.FieldError("format", "want jsonl or csv, once")
		default:
			return vigil.FieldError(name, "unknown parameter (want format)")
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return &vigil.Error{Code: codeTooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes; send smaller batches", maxErr.Limit), Row: -1}
		}
		return vigil.Errorf(vigil.EINVALID, "read the request body: %v", err)
	}
	var src usage.Source
	if format == usage.CSV {
		rd, err := usage.NewReader(bytes.NewReader(body), "request body", usage.CSV)
		if err != nil {
			return err
		}
		src = rd
	} else {
		// JSON Lines are checked in full before the transaction opens,
		// so a bad batch costs the database nothing.
		recs, err := usage.ReadAll(body, "request body")
		if err != nil {
			return err
		}
		src = &usage.SliceSource{Records: recs}
	}
	sum, err := us.IngestUsage(r.Context(), usage.IngestRequest{Source: src, Actor: userFrom(r.Context()).ID, Origin: "http"})
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}

func (s *Server) handleListSignals(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usageStore()
	if err != nil {
		return err
	}
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	sq := usage.SignalQuery{Limit: defaultLimit}
	for name, vals := range q {
		if len(vals) != 1 {
			return vigil.FieldError(name, "give the parameter once")
		}
		v := vals[0]
		switch name {
		case "account_id":
			sq.Account = v
		case "subscription_id":
			sq.Subscription = v
		case "rule":
			sq.Rule = v
		case "severity":
			sq.Severity = v
		case paramAfter:
			sq.After = v
		case paramLimit:
			if sq.Limit, err = parseLimit(v); err != nil {
				return err
			}
		default:
			return vigil.FieldError(name, "unknown parameter for signals (filters: account_id, subscription_id, rule, severity; also after, limit)")
		}
	}
	p, err := us.ListSignals(r.Context(), sq)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, pageBody[*usage.Signal]{Items: p.Items, Next: p.Next})
	return nil
}

func (s *Server) handleGetSignal(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usageStore()
	if err != nil {
		return err
	}
	sig, err := us.GetSignal(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sig)
	return nil
}

// SignalRunRequest asks for an evaluation of the signal rules.
type SignalRunRequest struct {
	// AsOf is the last day of the windows; empty means today (UTC).
	AsOf vigil.Date `json:"as_of"`
}

func (s *Server) handleRunSignals(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usageStore()
	if err != nil {
		return err
	}
	var req SignalRunRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.AsOf.IsZero() {
		req.AsOf = vigil.DateOf(s.now())
	}
	rules, err := usage.LoadRules("")
	if err != nil {
		return err
	}
	sum, err := usage.Evaluate(r.Context(), us, s.store, rules, req.AsOf, userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}
