// Package report writes Vigil's public transparency report and the
// directive-style annual due-diligence statement (UNGP 21, UNGP Reporting
// Framework, CSDDD article 16) from the portfolio, the assessments and the
// outbox events, in English or French, as HTML, Markdown or PDF with charts.
//
// Every report carries a machine-readable figures document (report.json,
// also embedded in the HTML) naming the proof-log checkpoint it was computed
// at and, for each figure, its definition and value. Figures that count
// event types over a period are re-derived by anyone from the public log
// (Verify); figures broken down by country or sector are re-derived by an
// auditor given the events and their salts (ExportEvents, Verify with
// events). Counts below a minimum are suppressed, with their complements, so
// that no customer can be re-identified from a figure.
package report
