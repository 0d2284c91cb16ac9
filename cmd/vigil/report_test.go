package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// TestReportCommands runs the whole path an operator and an auditor take:
// events in the outbox, 'vigil log flush', 'vigil report' in every
// template, language and format, 'vigil report verify' with and without the
// auditor's events, and the failures on an altered figure and an altered
// event.
func TestReportCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "v.db")
	db := "sqlite:" + dbPath
	t.Setenv("VIGIL_LOG_PASSPHRASE", "test passphrase")
	if out, code := run(t, "--db", db, "--data-dir", dir, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*vigil.Event
	add := func(typ string, n int, when string, payload map[string]any) {
		for i := 0; i < n; i++ {
			tm, _ := time.Parse(time.RFC3339, when)
			ev, err := vigil.NewEvent(typ, fmt.Sprintf("cases/K%d", len(evs)), "tester", tm.Add(time.Duration(i)*time.Hour), payload)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}
	}
	add("decision.suspend.approved", 6, "2026-03-01T00:00:00Z", map[string]any{"countries": []string{"NL"}, "sectors": []string{"police"}})
	add("decision.engage.approved", 2, "2026-04-01T00:00:00Z", map[string]any{"countries": []string{"LU"}, "sectors": []string{"telecom"}})
	add("decision.condition.approved", 5, "2026-04-02T00:00:00Z", map[string]any{"countries": []string{"LU"}, "sectors": []string{"telecom"}})
	add("grievance.received", 7, "2026-05-01T00:00:00Z", map[string]any{"channel": "web"})
	add("grievance.closed", 5, "2026-06-01T00:00:00Z", map[string]any{"outcome": "upheld", "led_to_action": true})
	if err := s.RecordEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if out, code := run(t, "--db", db, "--data-dir", dir, "log", "flush"); code != 0 {
		t.Fatalf("flush: %d %s", code, out)
	}

	rep := filepath.Join(dir, "report-2026")
	out, code := run(t, "--db", db, "--data-dir", dir, "report", "--period", "2026", "--lang", "en,fr", "--format", "html,md,pdf", "--template", "ungp,csddd", "--out", rep)
	if code != 0 {
		t.Fatalf("report: %d %s", code, out)
	}
	for _, name := range []string{"report.en.html", "report.fr.pdf", "statement.fr.md", "statement.en.pdf", "report.json", "chart-heatmap.en.svg"} {
		if _, err := os.Stat(filepath.Join(rep, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	doc, raw, err := report.ReadDocument(rep)
	if err != nil {
		t.Fatal(err)
	}
	if f := doc.Figure("decisions.approved.suspend"); f.Value == nil || *f.Value != 6 {
		t.Errorf("suspend = %+v", f)
	}
	if f := doc.Figure("decisions.approved.engage"); f.Value != nil || f.Suppressed != report.SuppressedSmall {
		t.Errorf("engage = %+v, want it suppressed", f)
	}
	if f := doc.Figure("decisions.approved.condition"); f.Value != nil || f.Suppressed != report.SuppressedComplementary {
		t.Errorf("condition = %+v, want it suppressed as the complement", f)
	}
	// The publication is an event.
	s, err = sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingEvents(ctx, 10)
	s.Close()
	if err != nil || len(pending) != 1 || pending[0].Type != vigil.EventReportPublished || !strings.Contains(string(pending[0].Payload), `"figures_sha256"`) {
		t.Fatalf("pending after report = %v %+v", err, pending)
	}

	out, code = run(t, "--db", db, "--data-dir", dir, "report", "verify", rep)
	if code != 0 || !strings.HasPrefix(out, "OK: ") {
		t.Fatalf("verify: %d %s", code, out)
	}
	events := filepath.Join(dir, "events.jsonl")
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "events", "--period", "2026", "--out", events)
	if code != 0 || !strings.HasPrefix(out, "18 events written") {
		t.Fatalf("events: %d %s", code, out)
	}
	// The log grew after the report (the publication event); verification
	// still reads it as it stood at the report's checkpoint.
	if out, code := run(t, "--db", db, "--data-dir", dir, "log", "flush"); code != 0 {
		t.Fatalf("flush: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "verify", rep, "--log", filepath.Join(dir, "log"), "--events", events)
	if code != 0 || !strings.Contains(out, "18 events checked") {
		t.Fatalf("verify --events: %d %s", code, out)
	}

	// An altered figure.
	var d report.Document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	*d.Figure("grievances.received").Value = 70
	altered, _ := report.Encode(&d)
	if err := os.WriteFile(filepath.Join(rep, report.FiguresFile), altered, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "verify", rep)
	if code != exitError || !strings.Contains(out, "FAIL grievances.received: the report says 70, the record gives 7") {
		t.Fatalf("verify altered: %d %s", code, out)
	}
	if err := os.WriteFile(filepath.Join(rep, report.FiguresFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	// An altered event in the export.
	b, _ := os.ReadFile(events)
	if err := os.WriteFile(events, bytes.Replace(b, []byte(`"led_to_action":true`), []byte(`"led_to_action":false`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "verify", rep, "--events", events)
	if code != exitError || !strings.Contains(out, "FAIL event ") {
		t.Fatalf("verify tampered events: %d %s", code, out)
	}
	// Bad flags name the flag.
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "--period", "2026-Q9", "--out", rep)
	if code != exitUsage || !strings.Contains(out, "--period") {
		t.Fatalf("bad period: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "--data-dir", dir, "report", "--period", "2026", "--format", "docx", "--out", rep)
	if code != exitUsage || !strings.Contains(out, "--format") {
		t.Fatalf("bad format: %d %s", code, out)
	}
}
