package report

import (
	"fmt"
	"strings"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/i18n"
)

// Templates a report can follow.
const (
	TemplateUNGP  = "ungp"  // UNGP Reporting Framework
	TemplateCSDDD = "csddd" // directive-style annual statement
)

// Templates lists them.
var Templates = []string{TemplateUNGP, TemplateCSDDD}

// content is a report laid out once, independent of the output format:
// HTML, Markdown and PDF all render the same sections.
type content struct {
	Lang     string
	Template string
	Title    string
	Subtitle string
	Intro    []string
	Sections []section
}

type section struct {
	Title  string
	Sub    bool // a subsection (C1..C6)
	Paras  []string
	Tables []table
	Charts []string // chart ids: timeseries, decisions, heatmap
	Code   string   // a command to show verbatim
}

type table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// writer formats figures in one language.
type writer struct {
	lang string
	loc  *i18n.Localizer
	doc  *Document
}

func newWriter(doc *Document, lang string) (*writer, error) {
	b, err := i18n.NewBundle()
	if err != nil {
		return nil, fmt.Errorf("report: messages: %w", err)
	}
	return &writer{lang: lang, loc: b.For(lang), doc: doc}, nil
}

func (w *writer) t(key string, args ...any) string { return tr(w.lang, key, args...) }

// show is a figure as printed: its value, "<5" when suppressed.
func (w *writer) show(f *Figure) string {
	if f == nil {
		return w.t("na")
	}
	if f.Value == nil {
		return fmt.Sprintf("<%d", w.doc.MinCell)
	}
	return w.loc.Int(*f.Value)
}

func (w *writer) value(id string) string { return w.show(w.doc.Figure(id)) }

// change is the difference from the previous period, when both are shown.
func (w *writer) change(id string) string {
	cur, prev := w.doc.Figure(id), w.doc.Figure("previous."+id)
	if cur == nil || prev == nil || cur.Value == nil || prev.Value == nil {
		return w.t("na")
	}
	d := *cur.Value - *prev.Value
	switch {
	case d > 0:
		return "+" + w.loc.Int(d)
	case d < 0:
		return "−" + w.loc.Int(-d)
	}
	return "0"
}

// rate is a/(a+b) when both are shown.
func (w *writer) rate(a, b string) string {
	fa, fb := w.doc.Figure(a), w.doc.Figure(b)
	if fa == nil || fb == nil || fa.Value == nil || fb.Value == nil || *fa.Value+*fb.Value == 0 {
		return w.t("na")
	}
	return w.loc.Percent(float64(*fa.Value) / float64(*fa.Value+*fb.Value))
}

func (w *writer) figName(id string) string {
	if _, ok := messages["fig."+id]; ok {
		return w.t("fig." + id)
	}
	return id
}

// compare is a table of event figures with the previous period.
func (w *writer) compare(caption string, rows ...[2]string) table {
	t := table{Caption: caption, Head: []string{w.t("col.figure"), w.t("col.value"), w.t("col.previous"), w.t("col.change")}}
	for _, r := range rows {
		id, name := r[0], r[1]
		t.Rows = append(t.Rows, []string{name, w.value(id), w.value("previous." + id), w.change(id)})
	}
	return t
}

func (w *writer) figs(ids ...string) [][2]string {
	out := make([][2]string, len(ids))
	for i, id := range ids {
		out[i] = [2]string{id, w.figName(id)}
	}
	return out
}

// groupTable lists a group's figures under a category column.
func (w *writer) groupTable(group, col, prefix string) table {
	t := table{Head: []string{col, w.t("col.count")}}
	for _, f := range w.doc.Group(group) {
		t.Rows = append(t.Rows, []string{label(w.lang, prefix, f.Label), w.show(f)})
	}
	return t
}

func (w *writer) decisions() table {
	var rows [][2]string
	for _, d := range vigil.DecisionTypes {
		rows = append(rows, [2]string{"decisions.approved." + d, w.t("decision." + d)})
	}
	rows = append(rows, w.figs("decisions.approved.total", "decisions.rejected")...)
	return w.compare("", rows...)
}

