package storetest

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// RunScreening runs the conformance suite of screening.Store, through the
// screening service as the CLI, the API and the UI use it.
func RunScreening(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store, *screening.Service, string)
	}{
		{"ListVersionsRecordChanges", testListVersions},
		{"ReimportIsIdempotent", testListReimport},
		{"MalformedListImportsNothing", testListMalformed},
		{"DeltaScreensOnlyWhatChanged", testDeltaRun},
		{"DismissalHoldsUntilEitherSideChanges", testDismissalHolds},
		{"DecisionsAndQueue", testDecisions},
		{"MatchesFeedRiskFacts", testMatchFacts},
		{"FtMEdgesBecomeSuggestedLinks", testSuggestedLinks},
		{"RealUNListImports", testRealUN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			svc, err := screening.New(s, screening.Options{Now: func() time.Time {
				clock = clock.Add(time.Second)
				return clock
			}, Workers: 2, Logger: slog.New(slog.DiscardHandler)})
			must(t, err)
			tc.fn(t, s, svc, t.TempDir())
		})
	}
}

// writeList writes a simple CSV list (id,name,aliases,type,country,source).
func writeList(t *testing.T, dir, file string, rows ...string) string {
	t.Helper()
	p := filepath.Join(dir, file)
	must(t, os.WriteFile(p, []byte("id,name,aliases,type,country,source\n"+strings.Join(rows, "\n")+"\n"), 0o644))
	return p
}

func importList(t *testing.T, svc *screening.Service, path string) *screening.ImportSummary {
	t.Helper()
	sum, err := svc.Import(ctx, screening.ImportRequest{Path: path, Format: "csv", Name: "watch", Kind: "military_end_user", Actor: "tester"})
	must(t, err)
	return sum
}

var (
	rowBrigade = "1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test list"
	rowHarbour = "2,Harbour Logistics Directorate,,organization,bb,Test list"
	rowCorvid  = "3,Corvid Analytics Bureau,,organization,no,Test list"
)

func testListVersions(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	v1 := importList(t, svc, writeList(t, dir, "v1.csv", rowBrigade, rowHarbour, rowCorvid))
	if v1.Unchanged || v1.Version != 1 || v1.Added != 3 || v1.Entries != 3 || v1.Kind != "military_end_user" || v1.File != "v1.csv" {
		t.Fatalf("first import = %+v", v1)
	}
	// Version 2 adds one entry, changes one and removes one.
	v2 := importList(t, svc, writeList(t, dir, "v2.csv", rowBrigade,
		"2,Harbour Logistics Directorate,HLD,organization,bb,Test list",
		"4,Tarn Valley Rifles,,organization,no,Test list"))
	if v2.Unchanged || v2.Version != 2 || v2.Added != 1 || v2.Changed != 1 || v2.Removed != 1 || v2.Entries != 3 {
		t.Fatalf("second import = %+v", v2)
	}
	ch, err := svc.Store().ListChanges(ctx, "watch", 2)
	must(t, err)
	var got []string
	for _, c := range ch {
		got = append(got, c.Change+":"+c.EntryID)
	}
	if !slices.Equal(got, []string{"changed:csv:2", "removed:csv:3", "added:csv:4"}) {
		t.Fatalf("changes of version 2 = %v", got)
	}
	if ch[0].Old == nil || !slices.Equal(ch[0].Fields, []string{"names"}) || len(ch[0].Entity.Names) != 2 {
		t.Fatalf("change = %+v", ch[0])
	}
	if ch[1].Entity.Names[0].Value != "Corvid Analytics Bureau" {
		t.Fatalf("a removal keeps the removed entry: %+v", ch[1])
	}
	vs, err := svc.Store().ListVersions(ctx, "watch")
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 2 || !vs[0].Current || vs[1].Current || vs[1].Added != 3 {
		t.Fatalf("versions = %+v", vs)
	}
	ents, err := svc.Store().ListEntries(ctx, "watch")
	must(t, err)
	var ids []string
	for _, e := range ents {
		ids = append(ids, e.Entity.ID+"@"+strconv.Itoa(e.Version))
	}
	if !slices.Equal(ids, []string{"csv:1@1", "csv:2@2", "csv:4@2"}) {
		t.Fatalf("entries = %v", ids)
	}
	if n := countEvents(t, s, vigil.EventListImported); n != 2 {
		t.Fatalf("%d list_imported events, want 2", n)
	}
	_, err = svc.Store().ListChanges(ctx, "watch", 9)
	wantCode(t, err, vigil.ENOTFOUND)
	_, err = svc.Store().ListVersions(ctx, "nope")
	wantCode(t, err, vigil.ENOTFOUND)
	// A stale import (computed against version 1) is refused whole.
	err = svc.Store().SaveListVersion(ctx, screening.NewVersion{Base: 1, Version: screening.ListVersion{List: "watch", Version: 2, Format: "csv", Kind: "x", ImportedAt: time.Now()}})
	wantCode(t, err, vigil.ECONFLICT)
}

