package report_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/storetest"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

func openSQLite(t *testing.T) store {
	s := storetest.OpenSQLite(t)
	t.Cleanup(func() { s.Close() })
	return s.(store)
}

func build(t *testing.T, f *fixture, min int) *report.Document {
	t.Helper()
	p, err := report.ParsePeriod("2026")
	must(t, err)
	doc, err := report.Build(context.Background(), f.s, report.Options{Period: p, MinCell: min, Checkpoint: f.cp, Now: at("2026-12-05T08:00:00Z")})
	must(t, err)
	return doc
}

// hidden marks a figure the report must show as "<5" with no value.
const hidden = -1

// expected holds the figures of the small portfolio, computed by hand from
// fixtureEvents and writePortfolio; -1 is suppressed (small or
// complementary, named in suppressedAs).
var expected = map[string]int64{
	"decisions.approved.engage": 6, "decisions.approved.condition": 7, "decisions.approved.restrict": hidden,
	"decisions.approved.suspend": hidden, "decisions.approved.terminate": 0, "decisions.approved.total": 20,
	"decisions.rejected": hidden,
	"enforcement.queued": 7, "enforcement.confirmed": 5, "enforcement.failed": 0, "enforcement.verified": 5, "enforcement.unverified": hidden,
	"enforcement.verified.suspend": 5, "enforcement.verified.restrict": 0, "enforcement.verified.terminate": 0,
	"grievances.received": 9, "grievances.acknowledged": 7, "grievances.acknowledged_late": hidden, "grievances.answered": 6,
	"grievances.answered_late": 0, "grievances.closed": 5, "grievances.led_to_action": hidden,
	"engagement.recorded": 0, "engagement.promised": 6, "engagement.kept": 5, "engagement.kept_late": 0, "engagement.overdue": hidden,
	"cases.opened": 0, "screening.runs": 0, "assessments.tier_changed": 0,
	"previous.decisions.approved.engage": hidden, "previous.decisions.approved.condition": hidden, "previous.decisions.approved.total": 11,
	"previous.decisions.approved.restrict": 0, "previous.grievances.received": hidden,
	"events.month.2026-01": 0, "events.month.2026-02": 12, "events.month.2026-03": 13, "events.month.2026-04": 18,
	"events.month.2026-05": 17, "events.month.2026-06": 24, "events.month.2026-07": hidden, "events.month.2026-08": 0,
	"events.month.2026-12":          hidden,
	"decisions.approved.country.NL": hidden, "decisions.approved.country.LU": 12, "decisions.approved.country.BE-VLG": hidden,
	"decisions.approved.sector.telecom": 6, "decisions.approved.sector.military": 9, "decisions.approved.sector.police": 7,
	"relationships.total": 15, "relationships.context.active_armed_conflict": 7, "relationships.context.occupation": hidden,
	"relationships.context.post_conflict": 0, "relationships.context.none": hidden, "relationships.high_risk": 7,
	"relationships.sector.military": 7, "relationships.sector.telecom": 6, "relationships.sector.police": hidden, "relationships.sector.health": hidden,
	"flags.conflict-area": 9, "flags.security-body-in-conflict": 7, "rights.life": 9, "rights.privacy": 7,
	"heat.NL.compute": 7, "heat.NL.face_recognition": 7, "heat.BE-VLG.compute": hidden, "heat.LU.face_recognition": 6,
}

var suppressedAs = map[string]string{
	"decisions.approved.restrict": report.SuppressedSmall, "decisions.approved.suspend": report.SuppressedComplementary,
	"previous.decisions.approved.engage": report.SuppressedSmall, "previous.decisions.approved.condition": report.SuppressedComplementary,
	"decisions.approved.country.BE-VLG": report.SuppressedSmall, "decisions.approved.country.NL": report.SuppressedComplementary,
	"relationships.context.occupation": report.SuppressedSmall, "relationships.context.none": report.SuppressedComplementary,
}