// named lists the decisions the provider chose to make public by name.
func (w *writer) named() table {
	t := table{Caption: w.t("C1.named"), Head: []string{w.t("col.date"), w.t("col.decision"), w.t("col.customer"), w.t("col.capabilities")}}
	for _, n := range w.doc.Named {
		t.Rows = append(t.Rows, []string{w.loc.Date(n.DecidedAt), label(w.lang, "decision", n.Type), strings.Join(n.Parties, "; "), strings.Join(n.Capabilities, ", ")})
	}
	if len(t.Rows) == 0 {
		t.Rows = [][]string{{w.t("C1.named.none"), "", "", ""}}
	}
	return t
}

func (w *writer) breakdowns() []table {
	var out []table
	if g := w.groupTable("decisions.by_country", w.t("col.country"), "country"); len(g.Rows) > 0 {
		out = append(out, g)
	}
	if g := w.groupTable("decisions.by_sector", w.t("col.sector"), "sector"); len(g.Rows) > 0 {
		out = append(out, g)
	}
	return out
}

func (w *writer) grievances() []table {
	t := w.compare("", w.figs("grievances.received", "grievances.acknowledged", "grievances.acknowledged_late", "grievances.answered", "grievances.answered_late", "grievances.closed", "grievances.led_to_action")...)
	rates := table{Head: []string{w.t("col.figure"), w.t("col.value")}, Rows: [][]string{
		{w.t("fig.grievances.ack_rate"), w.rate("grievances.acknowledged", "grievances.acknowledged_late")},
		{w.t("fig.grievances.answer_rate"), w.rate("grievances.answered", "grievances.answered_late")},
	}}
	return []table{t, rates}
}

func (w *writer) engagement() table {
	return w.compare("", w.figs("engagement.recorded", "engagement.promised", "engagement.kept", "engagement.kept_late", "engagement.overdue")...)
}

func (w *writer) enforcement() table {
	return w.compare("", w.figs("enforcement.queued", "enforcement.confirmed", "enforcement.failed", "enforcement.verified", "enforcement.unverified",
		"enforcement.verified.restrict", "enforcement.verified.suspend", "enforcement.verified.terminate")...)
}

func (w *writer) assessing() []table {
	ctx := w.groupTable("relationships.context", w.t("col.context"), "status")
	ctx.Rows = append([][]string{{w.t("fig.relationships.total"), w.value("relationships.total")}}, ctx.Rows...)
	ctx.Rows = append(ctx.Rows, []string{w.t("fig.relationships.high_risk"), w.value("relationships.high_risk")})
	return []table{
		ctx,
		w.groupTable("relationships.sector", w.t("col.sector"), "sector"),
		w.compare("", w.figs("screening.runs", "screening.matches_found", "screening.matches_confirmed", "assessments.tier_changed", "cases.opened", "cases.closed")...),
	}
}

func (w *writer) changes() table {
	var ids []string
	for _, f := range w.doc.Figures {
		if f.Kind != KindSnapshot && w.doc.Figure("previous."+f.ID) != nil {
			ids = append(ids, f.ID)
		}
	}
	var rows [][2]string
	for _, id := range ids {
		name := w.figName(id)
		if d, ok := strings.CutPrefix(id, "decisions.approved."); ok && d != "total" {
			name = w.t("fig.decisions.approved.total") + ": " + label(w.lang, "decision", d)
		}
		rows = append(rows, [2]string{id, name})
	}
	return w.compare("", rows...)
}

func (w *writer) verification() section {
	s := section{Title: w.t("V"), Paras: []string{w.t("V.text")},
		Code: "vigil report verify REPORT_DIR --log https://HOST/log/ --key LOG_KEY"}
	s.Paras = append(s.Paras, w.t("V.audit"), w.t("privacy", w.doc.MinCell-1, w.doc.MinCell))
	t := table{Head: []string{w.t("col.figure"), w.t("col.value"), w.t("col.verify")}}
	for _, f := range w.doc.Figures {
		if strings.HasPrefix(f.ID, "previous.") || strings.HasPrefix(f.ID, "heat.") {
			continue
		}
		t.Rows = append(t.Rows, []string{f.ID, w.show(&f), w.t("kind." + f.Kind)})
	}
	s.Tables = []table{t}
	return s
}