func screenQuery(name, country string) screen.Query {
	return screen.Query{Name: name, Country: country}
}

func testListReimport(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	p := writeList(t, dir, "v1.csv", rowBrigade, rowHarbour)
	importList(t, svc, p)
	again := importList(t, svc, p)
	if !again.Unchanged || again.Version != 1 {
		t.Fatalf("re-import of the same file = %+v", again)
	}
	// The same entries in another file (rows reordered) are no news either.
	other := importList(t, svc, writeList(t, dir, "copy.csv", rowHarbour, rowBrigade))
	if !other.Unchanged || other.Version != 1 {
		t.Fatalf("re-import of the same entries = %+v", other)
	}
	if n := countEvents(t, s, vigil.EventListImported); n != 1 {
		t.Fatalf("%d list_imported events, want 1", n)
	}
	// Another format under the same name is refused.
	_, err := svc.Import(ctx, screening.ImportRequest{Path: p, Format: "un", Name: "watch", Actor: "tester"})
	wantCode(t, err, vigil.ECONFLICT)
}

func testListMalformed(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	bad := writeList(t, dir, "bad.csv", rowBrigade, "2,,,organization,bb,Test list")
	_, err := svc.Import(ctx, screening.ImportRequest{Path: bad, Format: "csv", Name: "watch", Actor: "tester"})
	wantCode(t, err, vigil.EINVALID)
	if !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "name") {
		t.Fatalf("error does not name file, line and field: %v", err)
	}
	ls, err := svc.Store().Lists(ctx)
	must(t, err)
	if len(ls) != 0 || countEvents(t, s, vigil.EventListImported) != 0 {
		t.Fatalf("a malformed file stored something: %+v", ls)
	}
	_, err = svc.Import(ctx, screening.ImportRequest{Path: bad, Format: "pdf", Actor: "tester"})
	wantCode(t, err, vigil.EINVALID)
	_, err = svc.Import(ctx, screening.ImportRequest{Path: filepath.Join(dir, "missing.csv"), Format: "csv", Actor: "tester"})
	wantCode(t, err, vigil.EINVALID)
}

// screenParties creates parties whose names resemble the list rows above
// and one that resembles nothing.
func screenParties(t *testing.T, s vigil.Store) {
	t.Helper()
	must(t, s.Create(ctx, &vigil.Party{ID: "P1", Type: vigil.PartyUnit, Name: "Northern Signals Brigade 4471", Country: "NO-03"}, "tester"))
	must(t, s.Create(ctx, &vigil.Party{ID: "P2", Type: vigil.PartyGovernment, Name: "Harbour Logistics Directorate", Country: "BB"}, "tester"))
	must(t, s.Create(ctx, &vigil.Party{ID: "P3", Type: vigil.PartyCompany, Name: "Quillon Bakery Supplies", Country: "FR"}, "tester"))
}

