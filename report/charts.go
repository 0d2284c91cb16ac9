package report

import (
	"bytes"
	"fmt"
	"image/color"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chart is one figure of the report drawn twice: SVG for the web, PNG for
// the PDF. A suppressed count is drawn as "<5" and never as a bar, a point
// or a shade, so no output shape encodes the hidden value.
type chart struct {
	ID     string
	Title  string
	Note   string
	SVG    []byte
	PNG    []byte
	Width  vg.Length
	Height vg.Length
}

// newPlot is a plot in Liberation Sans, the PDF's typeface (gonum's
// default is the serif).
func newPlot(title string) *plot.Plot {
	p := plot.New()
	sans := func(sty *text.Style) { sty.Font.Variant = "Sans" }
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	sans(&p.Title.TextStyle)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		sans(&a.Label.TextStyle)
		sans(&a.Tick.Label)
		a.Tick.Label.Font.Size = vg.Points(9)
	}
	sans(&p.Legend.TextStyle)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	return p
}

// sansLabels sets the labels' typeface and centres them above their point.
func sansLabels(l *plotter.Labels) {
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Variant = "Sans"
		l.TextStyle[i].Font.Size = vg.Points(9)
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
	}
}

// chartIDs in the order they are drawn.
var chartIDs = []string{"timeseries", "decisions", "heatmap"}

func (w *writer) charts() (map[string]*chart, error) {
	out := map[string]*chart{}
	for _, id := range chartIDs {
		var p *plot.Plot
		var wd, ht vg.Length = 16 * vg.Centimeter, 8 * vg.Centimeter
		switch id {
		case "timeseries":
			p = w.plotTimeseries()
		case "decisions":
			p = w.plotDecisions()
		case "heatmap":
			p, wd, ht = w.plotHeatmap()
		}
		c := &chart{ID: id, Title: w.t("chart." + id), Note: w.t("chart.suppressed", w.doc.MinCell), Width: wd, Height: ht}
		var err error
		if c.SVG, err = drawSVG(p, wd, ht); err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", id, err)
		}
		if c.PNG, err = drawPNG(p, wd, ht); err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", id, err)
		}
		out[id] = c
	}
	return out, nil
}

func drawSVG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	// Inline in HTML, the XML declaration is not allowed.
	b := buf.Bytes()
	if i := bytes.Index(b, []byte("<svg")); i > 0 {
		b = b[i:]
	}
	return b, nil
}

func drawPNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(150))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	ink      = color.RGBA{0x1f, 0x4e, 0x79, 0xff}
	hidden   = color.RGBA{0xc8, 0xc8, 0xc8, 0xff}
	tierInks = []color.Color{
		color.RGBA{0xd9, 0xf0, 0xd3, 0xff}, color.RGBA{0xfe, 0xe0, 0x8b, 0xff},
		color.RGBA{0xfc, 0x8d, 0x59, 0xff}, color.RGBA{0xd7, 0x30, 0x27, 0xff},
	}
)

func tierInk(rank int) color.Color {
	if rank < 0 {
		rank = 0
	}
	if rank >= len(tierInks) {
		rank = len(tierInks) - 1
	}
	return tierInks[rank]
}

// categories is a bar chart over named categories that marks hidden
// counts instead of drawing them.
func (w *writer) categories(title string, names []string, figs []*Figure) *plot.Plot {
	p := newPlot(title)
	vals := make(plotter.Values, len(figs))
	var marks plotter.XYLabels
	for i, f := range figs {
		if f != nil && f.Value != nil {
			vals[i] = float64(*f.Value)
		} else {
			marks.XYs = append(marks.XYs, plotter.XY{X: float64(i), Y: 0})
			marks.Labels = append(marks.Labels, fmt.Sprintf("<%d", w.doc.MinCell))
		}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err == nil {
		bars.Color = ink
		bars.LineStyle.Width = 0
		p.Add(bars)
	}
	if len(marks.XYs) > 0 {
		if l, err := plotter.NewLabels(marks); err == nil {
			sansLabels(l)
			p.Add(l)
		}
	}
	p.NominalX(names...)
	p.Y.Min = 0
	if p.Y.Max < float64(w.doc.MinCell) {
		p.Y.Max = float64(w.doc.MinCell)
	}
	p.Y.Tick.Marker = integerTicks{}
	return p
}

func (w *writer) plotDecisions() *plot.Plot {
	var names []string
	var figs []*Figure
	for _, f := range w.doc.Group("decisions.approved") {
		names = append(names, label(w.lang, "decision", f.Label))
		figs = append(figs, f)
	}
	return w.categories(w.t("chart.decisions"), names, figs)
}

func (w *writer) plotTimeseries() *plot.Plot {
	months := w.doc.Group("events.month")
	p := newPlot(w.t("chart.timeseries"))
	var names []string
	var run plotter.XYs
	var marks plotter.XYLabels
	flush := func() {
		if len(run) == 0 {
			return
		}
		if l, s, err := plotter.NewLinePoints(run); err == nil {
			l.Color, s.Color = ink, ink
			p.Add(l, s)
		}
		run = nil
	}
	for i, f := range months {
		names = append(names, w.monthName(f.Label))
		if f.Value == nil {
			flush()
			marks.XYs = append(marks.XYs, plotter.XY{X: float64(i), Y: 0})
			marks.Labels = append(marks.Labels, fmt.Sprintf("<%d", w.doc.MinCell))
			continue
		}
		run = append(run, plotter.XY{X: float64(i), Y: float64(*f.Value)})
	}
	flush()
	if len(marks.XYs) > 0 {
		if l, err := plotter.NewLabels(marks); err == nil {
			sansLabels(l)
			p.Add(l)
		}
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(months))-0.5
	p.Y.Min = 0
	if p.Y.Max < float64(w.doc.MinCell) {
		p.Y.Max = float64(w.doc.MinCell)
	}
	p.Y.Tick.Marker = integerTicks{}
	return p
}

func (w *writer) monthName(ym string) string {
	en := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	fr := []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	var y, m int
	if _, err := fmt.Sscanf(ym, "%d-%d", &y, &m); err != nil || m < 1 || m > 12 {
		return ym
	}
	if w.lang == "fr" {
		return fr[m-1]
	}
	return en[m-1]
}

// integerTicks marks whole numbers only: counts have no fractions.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Value == float64(int64(t.Value)) {
			out = append(out, t)
		} else if t.Label != "" {
			out = append(out, plot.Tick{Value: t.Value})
		} else {
			out = append(out, t)
		}
	}
	return out
}