func (w *writer) intro(title string) []string {
	d := w.doc
	out := []string{w.t("period", w.loc.Date(d.Period.From), w.loc.Date(d.Period.Last()), w.loc.Date(d.Previous.From), w.loc.Date(d.Previous.Last()))}
	if cp := d.Checkpoint; cp != nil {
		root := cp.RootHash
		if len(root) > 16 {
			root = root[:16] + "…"
		}
		out = append(out, w.t("generated", w.loc.Date(d.GeneratedAt), cp.Origin, w.loc.Int(int64(cp.Size)), root))
	} else {
		out = append(out, w.t("unverifiable"))
	}
	return append(out, w.t("privacy", d.MinCell-1, d.MinCell))
}

// layout writes the report's content under a template.
func layout(doc *Document, tmpl, lang string) (*content, error) {
	w, err := newWriter(doc, lang)
	if err != nil {
		return nil, err
	}
	c := &content{Lang: lang, Template: tmpl, Title: w.t("title."+tmpl, doc.Period.Label), Subtitle: w.t("subtitle." + tmpl), Intro: w.intro(tmpl)}
	salient := w.groupTable("rights", w.t("col.right"), "right")
	flags := w.groupTable("flags", w.t("col.flag"), "flag")
	grv := w.grievances()
	switch tmpl {
	case TemplateUNGP:
		c.Sections = []section{
			{Title: w.t("A"), Paras: []string{w.t("A.text")}, Tables: []table{w.compare("", w.figs("cases.opened", "cases.closed", "decisions.approved.total", "decisions.rejected")...)}},
			{Title: w.t("B"), Paras: []string{w.t("B.text")}, Tables: []table{salient, flags}},
			{Title: w.t("B.geo"), Sub: true, Charts: []string{"heatmap"}},
			{Title: w.t("C")},
			{Title: w.t("C1"), Sub: true, Paras: []string{w.t("C1.text")}, Tables: []table{w.decisions(), w.named()}, Charts: []string{"decisions"}},
			{Title: w.t("C2"), Sub: true, Paras: []string{w.t("C2.text")}, Tables: []table{w.engagement()}},
			{Title: w.t("C3"), Sub: true, Paras: []string{w.t("C3.text")}, Tables: w.assessing(), Charts: []string{"timeseries"}},
			{Title: w.t("C4"), Sub: true, Paras: []string{w.t("C4.text")}, Tables: w.breakdownsAfter(w.enforcement())},
			{Title: w.t("C5"), Sub: true, Tables: []table{w.changes()}},
			{Title: w.t("C6"), Sub: true, Paras: []string{w.t("C6.text")}, Tables: grv},
			w.verification(),
		}
	case TemplateCSDDD:
		c.Sections = []section{
			{Title: w.t("S1"), Paras: []string{w.t("S1.text"), w.t("A.text")}},
			{Title: w.t("S2"), Paras: []string{w.t("B.text"), w.t("C3.text")}, Tables: append([]table{salient, flags}, w.assessing()...), Charts: []string{"heatmap"}},
			{Title: w.t("S3"), Paras: []string{w.t("C1.text")}, Tables: append([]table{w.decisions(), w.named()}, w.breakdownsAfter(w.enforcement())...), Charts: []string{"decisions"}},
			{Title: w.t("S4"), Paras: []string{w.t("C6.text")}, Tables: grv},
			{Title: w.t("S5"), Paras: []string{w.t("C2.text")}, Tables: []table{w.engagement()}},
			{Title: w.t("S6"), Tables: []table{w.changes()}, Charts: []string{"timeseries"}},
			w.verification(),
		}
	default:
		return nil, vigil.FieldError("template", "%q: want %s", tmpl, strings.Join(Templates, " or "))
	}
	return c, nil
}

// breakdownsAfter puts the confidential breakdowns after a table, with
// their introduction as the first caption.
func (w *writer) breakdownsAfter(t table) []table {
	out := []table{t}
	for i, b := range w.breakdowns() {
		if i == 0 {
			b.Caption = w.t("C1.breakdown")
		}
		out = append(out, b)
	}
	return out
}