func checkFigures(t *testing.T, doc *report.Document) {
	t.Helper()
	for id, want := range expected {
		f := doc.Figure(id)
		if f == nil {
			t.Errorf("figure %s missing", id)
			continue
		}
		switch {
		case want == hidden && f.Value != nil:
			t.Errorf("%s = %d, want it suppressed", id, *f.Value)
		case want == hidden && suppressedAs[id] != "" && f.Suppressed != suppressedAs[id]:
			t.Errorf("%s suppressed as %q, want %q", id, f.Suppressed, suppressedAs[id])
		case want != hidden && f.Value == nil:
			t.Errorf("%s suppressed (%s), want %d", id, f.Suppressed, want)
		case want != hidden && *f.Value != want:
			t.Errorf("%s = %d, want %d", id, *f.Value, want)
		}
	}
	if f := doc.Figure("decisions.approved.country.XX"); f != nil {
		t.Errorf("unexpected country figure %+v", f)
	}
	if f := doc.Figure("heat.BE-VLG.compute"); f.Tier != "" || f.TierRank != 0 {
		t.Errorf("a hidden heat cell shows its tier: %+v", f)
	}
	if f := doc.Figure("heat.NL.compute"); f.Tier != "critical" || f.TierRank != 3 {
		t.Errorf("heat.NL.compute tier = %q/%d", f.Tier, f.TierRank)
	}
	if doc.Checkpoint == nil || doc.Checkpoint.Size == 0 {
		t.Errorf("no checkpoint: %+v", doc.Checkpoint)
	}
}

func TestFiguresSQLite(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	checkFigures(t, build(t, f, 5))
}

func TestFiguresPostgres(t *testing.T) {
	s := pgtest.Open(t, "report")
	f := newFixture(t, s)
	checkFigures(t, build(t, f, 5))
}

