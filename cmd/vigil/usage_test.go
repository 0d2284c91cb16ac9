package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a year of demo usage")
	}
	dir := t.TempDir()
	pf := filepath.Join(dir, "portfolio")
	db := "sqlite:" + filepath.Join(dir, "v.db")
	t.Setenv("VIGIL_LOG_PASSPHRASE", "test passphrase")
	if out, code := run(t, "demo", "generate", "--parties", "800", "--seed", "3", "--out", pf); code != 0 {
		t.Fatalf("demo generate: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "--data-dir", dir, "import", "all", pf); code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	out, code := run(t, "usage", "generate", "--portfolio", pf, "--seed", "3")
	if code != 0 || !strings.Contains(out, "escalations:") {
		t.Fatalf("usage generate: %d %s", code, out)
	}
	usageFile := filepath.Join(pf, "usage.jsonl")
	out, code = run(t, "--db", db, "usage", "ingest", usageFile)
	if code != 0 || !strings.Contains(out, "signals as of 2026-06-30") || !strings.Contains(out, "volume-above-threshold") {
		t.Fatalf("usage ingest: %d %s", code, out)
	}
	// Again: nothing new, no new signal.
	out, code = run(t, "--db", db, "usage", "ingest", usageFile)
	if code != 0 || !strings.Contains(out, " 0 new") || !strings.Contains(out, "fired, 0 new") {
		t.Fatalf("usage ingest again: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "-o", "csv", "signals", "--severity", "high")
	if code != 0 || !strings.HasPrefix(out, "id,as_of,severity,rule") || strings.Count(out, "\n") < 3 {
		t.Fatalf("signals: %d %s", code, out)
	}
	id := strings.Split(strings.Split(out, "\n")[1], ",")[0]
	out, code = run(t, "--db", db, "signals", "get", id)
	if code != 0 || !strings.Contains(out, `"facts"`) {
		t.Fatalf("signals get: %d %s", code, out)
	}
	// The privacy line: a column beyond the schema is refused with exit
	// code 3, file, line and field.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("key,subscription_id,meter,quantity,unit,period_start,period_end,region,file_name\n"), 0o644)
	out, code = run(t, "--db", db, "usage", "ingest", bad)
	if code != exitInvalid || !strings.Contains(out, `bad.csv: line 1: field "file_name"`) {
		t.Fatalf("bad file: %d %s", code, out)
	}
	out, code = run(t, "signals", "rules")
	if code != 0 || !strings.Contains(out, "volume-above-threshold") {
		t.Fatalf("signals rules: %d %s", code, out)
	}
}
