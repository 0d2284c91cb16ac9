package http

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
)

// The report API renders the public transparency report of a period on
// demand, at the checkpoint of the proof log mounted at /log/ (without one
// the rendering says it cannot be verified). It writes nothing: publishing
// a report into a directory, with its event, is 'vigil report'.

func (s *Server) reportRoutes() []route {
	read := access{perm: vigil.PermRead}
	query := []param{
		{name: "lang", typ: "string", desc: "Language (default en).", enum: report.Languages},
		{name: "template", typ: "string", desc: "ungp (UNGP Reporting Framework, default) or csddd (annual statement).", enum: report.Templates},
		{name: "min_cell", typ: "integer", desc: "Smallest count shown (default 5); smaller ones are shown as \"<N\".", min: intp(1), max: intp(1000)},
	}
	const period = " The period is a year (2026), a quarter (2026-Q3) or dates (2026-01-01..2026-06-30)."
	return []route{
		{method: "GET", path: "/api/v1/reports/{period}", access: read, op: "reportHTML", tag: "reports",
			summary: "The public transparency report (or annual statement) of a period as HTML, with its charts and figures document embedded." + period,
			query:   query, status: http.StatusOK, contentType: "text/html", handle: s.handleReport("html")},
		{method: "GET", path: "/api/v1/reports/{period}/pdf", access: read, op: "reportPDF", tag: "reports",
			summary: "The report of a period as PDF." + period,
			query:   query, status: http.StatusOK, contentType: "application/pdf", handle: s.handleReport("pdf")},
		{method: "GET", path: "/api/v1/reports/{period}/md", access: read, op: "reportMarkdown", tag: "reports",
			summary: "The report of a period as Markdown (charts are only in the other formats)." + period,
			query:   query, status: http.StatusOK, contentType: "text/markdown", handle: s.handleReport("md")},
		{method: "GET", path: "/api/v1/reports/{period}/figures", access: read, op: "reportFigures", tag: "reports",
			summary: "The figures document of a period's report: the log checkpoint, and each figure's definition and value (absent when suppressed)." + period,
			query:   query[2:], status: http.StatusOK, result: typeOf[report.Document](), handle: s.handleReport("json")},
	}
}

func (s *Server) handleReport(format string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r)
		if err != nil {
			return err
		}
		opt := report.Options{MinCell: report.DefaultMinCell, Now: s.now()}
		if opt.Period, err = report.ParsePeriod(r.PathValue("period")); err != nil {
			return err
		}
		lang, tmpl := "en", report.TemplateUNGP
		for name, vals := range q {
			if len(vals) != 1 {
				return vigil.FieldError(name, "give the parameter once")
			}
			v := vals[0]
			switch {
			case name == "lang" && format != "json":
				lang = v
			case name == "template" && format != "json":
				tmpl = v
			case name == "min_cell":
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					return vigil.FieldError(name, "%q must be a whole number from 1 to 1000", v)
				}
				opt.MinCell = n
			default:
				return vigil.FieldError(name, "unknown parameter")
			}
		}
		return s.writeReport(w, r, opt, tmpl, lang, format)
	}
}

// writeReport computes a report at the mounted log's checkpoint and
// writes it in a format: the API and the web UI answer the same way.
func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, opt report.Options, tmpl, lang, format string) error {
	rs, ok := s.store.(report.Store)
	if !ok {
		return vigil.Errorf(vigil.EINTERNAL, "the store keeps no assessments")
	}
	var err error
	if opt.Checkpoint, err = s.logCheckpoint(r); err != nil {
		return err
	}
	doc, err := report.Build(r.Context(), rs, opt)
	if err != nil {
		return err
	}
	if format == "json" {
		b, err := report.Encode(doc)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		_, err = w.Write(b)
		return err
	}
	out, err := report.Render(doc, tmpl, lang, format)
	if err != nil {
		return err
	}
	switch format {
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The report carries its own style sheet; sandboxed and without
		// scripts, it can do nothing else.
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", report.FileName(tmpl, lang, format)))
	_, err = w.Write(out.Body)
	return err
}

// logCheckpoint reads the checkpoint of the log mounted at /log/, the same
// bytes a verifier downloads; nil when no log is mounted or it has none yet.
func (s *Server) logCheckpoint(r *http.Request) (*report.Checkpoint, error) {
	for _, m := range s.mounts {
		if m.prefix != "/log/" {
			continue
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/log/checkpoint", nil)
		if err != nil {
			return nil, fmt.Errorf("checkpoint request: %w", err)
		}
		rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
		m.h.ServeHTTP(rec, req)
		if rec.status != http.StatusOK {
			return nil, nil
		}
		cp, err := report.ParseCheckpointText(rec.body.Bytes())
		if err != nil {
			return nil, fmt.Errorf("the log's checkpoint: %w", err)
		}
		return cp, nil
	}
	return nil, nil
}
