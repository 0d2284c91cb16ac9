package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
)

// The reports page: choose a period and a template, then open the public
// report in the UI's language as HTML, PDF or Markdown, or its figures
// document, computed at the proof log's checkpoint as the API does.

type reportsView struct {
	Period    string
	Template  string
	Templates []string
	// Links are set once the period is valid.
	Links []reportLink
}

type reportLink struct {
	Key  string // message key of the link's text
	Href string
}

func (u *webUI) handleReports(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	qs := r.URL.Query()
	v := &reportsView{Period: qs.Get("period"), Template: qs.Get("template"), Templates: report.Templates}
	if v.Template == "" {
		v.Template = report.TemplateUNGP
	}
	if !validOf(v.Template, report.Templates) {
		return vigil.FieldError("template", "%q: want %s or %s", v.Template, report.TemplateUNGP, report.TemplateCSDDD)
	}
	if v.Period == "" {
		v.Period = strconv.Itoa(u.s.now().Year())
	}
	if _, err := report.ParsePeriod(v.Period); err != nil {
		return err
	}
	base := "/ui/reports/" + url.PathEscape(v.Period) + "/"
	query := "?" + url.Values{"template": {v.Template}}.Encode()
	v.Links = []reportLink{
		{"reports.html", base + "html" + query},
		{"reports.pdf", base + "pdf" + query},
		{"reports.md", base + "md" + query},
		{"reports.figures", base + "json"},
	}
	return u.render(w, r, q, http.StatusOK, "reports.html", "reports", q.L.T("reports.title"), v)
}

func (u *webUI) handleReportFile(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	r = r.WithContext(ctx)
	format := r.PathValue("format")
	if format != "json" && !validOf(format, report.Formats) {
		return vigil.Errorf(vigil.ENOTFOUND, "no report format %q", format)
	}
	p, err := report.ParsePeriod(r.PathValue("period"))
	if err != nil {
		return err
	}
	tmpl := r.URL.Query().Get("template")
	if tmpl == "" {
		tmpl = report.TemplateUNGP
	}
	if !validOf(tmpl, report.Templates) {
		return vigil.FieldError("template", "%q: want %s or %s", tmpl, report.TemplateUNGP, report.TemplateCSDDD)
	}
	return u.s.writeReport(w, r, report.Options{Period: p, MinCell: report.DefaultMinCell, Now: u.s.now()}, tmpl, q.L.Code(), format)
}