func run(t *testing.T, svc *screening.Service, delta bool) *screening.Run {
	t.Helper()
	r, err := svc.Run(ctx, screening.RunRequest{Delta: delta, Actor: "tester"})
	must(t, err)
	return r
}

func matchOf(t *testing.T, svc *screening.Service, party string) *screening.Match {
	t.Helper()
	ms, err := svc.PartyMatches(ctx, party, false)
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("party %s has %d matches, want 1: %+v", party, len(ms), ms)
	}
	return ms[0]
}

func testDeltaRun(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	_, err := svc.Run(ctx, screening.RunRequest{Actor: "tester"})
	wantCode(t, err, vigil.EINVALID) // no list yet
	screenParties(t, s)
	importList(t, svc, writeList(t, dir, "v1.csv", rowBrigade))
	r := run(t, svc, true) // the first run is full whatever is asked
	if r.Mode != "full" || r.PartiesScreened != 3 || r.Found != 1 {
		t.Fatalf("first run = %+v", r)
	}
	m := matchOf(t, svc, "P1")
	if m.Status != screening.StatusPending || m.EntryID != "csv:1" || m.List != "watch" || m.ListKind != "military_end_user" ||
		m.Score < 0.86 || m.Decision != "match" || m.Explanation.Reason == "" || m.Entry.Names[0].Value != "Northern Signals Brigade 4471" {
		t.Fatalf("match = %+v", m)
	}
	// Nothing changed: a delta run screens nothing.
	r = run(t, svc, true)
	if r.Mode != "delta" || r.PartiesScreened != 0 || r.EntriesScreened != 0 || r.Found != 0 {
		t.Fatalf("idle delta run = %+v", r)
	}
	// One party changed: only it is screened, against every entry.
	p3, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P3")
	must(t, err)
	p3.Aliases = []string{"Quillon Supplies"}
	must(t, s.Update(ctx, p3, "tester"))
	// Notes are not screened: editing them changes nothing to screen.
	p2, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P2")
	must(t, err)
	p2.Notes = "checked by phone"
	must(t, s.Update(ctx, p2, "tester"))
	r = run(t, svc, true)
	if r.PartiesScreened != 1 || r.EntriesScreened != 0 || r.Found != 0 {
		t.Fatalf("delta run after one party changed = %+v", r)
	}
	// A new list version: every party, against only the new entry.
	importList(t, svc, writeList(t, dir, "v2.csv", rowBrigade, rowHarbour))
	r = run(t, svc, true)
	if r.PartiesScreened != 0 || r.EntriesScreened != 1 || r.Found != 1 || r.Held != 0 {
		t.Fatalf("delta run after a new version = %+v", r)
	}
	if m := matchOf(t, svc, "P2"); m.EntryID != "csv:2" || m.ListVersion != 2 {
		t.Fatalf("new match = %+v", m)
	}
	// A full run finds the same two again and stores nothing new.
	r = run(t, svc, false)
	if r.Mode != "full" || r.PartiesScreened != 3 || r.Found != 0 || r.Updated != 0 || r.Cleared != 0 {
		t.Fatalf("full run = %+v", r)
	}
	if n := countEvents(t, s, vigil.EventScreeningMatch); n != 2 {
		t.Fatalf("%d match_found events, want 2", n)
	}
	if n := countEvents(t, s, vigil.EventScreeningRun); n != 5 {
		t.Fatalf("%d screening.run events, want 5", n)
	}
	// An entry leaving the list delists its match.
	importList(t, svc, writeList(t, dir, "v3.csv", rowHarbour))
	if m := matchOf(t, svc, "P1"); m.Status != screening.StatusDelisted {
		t.Fatalf("match on a removed entry = %+v", m)
	}
	// A party renamed away from the entry: its pending match is cleared.
	p2.Name = "Quiet Meadow Cooperative"
	must(t, s.Update(ctx, p2, "tester"))
	r = run(t, svc, true)
	if r.PartiesScreened != 1 || r.Cleared != 1 {
		t.Fatalf("delta run after a rename = %+v", r)
	}
	if m := matchOf(t, svc, "P2"); m.Status != screening.StatusCleared {
		t.Fatalf("match of a renamed party = %+v", m)
	}
}