// heatCells draws the risk grid: one square per country and capability,
// shaded by the highest tier, labelled with the count; hidden cells grey.
type heatCells struct {
	cells   []heatCell
	nx, ny  int
	label   text.Style
	minCell int
}

type heatCell struct {
	x, y  int
	rank  int
	shown bool
	text  string
}

func (h *heatCells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, cell := range h.cells {
		x0, x1 := trX(float64(cell.x)-0.48), trX(float64(cell.x)+0.48)
		y0, y1 := trY(float64(cell.y)-0.48), trY(float64(cell.y)+0.48)
		clr := color.Color(hidden)
		if cell.shown {
			clr = tierInk(cell.rank)
		}
		c.FillPolygon(clr, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.FillText(h.label, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, cell.text)
	}
}

func (h *heatCells) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(h.nx) - 0.5, -0.5, float64(h.ny) - 0.5
}

type swatch struct{ clr color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.clr, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

func (w *writer) plotHeatmap() (*plot.Plot, vg.Length, vg.Length) {
	p := newPlot(w.t("chart.heatmap"))
	figs := w.doc.Group("heat")
	xs, ys := map[string]int{}, map[string]int{}
	var countries, caps []string
	tiers := map[int]string{}
	for _, f := range figs {
		country, capability, _ := strings.Cut(f.Label, "|")
		if _, ok := xs[capability]; !ok {
			xs[capability] = 0
			caps = append(caps, capability)
		}
		if _, ok := ys[country]; !ok {
			ys[country] = 0
			countries = append(countries, country)
		}
		if f.Value != nil {
			tiers[f.TierRank] = f.Tier
		}
	}
	// Rows and columns come ranked, most relationships first; the first
	// row is drawn at the top.
	slices.Reverse(countries)
	for i, c := range caps {
		xs[c] = i
	}
	for i, c := range countries {
		ys[c] = i
	}
	lbl := p.X.Tick.Label
	lbl.XAlign, lbl.YAlign = draw.XCenter, draw.YCenter
	lbl.Font.Size = vg.Points(8)
	h := &heatCells{nx: len(caps) + 2, ny: len(countries), label: lbl, minCell: w.doc.MinCell}
	for _, f := range figs {
		country, capability, _ := strings.Cut(f.Label, "|")
		cell := heatCell{x: xs[capability], y: ys[country], shown: f.Value != nil, text: w.show(f)}
		if f.Value != nil {
			cell.rank = f.TierRank
		}
		h.cells = append(h.cells, cell)
	}
	p.Add(h)
	xt := make(plot.ConstantTicks, len(caps))
	for i, c := range caps {
		xt[i] = plot.Tick{Value: float64(i), Label: strings.ReplaceAll(c, "_", " ")}
	}
	yt := make(plot.ConstantTicks, len(countries))
	for i, c := range countries {
		if c == "other" {
			c = w.t("heat.other")
		}
		yt[i] = plot.Tick{Value: float64(i), Label: c}
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Tick.Label.Font.Size = vg.Points(8)
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	// The empty column on the right holds the legend.
	p.X.Min, p.X.Max = -0.5, float64(max(len(caps), 1))+1.5
	p.Y.Min, p.Y.Max = -0.5, float64(max(len(countries), 1))-0.5
	var ranks []int
	for r := range tiers {
		ranks = append(ranks, r)
	}
	sort.Ints(ranks)
	for _, r := range ranks {
		p.Legend.Add(tiers[r], swatch{tierInk(r)})
	}
	p.Legend.Add(fmt.Sprintf("<%d", w.doc.MinCell), swatch{hidden})
	p.Legend.Top = true
	wd := vg.Length(max(len(caps), 4)+2)*1.6*vg.Centimeter + 4*vg.Centimeter
	ht := vg.Length(max(len(countries), 3))*0.6*vg.Centimeter + 5*vg.Centimeter
	if wd > 17*vg.Centimeter {
		wd = 17 * vg.Centimeter
	}
	return p, wd, ht
}
