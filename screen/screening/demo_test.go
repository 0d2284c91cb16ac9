package screening_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/storetest"
	"github.com/vigil-hrdd/vigil/transfer"
)

// The demo's list gives the showcase unit a pending match, its decoy (the
// next unit number) none, and running it again changes nothing.
func TestDemoListGivesTheShowcaseAPendingMatch(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	defer s.Close()
	dir := t.TempDir()
	if _, err := demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: 400, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.ImportDir(ctx, s, filepath.Join(dir, "portfolio"), "demo", nil); err != nil {
		t.Fatal(err)
	}
	res, err := screening.DemoList(ctx, s, filepath.Join(dir, "lists"), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if res.Showcase == "" || res.Import.Entries != 3 || res.Run.Found < 1 {
		t.Fatalf("demo list = %+v, run %+v", res.Import, res.Run)
	}
	svc, err := screening.New(s, screening.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := svc.PartyMatches(ctx, res.Showcase, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Status != screening.StatusPending || ms[0].EntryID != "csv:DW-1" || ms[0].Decision != "match" {
		t.Fatalf("showcase matches = %+v", ms)
	}
	unit, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, res.Showcase)
	if err != nil {
		t.Fatal(err)
	}
	all, err := svc.Store().ListMatches(ctx, screening.MatchFilter{EntryID: "csv:DW-2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all.Items {
		if m.Decision == "match" {
			t.Errorf("the decoy (next unit number after %q) matched %s (%s)", unit.Name, m.PartyName, m.Explanation.Reason)
		}
	}
	again, err := screening.DemoList(ctx, s, filepath.Join(dir, "lists"), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Import.Unchanged || again.Run.Found+again.Run.Reopened+again.Run.Cleared != 0 || !strings.HasSuffix(again.File, "demo-watchlist.csv") {
		t.Fatalf("second demo list = %+v, run %+v", again.Import, again.Run)
	}
}