func testDismissalHolds(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	screenParties(t, s)
	importList(t, svc, writeList(t, dir, "v1.csv", rowBrigade, rowHarbour))
	run(t, svc, false)
	m := matchOf(t, svc, "P1")
	d, err := svc.Decide(ctx, m.ID, screening.StatusDismissed, "a different brigade: other country of record", "amira")
	must(t, err)
	if d.Status != screening.StatusDismissed || d.DecidedBy != "amira" || d.Reason == "" || d.DecidedAt.IsZero() {
		t.Fatalf("dismissed = %+v", d)
	}
	// Found again with both sides unchanged: the dismissal holds.
	r := run(t, svc, false)
	if r.Held != 1 || r.Reopened != 0 {
		t.Fatalf("run after the dismissal = %+v", r)
	}
	if got := matchOf(t, svc, "P1"); got.Status != screening.StatusDismissed {
		t.Fatalf("dismissal did not hold: %+v", got)
	}
	// The party changes: the match is pending again.
	p1, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P1")
	must(t, err)
	p1.Aliases = []string{"NSB-4471"}
	must(t, s.Update(ctx, p1, "tester"))
	r = run(t, svc, true)
	if r.Reopened != 1 || r.PartiesScreened != 1 {
		t.Fatalf("run after the party changed = %+v", r)
	}
	got := matchOf(t, svc, "P1")
	if got.Status != screening.StatusPending || got.DecidedBy != "" {
		t.Fatalf("after the party changed = %+v", got)
	}
	// Dismissed again; now the entry changes in a new list version.
	_, err = svc.Decide(ctx, m.ID, screening.StatusDismissed, "still a different brigade", "amira")
	must(t, err)
	importList(t, svc, writeList(t, dir, "v2.csv", "1,Northern Signals Brigade 4471,NSB 4471;4471st Signals,organization,no,Test list", rowHarbour))
	r = run(t, svc, true)
	if r.Reopened != 1 || r.EntriesScreened != 1 || r.PartiesScreened != 0 {
		t.Fatalf("run after the entry changed = %+v", r)
	}
	if got := matchOf(t, svc, "P1"); got.Status != screening.StatusPending || got.ListVersion != 2 {
		t.Fatalf("after the entry changed = %+v", got)
	}
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	var reopened int
	for _, ev := range evs {
		if ev.Type == vigil.EventScreeningMatch && strings.Contains(string(ev.Payload), `"reopened":true`) {
			reopened++
		}
	}
	if reopened != 2 || countEvents(t, s, vigil.EventScreeningDismissed) != 2 {
		t.Fatalf("%d reopening events, %d dismissals", reopened, countEvents(t, s, vigil.EventScreeningDismissed))
	}
}

