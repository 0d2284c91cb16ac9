package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/enforce/controlplane"
)

// TestDemoCaseAndEnforceCommands runs the demo's case from alert to
// verified suspension on a small demo portfolio, then the enforce and
// monitor commands on its database.
func TestDemoCaseAndEnforceCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo portfolio with a year of usage")
	}
	dir := t.TempDir()
	pf := filepath.Join(dir, "portfolio")
	db := "sqlite:" + filepath.Join(dir, "v.db")
	t.Setenv("VIGIL_LOG_PASSPHRASE", "test passphrase")
	if out, code := run(t, "demo", "generate", "--parties", "600", "--seed", "5", "--out", pf); code != 0 {
		t.Fatalf("demo generate: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "--data-dir", dir, "import", "all", pf); code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	if out, code := run(t, "usage", "generate", "--portfolio", pf, "--seed", "5"); code != 0 {
		t.Fatalf("usage generate: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "usage", "ingest", filepath.Join(pf, "usage.jsonl")); code != 0 {
		t.Fatalf("usage ingest: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "assess", "--all"); code != 0 {
		t.Fatalf("assess: %d %s", code, out)
	}

	ctx := context.Background()
	s, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := demoCase(ctx, s, &out); err != nil {
		t.Fatalf("demo case: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log(got)
	for _, want := range []string{"four eyes:", "dispatch round 1: ", "to retry", "dispatch round 2: ", "confirmed", "is now suspended in Vigil",
		"suspend verified: no use of any meter", "is now monitoring"} {
		if !strings.Contains(got, want) {
			t.Errorf("demo case output lacks %q", want)
		}
	}
	// Again: it reports the case it took and changes nothing.
	out.Reset()
	if err := demoCase(ctx, s, &out); err != nil || !strings.Contains(out.String(), "from an earlier run") {
		t.Fatalf("demo case again: %v %s", err, out.String())
	}
	s.Close()

	listed, code := run(t, "--db", db, "enforce", "list", "--status", "confirmed")
	if code != 0 || !strings.Contains(listed, "suspend") || !strings.Contains(listed, "verified") {
		t.Fatalf("enforce list: %d %s", code, listed)
	}
	if out, code := run(t, "--db", db, "enforce", "list", "--status", "lost"); code != exitUsage {
		t.Fatalf("enforce list with a bad status: %d %s", code, out)
	}
	tasks, code := run(t, "--db", db, "-o", "csv", "monitor", "list")
	task := regexp.MustCompile(`MON-[0-9A-F]+`).FindString(tasks)
	if code != 0 || task == "" {
		t.Fatalf("monitor list: %d %s", code, tasks)
	}
	if out, code := run(t, "--db", db, "monitor", "record", task, "--effective", "perhaps", "--notes", "x"); code != exitInvalid {
		t.Fatalf("monitor record with a bad finding: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "monitor", "record", task, "--effective", "yes", "--notes", "no use since; customer confirmed"); code != 0 || !strings.Contains(out, "recorded check 1") {
		t.Fatalf("monitor record: %d %s", code, out)
	}

	// enforce run needs a control plane; with one, a round finds nothing
	// new to plan or send.
	t.Setenv("VIGIL_CONTROL_PLANE_URL", "")
	if out, code := run(t, "--db", db, "enforce", "run"); code != exitUsage || !strings.Contains(out, "VIGIL_CONTROL_PLANE_URL") {
		t.Fatalf("enforce run without a control plane: %d %s", code, out)
	}
	secret := "a-test-secret-of-enough-bytes"
	cp := httptest.NewServer(controlplane.New([]byte(secret)))
	defer cp.Close()
	t.Setenv("VIGIL_CONTROL_PLANE_SECRET", "short")
	if out, code := run(t, "--db", db, "enforce", "run", "--control-plane-url", cp.URL); code != exitUsage || !strings.Contains(out, "at least 16") {
		t.Fatalf("enforce run with a short secret: %d %s", code, out)
	}
	t.Setenv("VIGIL_CONTROL_PLANE_SECRET", secret)
	ran, code := run(t, "--db", db, "enforce", "run", "--control-plane-url", cp.URL)
	if code != 0 || !strings.Contains(ran, "planned: 0 action(s)") || !strings.Contains(ran, "dispatched: 0 sent") {
		t.Fatalf("enforce run: %d %s", code, ran)
	}
	id := regexp.MustCompile(`ACT-[0-9A-F]+`).FindString(listed)
	if out, code := run(t, "--db", db, "enforce", "retry", id); code != exitConflict {
		t.Fatalf("retry of a confirmed action: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "enforce", "verify"); code != 0 || !strings.Contains(out, "0 checked") {
		t.Fatalf("enforce verify: %d %s", code, out)
	}
}
