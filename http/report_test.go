package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"crypto/rand"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
	"io"
	"log/slog"
)

func init() {
	samples["GET /api/v1/reports/{period}"] = []sample{{path: "/api/v1/reports/2026"}}
	samples["GET /api/v1/reports/{period}/pdf"] = []sample{{path: "/api/v1/reports/2026-Q1/pdf?lang=fr"}}
	samples["GET /api/v1/reports/{period}/md"] = []sample{{path: "/api/v1/reports/2026/md?template=csddd"}}
	samples["GET /api/v1/reports/{period}/figures"] = []sample{{path: "/api/v1/reports/2026-01-01..2026-06-30/figures?min_cell=3"}}
}

// TestReportAPI renders the report of events the mounted log holds, in
// every format, and refuses bad parameters by name.
func TestReportAPI(t *testing.T) {
	logDir := t.TempDir()
	e := newEnv(t, Mount("/log/", tlog.Handler(logDir)))
	ctx := context.Background()
	// Other seeds may have written grievances of 2026 already; they are
	// logged with the fixture's.
	before := 0
	all, err := e.store.ListEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range all {
		if ev.Type == vigil.EventGrievanceReceived && ev.Time.Year() == 2026 {
			before++
		}
	}
	var evs []*vigil.Event
	for i := 0; i < 6; i++ {
		ev, err := vigil.NewEvent(vigil.EventGrievanceReceived, "grievances/G1", "tester", time.Date(2026, 3, 1, i, 0, 0, 0, time.UTC), map[string]string{"channel": "web"})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if err := e.store.RecordEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, "vigil.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := tlog.Open(ctx, tlog.Config{Dir: logDir, Signer: signer, CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlog.NewRelay(e.store, l, tlog.RelayConfig{Logger: quiet}).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// An event after the checkpoint does not count.
	late, _ := vigil.NewEvent(vigil.EventGrievanceReceived, "grievances/G2", "tester", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), map[string]string{})
	if err := e.store.RecordEvent(ctx, late); err != nil {
		t.Fatal(err)
	}

	res := e.do(t, "auditor", "GET", "/api/v1/reports/2026/figures", "")
	if res.status != http.StatusOK {
		t.Fatalf("json: %d %s", res.status, res.body)
	}
	var doc report.Document
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Checkpoint == nil || doc.Checkpoint.Origin != "vigil.test/log" || doc.Checkpoint.Size == 0 {
		t.Fatalf("checkpoint = %+v", doc.Checkpoint)
	}
	if f := doc.Figure("grievances.received"); f == nil || f.Value == nil || *f.Value != int64(6+before) {
		t.Fatalf("grievances.received = %+v, want %d", f, 6+before)
	}
	for _, c := range []struct{ query, ctype, want string }{
		{"2026", "text/html", "Human-rights due-diligence report 2026"},
		{"2026-Q1?lang=fr&template=csddd", "text/html", "Déclaration annuelle"},
		{"2026/md?lang=fr", "text/markdown", "# Rapport de diligence"},
		{"2026/pdf", "application/pdf", "%PDF-"},
	} {
		res := e.do(t, "analyst", "GET", "/api/v1/reports/"+c.query, "")
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), c.ctype) || !strings.Contains(string(res.body), c.want) {
			t.Errorf("%s: %d %s %.200s", c.query, res.status, res.header.Get("Content-Type"), res.body)
		}
	}
	for _, c := range []struct{ query, field string }{
		{"2026-Q7", "period"}, {"2026?template=memo", "template"}, {"2026/figures?lang=fr", "lang"},
		{"2026?lang=de", "lang"}, {"2026/pdf?min_cell=0", "min_cell"}, {"2026?colour=red", "colour"},
	} {
		res := e.do(t, "analyst", "GET", "/api/v1/reports/"+c.query, "")
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), c.field) {
			t.Errorf("%q: %d %s", c.query, res.status, res.body)
		}
	}
}