func testDecisions(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	screenParties(t, s)
	importList(t, svc, writeList(t, dir, "v1.csv", rowBrigade, rowHarbour))
	run(t, svc, false)
	q, err := svc.Store().ListMatches(ctx, screening.MatchFilter{Status: screening.StatusPending, Limit: 1})
	must(t, err)
	if len(q.Items) != 1 || q.Next == "" {
		t.Fatalf("first page of the queue = %+v", q)
	}
	q2, err := svc.Store().ListMatches(ctx, screening.MatchFilter{Status: screening.StatusPending, Limit: 1, After: q.Next})
	must(t, err)
	if len(q2.Items) != 1 || q2.Next != "" || q2.Items[0].ID == q.Items[0].ID || q2.Items[0].Score > q.Items[0].Score {
		t.Fatalf("second page of the queue = %+v", q2)
	}
	m := q.Items[0]
	_, err = svc.Decide(ctx, m.ID, "approved", "because", "amira")
	wantCode(t, err, vigil.EINVALID)
	_, err = svc.Decide(ctx, m.ID, screening.StatusConfirmed, " ", "amira")
	wantCode(t, err, vigil.EINVALID)
	_, err = svc.Decide(ctx, "SMnope", screening.StatusConfirmed, "same registry number", "amira")
	wantCode(t, err, vigil.ENOTFOUND)
	c, err := svc.Decide(ctx, m.ID, screening.StatusConfirmed, "same registry number", "amira")
	must(t, err)
	if c.Status != screening.StatusConfirmed {
		t.Fatalf("confirmed = %+v", c)
	}
	_, err = svc.Decide(ctx, m.ID, screening.StatusConfirmed, "again", "amira")
	wantCode(t, err, vigil.ECONFLICT)
	got, err := svc.Store().GetMatch(ctx, m.ID)
	must(t, err)
	if got.Status != screening.StatusConfirmed || got.Reason != "same registry number" {
		t.Fatalf("stored = %+v", got)
	}
	// A confirmation stands through later runs.
	r := run(t, svc, false)
	if r.Found+r.Reopened+r.Updated+r.Cleared != 0 {
		t.Fatalf("run after a confirmation = %+v", r)
	}
	_, err = svc.Store().GetMatch(ctx, "SMnope")
	wantCode(t, err, vigil.ENOTFOUND)
	_, err = svc.Store().ListMatches(ctx, screening.MatchFilter{Status: "weird"})
	wantCode(t, err, vigil.EINVALID)
	_, err = svc.Store().ListMatches(ctx, screening.MatchFilter{After: "%%%"})
	wantCode(t, err, vigil.EINVALID)
	if countEvents(t, s, vigil.EventScreeningConfirmed) != 1 {
		t.Fatal("no match_confirmed event")
	}
	// Screening one name explains its candidates.
	rs, lists, err := svc.Screen(ctx, screenQuery("Harbor Logistics Directorate", "bb"), 5)
	must(t, err)
	if len(lists) != 1 || len(rs) == 0 || rs[0].Entity.ID != "csv:2" || rs[0].Entity.List != "watch" || len(rs[0].Explanation.Tokens) == 0 {
		t.Fatalf("screen = %+v", rs)
	}
}

func testMatchFacts(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	seed(t, s) // P3 holds account A1
	must(t, s.Create(ctx, &vigil.Link{ID: "L2", From: "P3", To: "P2", Type: vigil.LinkActsFor}, "tester"))
	importList(t, svc, writeList(t, dir, "v1.csv", "9,Border Police,,organization,no,Test list"))
	run(t, svc, false)
	m := matchOf(t, svc, "P2")
	rs := s.(risk.Store)
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	e := risk.NewEngine(rs, p, risk.Options{Enrichers: risk.EnrichersFor(rs)})
	flagsOf := func() map[string][]string {
		a, err := e.Preview(ctx, "A1~P2")
		must(t, err)
		fl := map[string][]string{}
		for _, f := range a.Flags {
			fl[f.ID] = append(f.Evidence, "")
		}
		return fl
	}
	want := []string{"P2 on watch csv:9", ""}
	fl := flagsOf()
	if !slices.Equal(fl["list-match-pending"], want) || fl["list-match-confirmed"] != nil {
		t.Fatalf("pending match: flags %v", fl)
	}
	ms, err := s.(risk.MatchSource).ScreeningMatchFacts(ctx, []string{"P2", "P3"})
	must(t, err)
	if len(ms) != 1 || ms[0].ID != m.ID || ms[0].Status != "pending" || ms[0].Kind != "military_end_user" || ms[0].Entry != "csv:9" {
		t.Fatalf("match facts = %+v", ms)
	}
	_, err = svc.Decide(ctx, m.ID, screening.StatusConfirmed, "same unit", "amira")
	must(t, err)
	fl = flagsOf()
	if !slices.Equal(fl["list-match-confirmed"], want) || fl["list-match-pending"] != nil {
		t.Fatalf("confirmed match: flags %v", fl)
	}
	// Dismissed matches are no facts.
	_, err = svc.Decide(ctx, m.ID, screening.StatusDismissed, "after all another unit", "amira")
	must(t, err)
	if fl = flagsOf(); fl["list-match-confirmed"] != nil || fl["list-match-pending"] != nil {
		t.Fatalf("dismissed match: flags %v", fl)
	}
	// The decision is a change the incremental recompute follows.
	evs, err := s.ListEvents(ctx, 0, 1000)
	must(t, err)
	last := evs[len(evs)-1]
	ch, ok := risk.ChangeOf(last)
	if last.Type != vigil.EventScreeningDismissed || !ok || !slices.Equal(ch.Parties, []string{"P2"}) {
		t.Fatalf("change of %s = %+v, %v", last.Type, ch, ok)
	}
	// Chain view: the account holder's chain reaches the matched party.
	cm, err := svc.PartyMatches(ctx, "P3", true)
	must(t, err)
	if len(cm) != 1 || cm[0].PartyID != "P2" {
		t.Fatalf("chain matches of P3 = %+v", cm)
	}
}