// A smaller minimum shows the small counts; a larger hides more.
func TestMinCell(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	doc := build(t, f, 2)
	for id, want := range map[string]int64{"decisions.approved.restrict": 2, "decisions.approved.suspend": 5, "relationships.context.occupation": 2, "events.month.2026-07": hidden} {
		fig := doc.Figure(id)
		if want == hidden {
			if fig.Value != nil || fig.Suppressed != report.SuppressedSmall {
				t.Errorf("min 2: %s = %+v, want suppressed", id, fig)
			}
			continue
		}
		if fig.Value == nil || *fig.Value != want {
			t.Errorf("min 2: %s = %+v, want %d", id, fig, want)
		}
	}
	doc = build(t, f, 10)
	if fig := doc.Figure("decisions.approved.total"); fig.Value == nil || *fig.Value != 20 {
		t.Errorf("min 10: total = %+v", fig)
	}
	for _, id := range []string{"decisions.approved.engage", "decisions.approved.condition", "decisions.approved.suspend"} {
		if fig := doc.Figure(id); fig.Value != nil {
			t.Errorf("min 10: %s shown", id)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ in, from, to, prev string }{
		{"2026", "2026-01-01", "2027-01-01", "2025"},
		{"2026-Q3", "2026-07-01", "2026-10-01", "2026-Q2"},
		{"2026-Q1", "2026-01-01", "2026-04-01", "2025-Q4"},
		{"2026-03-01..2026-03-10", "2026-03-01", "2026-03-11", "2026-02-19..2026-02-28"},
	} {
		p, err := report.ParsePeriod(c.in)
		must(t, err)
		if got := p.From.Format(time.DateOnly) + " " + p.To.Format(time.DateOnly); got != c.from+" "+c.to {
			t.Errorf("%s = %s", c.in, got)
		}
		if got := p.Previous().Label; got != c.prev {
			t.Errorf("%s previous = %s, want %s", c.in, got, c.prev)
		}
	}
	for _, bad := range []string{"", "26", "2026-Q5", "2026-13-01..2026-12-01", "2026-02-01..2026-01-01", "last year"} {
		if _, err := report.ParsePeriod(bad); err == nil || !strings.Contains(err.Error(), "period") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// renderAll writes every template, language and format into dir.
func renderAll(t *testing.T, doc *report.Document, dir string) []*report.Rendering {
	t.Helper()
	var rs []*report.Rendering
	for _, tmpl := range report.Templates {
		for _, lang := range report.Languages {
			for _, format := range report.Formats {
				r, err := report.Render(doc, tmpl, lang, format)
				if err != nil {
					t.Fatalf("%s %s %s: %v", tmpl, lang, format, err)
				}
				if len(r.Body) < 1000 {
					t.Fatalf("%s %s %s: %d bytes", tmpl, lang, format, len(r.Body))
				}
				rs = append(rs, r)
			}
		}
	}
	if _, err := report.WriteDir(dir, doc, rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRenderAndSuppressionInEveryFormat(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	doc := build(t, f, 5)
	dir := t.TempDir()
	renderAll(t, doc, dir)
	raw, err := os.ReadFile(filepath.Join(dir, report.FiguresFile))
	must(t, err)
	// The figures document never holds a suppressed value.
	var generic struct {
		Figures []map[string]any `json:"figures"`
	}
	must(t, json.Unmarshal(raw, &generic))
	for _, fig := range generic.Figures {
		if fig["suppressed"] != nil && fig["value"] != nil {
			t.Errorf("figure %v holds its suppressed value", fig["id"])
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.en.html"))
	must(t, err)
	if !bytes.Contains(html, raw) {
		t.Error("the HTML does not embed report.json verbatim")
	}
	for _, want := range []string{
		`<th scope="row">Restrict</th><td>&lt;5</td>`,   // small
		`<th scope="row">Suspend</th><td>&lt;5</td>`,    // its complement
		`<th scope="row">Occupation</th><td>&lt;5</td>`, // small snapshot cell
		`<th scope="row">Right to life</th><td>9</td>`,  // a salient issue
		`<th scope="row">Approved decisions</th><td>20</td><td>11</td><td>&#43;9</td>`,
		"<svg", "Part C", "C6 — Remediation",
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.en.html lacks %q", want)
		}
	}
	fr, err := os.ReadFile(filepath.Join(dir, "report.fr.html"))
	must(t, err)
	for _, want := range []string{`lang="fr"`, "Partie A — Gouvernance", `<th scope="row">Restreindre</th><td>&lt;5</td>`, "1er janvier 2026", "Droit à la vie"} {
		if !strings.Contains(string(fr), want) {
			t.Errorf("report.fr.html lacks %q", want)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "statement.fr.md"))
	must(t, err)
	for _, want := range []string{"| Restreindre | \\<5 |", "# Déclaration annuelle", "chart-decisions.fr.svg"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("statement.fr.md lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "chart-heatmap.fr.svg")); err != nil {
		t.Error(err)
	}
	checkPDF(t, filepath.Join(dir, "report.en.pdf"), 4)
	checkPDF(t, filepath.Join(dir, "statement.fr.pdf"), 3)
}

func verifyDir(t *testing.T, f *fixture, dir string, events []byte) *report.Result {
	t.Helper()
	fe, err := tlog.NewFetcher(f.logDir, nil)
	must(t, err)
	var r *bytes.Reader
	if events != nil {
		r = bytes.NewReader(events)
	}
	var res *report.Result
	if r == nil {
		res, err = report.Verify(context.Background(), dir, fe, f.verifier, nil)
	} else {
		res, err = report.Verify(context.Background(), dir, fe, f.verifier, r)
	}
	must(t, err)
	return res
}

func hasProblem(res *report.Result, figure, expected, found string) bool {
	for _, p := range res.Problems {
		if p.Figure == figure && strings.Contains(p.Expected, expected) && strings.Contains(p.Found, found) {
			return true
		}
	}
	return false
}

func TestVerify(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	doc := build(t, f, 5)
	dir := t.TempDir()
	renderAll(t, doc, dir)
	p, _ := report.ParsePeriod("2026")
	var export bytes.Buffer
	n, err := report.ExportEvents(context.Background(), f.s, p, &export)
	must(t, err)
	// Approved decisions of 2026 and 2025 and closed grievances, logged:
	// 6+7+2+4+1 (the 2027 one is outside) + 3+8 + 5; the late event after
	// the checkpoint is not logged.
	if n != 36 {
		t.Errorf("exported %d events, want 36", n)
	}

	res := verifyDir(t, f, dir, export.Bytes())
	if !res.OK() {
		t.Fatalf("unaltered report does not verify: %v", res.Problems)
	}
	if res.EventsChecked != 36 || res.Checked < 40 {
		t.Errorf("checked %d figures and %d events", res.Checked, res.EventsChecked)
	}

	// An altered figure in report.json.
	raw, err := os.ReadFile(filepath.Join(dir, report.FiguresFile))
	must(t, err)
	altered := bytes.Replace(raw, []byte(`"id": "grievances.received",`), []byte(`"id": "grievances.received", "x": 1,`), 1)
	var d report.Document
	must(t, json.Unmarshal(raw, &d))
	*d.Figure("grievances.received").Value = 12
	altered, err = report.Encode(&d)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, report.FiguresFile), altered, 0o644))
	res = verifyDir(t, f, dir, nil)
	if !hasProblem(res, "grievances.received", "12", "9") {
		t.Errorf("altered figure not caught: %v", res.Problems)
	}
	if !hasProblem(res, "report.en.html", "figures", "different") {
		t.Errorf("HTML no longer matching report.json not caught: %v", res.Problems)
	}
	// A figure claimed hidden that is not small.
	*d.Figure("grievances.received").Value = 9
	d.Figure("cases.closed").Suppressed = report.SuppressedSmall
	d.Figure("cases.closed").Value = nil
	altered, err = report.Encode(&d)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, report.FiguresFile), altered, 0o644))
	res = verifyDir(t, f, dir, nil)
	if !hasProblem(res, "cases.closed", "<5", "0") {
		t.Errorf("false suppression not caught: %v", res.Problems)
	}
	must(t, os.WriteFile(filepath.Join(dir, report.FiguresFile), raw, 0o644))

	// A tampered events export: one decision moved to another country.
	lines := bytes.Split(bytes.TrimSpace(export.Bytes()), []byte("\n"))
	tampered := bytes.Join(append([][]byte{bytes.Replace(lines[0], []byte(`["NL"]`), []byte(`["LU"]`), 1)}, lines[1:]...), []byte("\n"))
	if bytes.Equal(tampered, bytes.TrimSpace(export.Bytes())) {
		t.Fatalf("the test did not tamper with %s", lines[0])
	}
	res = verifyDir(t, f, dir, tampered)
	if len(res.Problems) == 0 || !strings.HasPrefix(res.Problems[0].Figure, "event ") || !strings.Contains(res.Problems[0].Found, "hash to") {
		t.Errorf("tampered event not caught: %v", res.Problems)
	}
	// An export that leaves an event out.
	res = verifyDir(t, f, dir, bytes.Join(lines[1:], []byte("\n")))
	if !hasProblem(res, "events export", "every event", "1 missing") {
		t.Errorf("missing event not caught: %v", res.Problems)
	}
}

// TestVerifyAfterTheLogGrew verifies a report against a log that grew past
// a whole tile since: the events after the checkpoint do not count, and the
// partial tile and bundle the checkpoint implies are cut from the full
// ones when the partial files are gone.
func TestVerifyAfterTheLogGrew(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	doc := build(t, f, 5)
	dir := t.TempDir()
	rs := []*report.Rendering{}
	r, err := report.Render(doc, report.TemplateUNGP, "en", "html")
	must(t, err)
	rs = append(rs, r)
	_, err = report.WriteDir(dir, doc, rs)
	must(t, err)
	writeEvents(t, f.s, []evSpec{{typ: vigil.EventGrievanceReceived, n: 300, when: "2026-10-01T00:00:00Z"}})
	flush(t, f.s, f.logDir, f.signer)
	partials, err := filepath.Glob(filepath.Join(f.logDir, "tile", "*", "000.p"))
	must(t, err)
	if len(partials) < 2 {
		t.Fatalf("no partial tiles to remove: %v", partials)
	}
	for _, p := range partials {
		must(t, os.RemoveAll(p))
	}
	res := verifyDir(t, f, dir, nil)
	if !res.OK() {
		t.Fatalf("report at the old checkpoint does not verify: %v", res.Problems)
	}
}

// TestVerifyOverHTTP reads the log as an outside verifier does, from its
// published URL.
func TestVerifyOverHTTP(t *testing.T) {
	f := newFixture(t, openSQLite(t))
	doc := build(t, f, 5)
	dir := t.TempDir()
	_, err := report.WriteDir(dir, doc, nil)
	must(t, err)
	srv := httptest.NewServer(tlog.Handler(f.logDir))
	defer srv.Close()
	fe, err := tlog.NewFetcher(srv.URL+"/log/", nil)
	must(t, err)
	res, err := report.Verify(context.Background(), dir, fe, f.verifier, nil)
	must(t, err)
	if !res.OK() || res.Checked < 40 {
		t.Fatalf("verify over HTTP: %d checked, %v", res.Checked, res.Problems)
	}
	// A checkpoint signed by another key is refused outright.
	_, other, err := note.GenerateKey(rand.Reader, "vigil.test/log")
	must(t, err)
	ov, err := note.NewVerifier(other)
	must(t, err)
	if _, err := report.Verify(context.Background(), dir, fe, ov, nil); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("a checkpoint under another key: err = %v", err)
	}
}
