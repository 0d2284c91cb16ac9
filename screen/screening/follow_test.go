package screening_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/storetest"
)

// followStores are the real stores the follower is checked on.
var followStores = map[string]func(t *testing.T) vigil.Store{
	"sqlite":   storetest.OpenSQLite,
	"postgres": func(t *testing.T) vigil.Store { return pgtest.Open(t, "vigil_screen_follow") },
}

const listHeader = "id,name,aliases,type,country,source\n"

func writeList(t *testing.T, dir string, rows ...string) string {
	t.Helper()
	p := filepath.Join(dir, "watch.csv")
	if err := os.WriteFile(p, []byte(listHeader+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScreenSinceFollowsPartiesAndLists walks the follower through what
// vigil serve sees: parties created before any list (nothing to screen
// yet), a first list (full run), a renamed party (only it is screened), a
// new list version (only its new entry, against every party), a link that
// gives a unit its parent body and a renamed parent body (the unit is
// screened again with it), and the whole outbox read again from the start,
// as after a lost cursor, which screens nothing twice.
func TestScreenSinceFollowsPartiesAndLists(t *testing.T) {
	for name, open := range followStores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			clock := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
			svc, err := screening.New(s, screening.Options{Workers: 2, Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
			if err != nil {
				t.Fatal(err)
			}
			create := func(rec vigil.Record) {
				t.Helper()
				if err := s.Create(ctx, rec, "tester"); err != nil {
					t.Fatal(err)
				}
			}
			create(&vigil.Party{ID: "P1", Type: vigil.PartyUnit, Name: "Northern Signals Brigade 4471", Country: "NO"})
			create(&vigil.Party{ID: "P2", Type: vigil.PartyCompany, Name: "Quillon Bakery Supplies", Country: "FR"})
			create(&vigil.Party{ID: "P3", Type: vigil.PartyCompany, Name: "Harbin Optical Instruments Ltd", Country: "CN"})
			create(&vigil.Party{ID: "P4", Type: vigil.PartyGovernment, Name: "Ministry of Coastal Affairs", Country: "NO"})

			cursor, run, err := svc.ScreenSince(ctx, 0, "system:screening")
			if err != nil || run != nil || cursor == 0 {
				t.Fatalf("before any list: cursor %d, run %+v, %v", cursor, run, err)
			}

			dir := t.TempDir()
			list := writeList(t, dir, "1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test", "2,Ostrava Rocket Works,,company,cz,Test")
			if _, err := svc.Import(ctx, screening.ImportRequest{Path: list, Format: "csv", Name: "watch", Actor: "tester"}); err != nil {
				t.Fatal(err)
			}
			cursor, run, err = svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run == nil || run.Mode != "full" || run.Found != 1 || run.Parties != 4 {
				t.Fatalf("first list: run %+v, %v", run, err)
			}
			if ms := matchesOf(t, svc, "P1"); len(ms) != 1 || ms[0].EntryID != "csv:1" {
				t.Fatalf("P1 after the first list: %+v", ms)
			}
			// The run's own events ask nothing of the follower.
			next, run, err := svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run != nil || next <= cursor {
				t.Fatalf("after its own run: cursor %d -> %d, run %+v, %v", cursor, next, run, err)
			}
			cursor = next

			// A party renamed through the record API: only it is screened.
			p2, _ := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P2")
			p2.Name = "Ostrava Rocket Works"
			p2.Country = "CZ"
			if err := s.Update(ctx, p2, "tester"); err != nil {
				t.Fatal(err)
			}
			before := cursor
			cursor, run, err = svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run == nil || run.ID == "" || run.Mode != "delta" || run.PartiesScreened != 1 || run.Found != 1 || run.EntriesScreened != 0 {
				t.Fatalf("renamed party: run %+v, %v", run, err)
			}
			if ms := matchesOf(t, svc, "P2"); len(ms) != 1 || ms[0].EntryID != "csv:2" {
				t.Fatalf("P2 after its rename: %+v", ms)
			}
			// The same events read again (a crash before the cursor was
			// saved): nothing is screened or stored.
			if _, run, err = svc.ScreenSince(ctx, before, "system:screening"); err != nil || run == nil || run.ID != "" || run.PartiesScreened != 0 {
				t.Fatalf("replayed rename: run %+v, %v", run, err)
			}

			// A new list version: its one new entry against every party.
			list = writeList(t, dir, "1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test", "2,Ostrava Rocket Works,,company,cz,Test",
				"3,Harbin Optical Instruments Limited,,company,cn,Test")
			if sum, err := svc.Import(ctx, screening.ImportRequest{Path: list, Format: "csv", Name: "watch", Actor: "tester"}); err != nil || sum.Version != 2 || sum.Added != 1 {
				t.Fatalf("second version: %+v, %v", sum, err)
			}
			cursor, run, err = svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run == nil || run.Mode != "delta" || run.EntriesScreened != 1 || run.PartiesScreened != 0 || run.Found != 1 || run.Lists["watch"] != 2 {
				t.Fatalf("second version: run %+v, %v", run, err)
			}
			if ms := matchesOf(t, svc, "P3"); len(ms) != 1 || ms[0].EntryID != "csv:3" {
				t.Fatalf("P3 after the second version: %+v", ms)
			}

			// A link makes P4 the unit's parent body: the unit's screened
			// content changes (its parents), P4's does not.
			create(&vigil.Link{ID: "L1", From: "P1", To: "P4", Type: vigil.LinkUnitOf})
			cursor, run, err = svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run == nil || run.PartiesScreened != 1 || run.Parties != 2 {
				t.Fatalf("new link: run %+v, %v", run, err)
			}
			// Renaming the parent body re-screens the unit under it too.
			p4, _ := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P4")
			p4.Name = "Ministry of Coastal and Fisheries Affairs"
			if err := s.Update(ctx, p4, "tester"); err != nil {
				t.Fatal(err)
			}
			cursor, run, err = svc.ScreenSince(ctx, cursor, "system:screening")
			if err != nil || run == nil || run.PartiesScreened != 2 {
				t.Fatalf("renamed parent body: run %+v, %v", run, err)
			}
			// A dismissal holds through the follower's runs.
			m := matchesOf(t, svc, "P1")[0]
			if _, err := svc.Decide(ctx, m.ID, screening.StatusDismissed, "another brigade of the same number", "analyst"); err != nil {
				t.Fatal(err)
			}

			// The whole outbox again from the start, as after a lost
			// cursor file: every change is screened already.
			end, run, err := svc.ScreenSince(ctx, 0, "system:screening")
			if err != nil || run == nil || run.Found+run.Reopened+run.Cleared+run.Updated+run.PartiesScreened+run.EntriesScreened != 0 || end < cursor {
				t.Fatalf("outbox read again: run %+v, %v", run, err)
			}
			if got, _ := svc.Store().GetMatch(ctx, m.ID); got.Status != screening.StatusDismissed {
				t.Fatalf("the dismissal did not hold: %+v", got)
			}
		})
	}
}

func matchesOf(t *testing.T, svc *screening.Service, party string) []*screening.Match {
	t.Helper()
	ms, err := svc.PartyMatches(context.Background(), party, false)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestTriggerOf(t *testing.T) {
	ev := func(typ string, payload any) *vigil.Event {
		e, err := vigil.NewEvent(typ, "x", "tester", time.Now(), payload)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	party := &vigil.Party{ID: "P9", Type: vigil.PartyCompany, Name: "X"}
	link := &vigil.Link{ID: "L9", From: "P9", To: "P8", Type: vigil.LinkOwns}
	cases := []struct {
		ev      *vigil.Event
		ok, all bool
		parties string
	}{
		{ev("party.created", vigil.RecordEventPayload{Kind: vigil.KindParty, ID: "P9", Record: party}), true, false, "P9"},
		{ev("party.updated", vigil.RecordEventPayload{Kind: vigil.KindParty, ID: "P9", Record: party}), true, false, "P9"},
		{ev("link.created", vigil.RecordEventPayload{Kind: vigil.KindLink, ID: "L9", Record: link}), true, false, "P9,P8"},
		{ev("import.completed", map[string]any{"kind": "parties", "created": 0, "updated": 3}), true, true, ""},
		{ev("import.completed", map[string]any{"kind": "links", "created": 1, "updated": 0}), true, true, ""},
		{ev("import.completed", map[string]any{"kind": "parties", "created": 0, "updated": 0, "unchanged": 9}), false, false, ""},
		{ev("import.completed", map[string]any{"kind": "accounts", "created": 5}), false, false, ""},
		{ev(vigil.EventListImported, map[string]any{"list": "un", "version": 2}), true, true, ""},
		{ev(vigil.EventScreeningRun, map[string]any{"run": "SR1"}), false, false, ""},
		{ev(vigil.EventScreeningMatch, map[string]any{"party_id": "P9"}), false, false, ""},
		{ev("account.created", map[string]any{"kind": "accounts", "id": "A1"}), false, false, ""},
	}
	for _, c := range cases {
		tr, ok := screening.TriggerOf(c.ev)
		if ok != c.ok || tr.All != c.all || strings.Join(tr.Parties, ",") != c.parties {
			t.Errorf("%s %s: trigger %+v %v, want ok=%v all=%v parties=%q", c.ev.Type, c.ev.Payload, tr, ok, c.ok, c.all, c.parties)
		}
	}
}

// TestImportUpload checks what the API and the web form rely on: files
// named as sent, a gzip-compressed file read decompressed, OFAC's files
// together, errors naming the file as sent, and the same content twice
// storing no new version.
func TestImportUpload(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	svc, err := screening.New(s, screening.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	body := listHeader + "1,Northern Signals Brigade 4471,,organization,no,Test\n"
	sum, err := svc.ImportUpload(ctx, screening.ImportRequest{Format: "csv", Name: "watch", Actor: "tester"},
		[]screening.Upload{{Name: `C:\lists\watch.csv`, Body: strings.NewReader(body)}})
	if err != nil || sum.Version != 1 || sum.Added != 1 || sum.File != "watch.csv" {
		t.Fatalf("upload: %+v, %v", sum, err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	sum, err = svc.ImportUpload(ctx, screening.ImportRequest{Format: "csv", Name: "watch"}, []screening.Upload{{Name: "watch.csv.gz", Body: &gz}})
	if err != nil || !sum.Unchanged || sum.Version != 1 {
		t.Fatalf("the same list gzip-compressed: %+v, %v", sum, err)
	}
	_, err = svc.ImportUpload(ctx, screening.ImportRequest{Format: "csv", Name: "watch"},
		[]screening.Upload{{Name: "watch-2.csv", Body: strings.NewReader(body + "2,,,organization,no,Test\n")}})
	if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(err.Error(), "watch-2.csv: line 3") || strings.Contains(err.Error(), "vigil-list-") {
		t.Fatalf("bad upload: %v", err)
	}
	if vs, _ := svc.Store().ListVersions(ctx, "watch"); len(vs) != 1 {
		t.Fatalf("a bad upload stored a version: %+v", vs)
	}
	trunc := gz.Bytes()
	_, err = svc.ImportUpload(ctx, screening.ImportRequest{Format: "csv", Name: "watch"}, []screening.Upload{{Name: "w.csv.gz", Body: bytes.NewReader(trunc[:len(trunc)/2])}})
	if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(err.Error(), "w.csv") {
		t.Fatalf("cut gzip: %v", err)
	}
	_, err = svc.ImportUpload(ctx, screening.ImportRequest{Format: "csv", Name: "watch"}, []screening.Upload{{Name: "a.csv", Body: strings.NewReader(body)}, {Name: "A.CSV", Body: strings.NewReader(body)}})
	if vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("the same name twice: %v", err)
	}
	// OFAC's four files sent together are read as the directory they
	// come from.
	ofac := shareddata.Dir(t, "ofac", "sdn_2021-07")
	var files []screening.Upload
	for _, n := range []string{"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"} {
		f, err := os.Open(filepath.Join(ofac, n))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, screening.Upload{Name: n, Body: f})
	}
	sum, err = svc.ImportUpload(ctx, screening.ImportRequest{Format: "ofac", Actor: "tester"}, files)
	if err != nil || sum.Entries < 5000 || sum.File != "sdn.csv,alt.csv,add.csv,sdn_comments.csv" {
		t.Fatalf("OFAC upload: %+v, %v", sum, err)
	}
	direct, err := svc.Import(ctx, screening.ImportRequest{Path: ofac, Format: "ofac"})
	if err != nil || !direct.Unchanged {
		t.Fatalf("the same OFAC files from disk after their upload: %+v, %v", direct, err)
	}
}
