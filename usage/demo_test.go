package usage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
	"github.com/vigil-hrdd/vigil/usage"
)

// TestDemoEscalationsFire generates the demo portfolio and its year of
// usage, ingests both, and checks that the planted escalations raise the
// signals they promise, and that the same seed gives the same bytes.
func TestDemoEscalationsFire(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a year of usage")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := demo.Generate(dir, demo.Options{Parties: 1500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	res, err := usage.GenerateDemo(dir, usage.DemoOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Escalations) < 3 {
		t.Fatalf("escalations: %v", res.Escalations)
	}
	first, _ := os.ReadFile(res.File)
	if _, err := usage.GenerateDemo(dir, usage.DemoOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(res.File)
	if string(first) != string(again) {
		t.Fatal("the same seed gave other bytes")
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := transfer.ImportDir(ctx, db, dir, "test", nil); err != nil {
		t.Fatal(err)
	}
	dr, ev, err := usage.SeedDemo(ctx, db, dir, 3, "test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.CountUsage(ctx)
	if err != nil || n != int64(dr.Records) {
		t.Fatalf("ingested %d of %d records (%v)", n, dr.Records, err)
	}
	// Seeding again changes nothing.
	if _, again, err := usage.SeedDemo(ctx, db, dir, 3, "test"); err != nil || again.Created != 0 {
		t.Fatalf("second seed: %+v %v", again, err)
	}
	fired := map[string]int{}
	for _, s := range ev.Signals {
		fired[s.Rule]++
	}
	t.Logf("%d records; escalations:\n%v\nsignals by rule: %v", res.Records, res.Escalations, fired)
	for _, rule := range []string{"volume-above-threshold", "sudden-growth", "new-capability-combination", "data-moved-region"} {
		if fired[rule] == 0 {
			t.Errorf("rule %s did not fire on the demo", rule)
		}
	}
	if fired["volume-above-threshold"] > 20 {
		t.Errorf("%d volume signals: the baseline is too noisy for a demo", fired["volume-above-threshold"])
	}
}