func testSuggestedLinks(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	p := filepath.Join(dir, "ftm.json")
	must(t, os.WriteFile(p, []byte(`{"id":"co-1","schema":"Company","properties":{"name":["Tarn Holding Group"],"country":["no"]}}
{"id":"co-2","schema":"Company","properties":{"name":["Tarn Signals Works"],"country":["no"]}}
{"id":"own-1","schema":"Ownership","properties":{"owner":["co-1"],"asset":["co-2"],"percentage":["51"]}}
`), 0o644))
	sum, err := svc.Import(ctx, screening.ImportRequest{Path: p, Format: "ftm", Name: "ftm-test", Actor: "tester"})
	must(t, err)
	if sum.Entries != 2 || len(sum.SuggestedLinks) != 1 {
		t.Fatalf("import = %+v", sum)
	}
	vs, err := svc.Store().ListVersions(ctx, "ftm-test")
	must(t, err)
	l := vs[0].SuggestedLinks
	if len(l) != 1 || l[0].From != "ftm:co-1" || l[0].To != "ftm:co-2" || l[0].Type != "owns" || l[0].FromName != "Tarn Holding Group" {
		t.Fatalf("suggested links = %+v", l)
	}
	// Suggestions only: the portfolio has no new link.
	if n, err := s.Count(ctx, vigil.KindLink); err != nil || n != 0 {
		t.Fatalf("%d links in the portfolio (%v)", n, err)
	}
}

func testRealUN(t *testing.T, s vigil.Store, svc *screening.Service, dir string) {
	path := shareddata.Dir(t, "un", "UN_consolidated.xml")
	sum, err := svc.Import(ctx, screening.ImportRequest{Path: path, Format: "un", Actor: "tester"})
	must(t, err)
	if sum.Entries < 500 || sum.Added != sum.Entries || sum.Kind != "sanctions" {
		t.Fatalf("UN import = %+v", sum)
	}
	again, err := svc.Import(ctx, screening.ImportRequest{Path: path, Format: "un", Actor: "tester"})
	must(t, err)
	if !again.Unchanged {
		t.Fatalf("re-import = %+v", again)
	}
	ents, err := svc.Store().ListEntries(ctx, "un")
	must(t, err)
	if len(ents) != sum.Entries {
		t.Fatalf("%d entries stored, want %d", len(ents), sum.Entries)
	}
	// A listed name screens back to its own entry.
	name := ents[len(ents)/2].Entity.Names[0].Value
	rs, _, err := svc.Screen(ctx, screenQuery(name, ""), 3)
	must(t, err)
	if len(rs) == 0 || rs[0].Entity.ID != ents[len(ents)/2].Entity.ID {
		t.Fatalf("screening %q: %+v", name, rs)
	}
}
