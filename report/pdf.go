package report

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
)

// The PDF is laid out with fpdf (pure Go) in Liberation Sans, the font
// the charts are drawn in, embedded as a UTF-8 TrueType font so that French
// text needs nothing from the system.
const (
	pdfMargin = 15.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfFont   = "LiberationSans"
)

// pdfText keeps to glyphs the embedded font has: the narrow no-break space
// French groups digits with becomes a no-break space.
func pdfText(s string) string { return strings.ReplaceAll(s, "\u202f", "\u00a0") }

func writePDF(out io.Writer, c *content, charts map[string]*chart) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(pdfFont, "", liberationsansregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFont, "B", liberationsansbold.TTF)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin)
	pdf.SetTitle(c.Title, true)
	pdf.SetCreator("Vigil", true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont(pdfFont, "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, pdfText(c.Title), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, strconv.Itoa(pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont(pdfFont, "B", 18)
	pdf.MultiCell(0, 8, pdfText(c.Title), "", "L", false)
	pdf.SetFont(pdfFont, "", 11)
	pdf.SetTextColor(80, 80, 80)
	pdf.MultiCell(0, 6, pdfText(c.Subtitle), "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(3)
	para := func(s string) {
		pdf.SetFont(pdfFont, "", 10)
		pdf.MultiCell(0, 5, pdfText(s), "", "L", false)
		pdf.Ln(2)
	}
	for _, p := range c.Intro {
		para(p)
	}
	for _, s := range c.Sections {
		if pdf.GetY() > 250 {
			pdf.AddPage()
		}
		pdf.Ln(3)
		if s.Sub {
			pdf.SetFont(pdfFont, "B", 11.5)
		} else {
			pdf.SetFont(pdfFont, "B", 14)
			pdf.SetTextColor(31, 78, 121)
		}
		pdf.MultiCell(0, 6.5, pdfText(s.Title), "", "L", false)
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(1)
		for _, p := range s.Paras {
			para(p)
		}
		if s.Code != "" {
			pdf.SetFont("Courier", "", 8.5)
			pdf.SetFillColor(244, 244, 244)
			pdf.MultiCell(0, 5, s.Code, "", "L", true)
			pdf.Ln(2)
		}
		for _, t := range s.Tables {
			pdfTable(pdf, t)
		}
		for _, id := range s.Charts {
			ch := charts[id]
			if ch == nil {
				continue
			}
			const ptToMM = 25.4 / 72
			w, h := float64(ch.Width)*ptToMM, float64(ch.Height)*ptToMM
			if w > pdfWidth {
				h, w = h*pdfWidth/w, pdfWidth
			}
			if maxH := 297 - 2*pdfMargin - 12; h > maxH {
				w, h = w*maxH/h, maxH
			}
			if pdf.GetY()+h+10 > 297-pdfMargin {
				pdf.AddPage()
			}
			name := "chart-" + id
			pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(ch.PNG))
			pdf.ImageOptions(name, pdfMargin, pdf.GetY(), w, h, true, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			pdf.SetFont(pdfFont, "", 8.5)
			pdf.SetTextColor(90, 90, 90)
			pdf.MultiCell(0, 4.5, pdfText(ch.Title+" — "+ch.Note), "", "L", false)
			pdf.SetTextColor(0, 0, 0)
			pdf.Ln(2)
		}
	}
	return pdf.Output(out)
}

func pdfTable(pdf *fpdf.Fpdf, t table) {
	if t.Caption != "" {
		pdf.SetFont(pdfFont, "", 9.5)
		pdf.MultiCell(0, 5, pdfText(t.Caption), "", "L", false)
	}
	n := len(t.Head)
	if n == 0 {
		return
	}
	first := pdfWidth * 0.5
	if n == 2 {
		first = pdfWidth * 0.62
	}
	rest := 0.0
	if n > 1 {
		rest = (pdfWidth - first) / float64(n-1)
	}
	widths := make([]float64, n)
	for i := range widths {
		widths[i] = rest
	}
	widths[0] = first
	row := func(cells []string, bold bool) {
		if pdf.GetY() > 297-pdfMargin-8 {
			pdf.AddPage()
		}
		style := ""
		if bold {
			style = "B"
			pdf.SetFillColor(238, 243, 248)
		}
		pdf.SetFont(pdfFont, style, 8.5)
		for i, c := range cells {
			if i >= n {
				break
			}
			align := "R"
			if i == 0 {
				align = "L"
			}
			txt := pdfText(c)
			for pdf.GetStringWidth(txt) > widths[i]-2 && len([]rune(txt)) > 4 {
				r := []rune(txt)
				txt = string(r[:len(r)-2]) + "…"
			}
			pdf.CellFormat(widths[i], 5.5, txt, "1", 0, align, bold, 0, "")
		}
		pdf.Ln(-1)
	}
	row(t.Head, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	pdf.Ln(3)
}
