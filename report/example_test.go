package report_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/tlog"
)

// TestExampleReportVerifies keeps the example linked from the README
// honest: it must verify against the copy of the log it was computed at,
// with the auditor's events. docs/example-report/generate.sh rebuilds both.
func TestExampleReportVerifies(t *testing.T) {
	dir := filepath.Join("..", "docs", "example-report")
	if _, err := os.Stat(filepath.Join(dir, report.FiguresFile)); err != nil {
		t.Fatalf("the example report is missing (run sh docs/example-report/generate.sh): %v", err)
	}
	f, err := tlog.NewFetcher(filepath.Join(dir, "log"), nil)
	must(t, err)
	v, err := tlog.ParseVerifier(filepath.Join(dir, "log-key.pub"))
	if err != nil {
		t.Fatalf("%v (run sh docs/example-report/generate.sh)", err)
	}
	events, err := os.Open(filepath.Join(dir, "auditor-events-2026.jsonl"))
	must(t, err)
	defer events.Close()
	res, err := report.Verify(context.Background(), dir, f, v, events)
	if err != nil {
		t.Fatalf("the example report does not verify (run sh docs/example-report/generate.sh): %v", err)
	}
	if !res.OK() || res.Checked == 0 {
		t.Fatalf("the example report does not verify: %v", res.Problems)
	}
}
