package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"github.com/vigil-hrdd/vigil"
)

// Formats a report is written in.
var Formats = []string{"html", "md", "pdf"}

//go:embed templates
var templateFS embed.FS

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("report.html.tmpl").Funcs(htmltemplate.FuncMap{
		// The SVG is drawn by this package from figures only; it holds no
		// user input to escape.
		"svg": func(b []byte) htmltemplate.HTML { return htmltemplate.HTML(b) },
	}).ParseFS(templateFS, "templates/report.html.tmpl"))
	mdTmpl = texttemplate.Must(texttemplate.New("report.md.tmpl").Funcs(texttemplate.FuncMap{
		"md":   mdEscape,
		"cell": func(s string) string { return strings.ReplaceAll(mdEscape(s), "|", `\|`) },
	}).ParseFS(templateFS, "templates/report.md.tmpl"))
)

// mdEscape keeps data from being read as Markdown markup.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", `\<`, "[", `\[`, "]", `\]`).Replace(s)
}

// Encode is the figures document as written to report.json: indented
// JSON, the exact bytes the HTML embeds.
func Encode(doc *Document) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: encode figures: %w", err)
	}
	return append(b, '\n'), nil
}

// Rendering is one report in one language and format.
type Rendering struct {
	Lang, Template, Format string
	Body                   []byte
	// Files are the charts a Markdown report links to, by file name.
	Files map[string][]byte
}

// Render writes the report in a language, under a template, in a format.
func Render(doc *Document, tmpl, lang, format string) (*Rendering, error) {
	if lang != "en" && lang != "fr" {
		return nil, vigil.FieldError("lang", "%q: want en or fr", lang)
	}
	c, err := layout(doc, tmpl, lang)
	if err != nil {
		return nil, err
	}
	w, err := newWriter(doc, lang)
	if err != nil {
		return nil, err
	}
	charts, err := w.charts()
	if err != nil {
		return nil, err
	}
	figs, err := Encode(doc)
	if err != nil {
		return nil, err
	}
	r := &Rendering{Lang: lang, Template: tmpl, Format: format}
	data := struct {
		C       *content
		Lang    string
		Charts  map[string]*chart
		Figures htmltemplate.JS
	}{c, lang, charts, htmltemplate.JS(figs)}
	var buf bytes.Buffer
	switch format {
	case "html":
		err = htmlTmpl.Execute(&buf, data)
	case "md":
		err = mdTmpl.Execute(&buf, data)
		r.Files = map[string][]byte{}
		for id, ch := range charts {
			r.Files["chart-"+id+"."+lang+".svg"] = ch.SVG
		}
	case "pdf":
		err = writePDF(&buf, c, charts)
	default:
		return nil, vigil.FieldError("format", "%q: want html, md or pdf", format)
	}
	if err != nil {
		return nil, fmt.Errorf("report: render %s %s: %w", format, lang, err)
	}
	r.Body = buf.Bytes()
	return r, nil
}

// FileName is where a rendering goes in a report directory:
// report.en.html, statement.fr.pdf...
func FileName(tmpl, lang, format string) string {
	base := "report"
	if tmpl == TemplateCSDDD {
		base = "statement"
	}
	return base + "." + lang + "." + format
}

// FiguresFile is the name of the figures document in a report directory.
const FiguresFile = "report.json"

// WriteDir writes report.json and every rendering into dir, each file
// complete or not at all (written to a temporary name, then renamed). It
// returns the SHA-256 of report.json.
func WriteDir(dir string, doc *Document, renderings []*Rendering) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	figs, err := Encode(doc)
	if err != nil {
		return "", err
	}
	files := map[string][]byte{FiguresFile: figs}
	for _, r := range renderings {
		files[FileName(r.Template, r.Lang, r.Format)] = r.Body
		for name, b := range r.Files {
			files[name] = b
		}
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return "", fmt.Errorf("report: write %s: %w", p, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			return "", fmt.Errorf("report: write %s: %w", p, err)
		}
	}
	sum := sha256.Sum256(figs)
	return hex.EncodeToString(sum[:]), nil
}
