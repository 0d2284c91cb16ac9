package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/postgres"
	"github.com/vigil-hrdd/vigil/storetest"
)

// The conformance suite again with batches of 300 and index rebuilds from 500
// rows, so that its imports cross many batch boundaries and take the
// deferred-index path.
func TestConformanceSmallBatches(t *testing.T) {
	server(t)
	defer postgres.SetImportSizes(300, 500)()
	storetest.Run(t, func(t *testing.T) vigil.Store { return openFresh(t) })
}

func testParty(id, name string) *vigil.Party {
	return &vigil.Party{ID: id, Type: vigil.PartyCompany, Name: name, Country: "DE", Sectors: []string{"telecom"}, Aliases: []string{}, Identifiers: []vigil.Identifier{}}
}

// model applies an import the way the contract reads, one record after
// another, and returns its counts.
func model(state map[string]string, ps []*vigil.Party) (created, updated, unchanged int64) {
	for _, p := range ps {
		old, ok := state[p.ID]
		switch {
		case !ok:
			created++
		case old == p.Name:
			unchanged++
		default:
			updated++
		}
		state[p.ID] = p.Name
	}
	return
}

func importAll(t *testing.T, s vigil.Store, ps []*vigil.Party) vigil.ImportSummary {
	t.Helper()
	sum, err := s.Import(context.Background(), vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: ps}, Actor: "importer"})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// indexDefs lists the definitions of the parties indexes, each with its
// object id, which a rebuild changes.
func indexDefs(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.DB().Query("SELECT (indexname::regclass::oid)::text || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'parties' ORDER BY indexname")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var defs []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		defs = append(defs, d)
	}
	return defs
}

// A record met twice in one import, in one batch or across batches, counts
// and ends as if the import had written the records one by one.
func TestImportRepeatedRecords(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	ctx := context.Background()
	defs := indexDefs(t, db)

	var ps []*vigil.Party
	for i := range 1000 {
		ps = append(ps, testParty(fmt.Sprintf("Q%04d", i), fmt.Sprintf("Party %d", i)))
	}
	ps[50] = testParty("Q0010", "Changed in the same batch")
	ps[51] = testParty("Q0011", "Party 11") // same again, same batch
	ps[620] = testParty("Q0020", "Changed in a later batch")
	ps[31] = testParty("Q0030", "Second")
	ps[32] = testParty("Q0030", "Party 30") // back to the first version
	state := map[string]string{}
	c, u, n := model(state, ps)
	sum := importAll(t, db, ps)
	if sum.Created != c || sum.Updated != u || sum.Unchanged != n {
		t.Fatalf("first import %+v, want created %d updated %d unchanged %d", sum, c, u, n)
	}
	// The secondary indexes were rebuilt (new object ids), the same; the
	// primary key was kept.
	got := indexDefs(t, db)
	if len(got) != len(defs) || len(defs) != 2 { // the primary key and parties_country
		t.Fatalf("indexes after a large import:\n got %q\nwant %q", got, defs)
	}
	for i := range defs {
		rebuilt := got[i] != defs[i]
		_, gotDef, _ := strings.Cut(got[i], " ")
		_, wantDef, _ := strings.Cut(defs[i], " ")
		if gotDef != wantDef || rebuilt != !strings.Contains(wantDef, "UNIQUE") {
			t.Fatalf("index after a large import: %q, before %q", got[i], defs[i])
		}
	}

	before, err := vigil.GetAs[*vigil.Party](ctx, db, vigil.KindParty, "Q0500")
	if err != nil {
		t.Fatal(err)
	}
	// Every record changed, some twice, plus new ones: the staged update
	// path with repeats inside one batch.
	var again []*vigil.Party
	for i := range 1000 {
		again = append(again, testParty(fmt.Sprintf("Q%04d", i), fmt.Sprintf("Renamed %d", i)))
	}
	again[501] = testParty("Q0500", "Renamed twice")
	again = append(again, testParty("Q9999", "New"), testParty("Q9999", "New, then renamed"))
	c, u, n = model(state, again)
	sum = importAll(t, db, again)
	if sum.Created != c || sum.Updated != u || sum.Unchanged != n {
		t.Fatalf("second import %+v, want created %d updated %d unchanged %d", sum, c, u, n)
	}
	for id, name := range state {
		p, err := vigil.GetAs[*vigil.Party](ctx, db, vigil.KindParty, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name {
			t.Fatalf("%s is %q, want %q", id, p.Name, name)
		}
	}
	after, err := vigil.GetAs[*vigil.Party](ctx, db, vigil.KindParty, "Q0500")
	if err != nil {
		t.Fatal(err)
	}
	if !after.CreatedAt.Equal(before.CreatedAt) || after.CreatedBy != "importer" || !after.UpdatedAt.After(before.UpdatedAt) && !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("metadata after update: %+v, before %+v", after.Meta, before.Meta)
	}
	if n, err := db.Count(ctx, vigil.KindParty); err != nil || n != int64(len(state)) {
		t.Fatalf("count = %d (%v), want %d", n, err, len(state))
	}
	page, err := db.List(ctx, vigil.KindParty, vigil.ListOptions{Filters: map[string]string{"country": "DE"}, Limit: 5})
	if err != nil || len(page.Items) != 5 || page.Items[0].RecordID() != "Q0000" {
		t.Fatalf("list after rebuilt indexes: %v %v", page.Items, err)
	}
}

type cancellingSource struct {
	i, at  int
	cancel func()
}

func (s *cancellingSource) Next() (vigil.Record, error) {
	s.i++
	if s.i == s.at {
		s.cancel()
	}
	if s.i > 5*s.at {
		return nil, io.EOF
	}
	return testParty(fmt.Sprintf("C%05d", s.i), "C"), nil
}

type brokenSource struct{ i, at int }

func (s *brokenSource) Next() (vigil.Record, error) {
	s.i++
	if s.i > s.at {
		return nil, errors.New("read error")
	}
	return testParty(fmt.Sprintf("B%05d", s.i), "B"), nil
}

// Failures late in a many-batch import, after the indexes were dropped,
// leave nothing behind: no rows, no events, the indexes as they were.
func TestImportFailuresLeaveNothing(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	ctx := context.Background()
	defs := indexDefs(t, db)
	nothing := func(t *testing.T) {
		t.Helper()
		if n, err := db.Count(ctx, vigil.KindParty); err != nil || n != 0 {
			t.Fatalf("%d parties (%v) after a failed import", n, err)
		}
		if evs, err := db.ListEvents(ctx, 0, 10); err != nil || len(evs) != 0 {
			t.Fatalf("%d events (%v) after a failed import", len(evs), err)
		}
		if got := indexDefs(t, db); !slices.Equal(got, defs) {
			t.Fatalf("indexes after a failed import:\n got %q\nwant %q", got, defs)
		}
	}

	t.Run("invalid record", func(t *testing.T) {
		var ps []*vigil.Party
		for i := range 1000 {
			ps = append(ps, testParty(fmt.Sprintf("Q%04d", i), "P"))
		}
		ps[777].Country = "XX-not"
		_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: ps}, Actor: "importer"})
		var ve *vigil.Error
		if !errors.As(err, &ve) || ve.Code != vigil.EINVALID || ve.Row != 777 || ve.Field != "country" {
			t.Fatalf("error %v, want EINVALID at row 777 field country", err)
		}
		nothing(t)
	})
	t.Run("read error", func(t *testing.T) {
		_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &brokenSource{at: 950}, Actor: "importer"})
		if err == nil || err.Error() != "read error" {
			t.Fatalf("error %v, want the source's", err)
		}
		nothing(t)
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := db.Import(cctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &cancellingSource{at: 600, cancel: cancel}, Actor: "importer"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		nothing(t)
	})
	t.Run("dangling reference", func(t *testing.T) {
		ps := []*vigil.Party{testParty("A", "A"), testParty("B", "B")}
		importAll(t, db, ps)
		linkSchema := schemaOf(t, db, "links")
		var ls []*vigil.Link
		for i := range 500 {
			ls = append(ls, &vigil.Link{ID: fmt.Sprintf("L%04d", i), From: "A", To: "B", Type: vigil.LinkOwns, Share: 10})
		}
		ls[345].To = "nobody"
		_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &vigil.SliceSource[*vigil.Link]{Records: ls}, Actor: "importer"})
		var ve *vigil.Error
		if !errors.As(err, &ve) || ve.Code != vigil.EINVALID || ve.Row != 345 || ve.Field != "to" {
			t.Fatalf("error %v, want EINVALID at row 345 field to", err)
		}
		if n, err := db.Count(ctx, vigil.KindLink); err != nil || n != 0 {
			t.Fatalf("%d links (%v) after a failed import", n, err)
		}
		if got := schemaOf(t, db, "links"); !slices.Equal(got, linkSchema) {
			t.Fatalf("links after a failed import:\n got %q\nwant %q", got, linkSchema)
		}
	})
}

// schemaOf lists a table's indexes and constraints, with the object ids of
// the indexes.
func schemaOf(t *testing.T, db *postgres.DB, table string) []string {
	t.Helper()
	rows, err := db.DB().Query(`SELECT (indexname::regclass::oid)::text || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
		UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass
		ORDER BY 1`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// A large link import drops and restores the foreign keys, which hold
// again afterwards.
func TestLargeLinkImportRestoresForeignKeys(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	ctx := context.Background()
	var ps []*vigil.Party
	for i := range 50 {
		ps = append(ps, testParty(fmt.Sprintf("P%02d", i), "P"))
	}
	importAll(t, db, ps)
	strip := func(defs []string) []string {
		var out []string
		for _, d := range defs {
			if strings.Contains(d, "CREATE INDEX") {
				_, d, _ = strings.Cut(d, " ") // rebuilt: a new oid
			}
			out = append(out, d)
		}
		return out
	}
	before := schemaOf(t, db, "links")
	var ls []*vigil.Link
	for i := range 1000 {
		ls = append(ls, &vigil.Link{ID: fmt.Sprintf("L%04d", i), From: ps[i%50].ID, To: ps[(i+1)%50].ID, Type: vigil.LinkResellsTo})
	}
	sum, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &vigil.SliceSource[*vigil.Link]{Records: ls}, Actor: "importer"})
	if err != nil || sum.Created != 1000 {
		t.Fatalf("import: %+v %v", sum, err)
	}
	after := schemaOf(t, db, "links")
	if slices.Equal(after, before) {
		t.Fatal("a large import into an empty table rebuilt nothing")
	}
	if !slices.Equal(strip(after), strip(before)) {
		t.Fatalf("links after a large import:\n got %q\nwant %q", after, before)
	}
	_, err = db.DB().Exec("INSERT INTO links (id, from_id, to_id, type, doc, hash, created_at, created_by, updated_at, updated_by) VALUES ('bad', 'P00', 'nobody', 'owns', '{}', '', '', '', '', '')")
	if err == nil {
		t.Fatal("the restored foreign key lets a dangling link in")
	}
}

// A reader holding the table makes a large import keep its indexes (after
// waiting a second for the lock) instead of waiting behind the reader.
func TestImportKeepsIndexesWhenTableIsBusy(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	db.DB().SetMaxOpenConns(1) // so SHOW below asks the import's connection
	ctx := context.Background()
	defs := indexDefs(t, db)
	var schema string
	if err := db.DB().QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	reader := server(t)
	if _, err := reader.Exec(ctx, "BEGIN; LOCK TABLE "+schema+".parties IN ACCESS SHARE MODE"); err != nil {
		t.Fatal(err)
	}
	defer reader.Exec(ctx, "ROLLBACK")
	var ps []*vigil.Party
	for i := range 1000 {
		ps = append(ps, testParty(fmt.Sprintf("Q%04d", i), "P"))
	}
	if sum := importAll(t, db, ps); sum.Created != 1000 {
		t.Fatalf("import: %+v", sum)
	}
	if got := indexDefs(t, db); !slices.Equal(got, defs) {
		t.Fatalf("indexes were rebuilt under a reader's lock:\n got %q\nwant %q", got, defs)
	}
	var timeout string
	if err := db.DB().QueryRow("SHOW lock_timeout").Scan(&timeout); err != nil || timeout != "0" {
		t.Fatalf("lock_timeout after the import = %q (%v), want the default 0", timeout, err)
	}
}

// With references to two tables, the error names the first bad record in
// the source and its first bad field, whichever table the lookups ask
// first, as the generic path does.
func TestImportReferenceErrorOrder(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	ctx := context.Background()
	if err := db.Create(ctx, &vigil.Service{ID: "svc", Name: "Service", Capabilities: []string{"compute"}}, "t"); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, testParty("P", "P"), "t"); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, &vigil.Account{ID: "A", PartyID: "P", Name: "A"}, "t"); err != nil {
		t.Fatal(err)
	}
	subs := func() []*vigil.Subscription {
		var ss []*vigil.Subscription
		for i := range 300 {
			ss = append(ss, &vigil.Subscription{ID: fmt.Sprintf("S%03d", i), AccountID: "A", ServiceID: "svc", Region: "eu", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive})
		}
		return ss
	}
	for _, tc := range []struct {
		name  string
		spoil func([]*vigil.Subscription)
		row   int
		field string
	}{
		{"service before account", func(ss []*vigil.Subscription) { ss[150].ServiceID = "nope"; ss[170].AccountID = "nope" }, 150, "service_id"},
		{"account before service", func(ss []*vigil.Subscription) { ss[220].ServiceID = "nope"; ss[210].AccountID = "nope" }, 210, "account_id"},
		{"both in one record", func(ss []*vigil.Subscription) { ss[5].ServiceID = "nope"; ss[5].AccountID = "nope" }, 5, "account_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := subs()
			tc.spoil(ss)
			_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindSubscription, Source: &vigil.SliceSource[*vigil.Subscription]{Records: ss}, Actor: "importer"})
			var ve *vigil.Error
			if !errors.As(err, &ve) || ve.Code != vigil.EINVALID || ve.Row != tc.row || ve.Field != tc.field {
				t.Fatalf("error %v, want EINVALID at row %d field %s", err, tc.row, tc.field)
			}
		})
	}
}

// An id that another transaction inserts while the import runs makes the
// import fail with ECONFLICT, whole, rather than with a driver error.
func TestConcurrentInsertIsAConflict(t *testing.T) {
	db := openFresh(t)
	ctx := context.Background()
	var schema string
	if err := db.DB().QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	other := server(t)
	if _, err := other.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, "INSERT INTO "+schema+".parties (id, type, name, country, sectors, doc, hash, created_at, created_by, updated_at, updated_by) VALUES ('Q0005', 'company', 'X', '', '', '{}', '', '', '', '', '')"); err != nil {
		t.Fatal(err)
	}
	var ps []*vigil.Party
	for i := range 20 {
		ps = append(ps, testParty(fmt.Sprintf("Q%04d", i), "P"))
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: ps}, Actor: "importer"})
		done <- err
	}()
	// The import waits on the other transaction's uncommitted row.
	select {
	case err := <-done:
		t.Fatalf("import finished before the other transaction: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := other.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	err := <-done
	if vigil.ErrorCode(err) != vigil.ECONFLICT || !strings.Contains(err.Error(), "Q0005") {
		t.Fatalf("error %v, want ECONFLICT naming Q0005", err)
	}
	if n, err := db.Count(ctx, vigil.KindParty); err != nil || n != 1 {
		t.Fatalf("%d parties (%v), want only the other transaction's", n, err)
	}
}

// checkedSource is the records of a source that has validated them and
// never yields an id twice (as transfer's file reader does), failing with
// failWith after the first failAt records when failAt > 0.
type checkedSource struct {
	recs     []vigil.Record
	i        int
	failAt   int
	failWith error
}

func (s *checkedSource) RecordsChecked() bool { return true }

func (s *checkedSource) Next() (vigil.Record, error) {
	if s.failAt > 0 && s.i == s.failAt {
		return nil, s.failWith
	}
	if s.i >= len(s.recs) {
		return nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], nil
}

// A large import of a checked source leaves its references, once the
// foreign keys are dropped, to their re-validation at the end; a reference
// that points nowhere still fails the import with the error that names the
// first record at fault in the source and its first bad field, before a
// later failure of the source or the final check, and leaves nothing.
func TestImportDeferredReferenceErrors(t *testing.T) {
	defer postgres.SetImportSizes(100, 250)()
	db := openFresh(t)
	ctx := context.Background()
	var ps []*vigil.Party
	for i := range 50 {
		ps = append(ps, testParty(fmt.Sprintf("P%02d", i), "P"))
	}
	importAll(t, db, ps)
	if err := db.Create(ctx, &vigil.Service{ID: "svc", Name: "Service", Capabilities: []string{"compute"}}, "t"); err != nil {
		t.Fatal(err)
	}
	var as []vigil.Record
	for i := range 1000 {
		as = append(as, &vigil.Account{ID: fmt.Sprintf("A%04d", i), PartyID: ps[i%50].ID, Name: "A"})
	}
	if _, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindAccount, Source: &checkedSource{recs: as}, Actor: "importer"}); err != nil {
		t.Fatal(err)
	}
	linkSchema, subSchema := schemaOf(t, db, "links"), schemaOf(t, db, "subscriptions")
	links := func() []*vigil.Link {
		var ls []*vigil.Link
		for i := range 1000 {
			ls = append(ls, &vigil.Link{ID: fmt.Sprintf("L%04d", i), From: ps[i%50].ID, To: ps[(i+1)%50].ID, Type: vigil.LinkResellsTo})
		}
		return ls
	}
	subs := func() []*vigil.Subscription {
		var ss []*vigil.Subscription
		for i := range 1000 {
			ss = append(ss, &vigil.Subscription{ID: fmt.Sprintf("S%04d", i), AccountID: as[i].RecordID(), ServiceID: "svc", Region: "eu", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive})
		}
		return ss
	}
	readErr := errors.New("read error")
	for _, tc := range []struct {
		name   string
		kind   vigil.Kind
		recs   func() []vigil.Record
		failAt int
		row    int
		field  string
		ref    string
	}{
		{"one dangling link", vigil.KindLink, func() []vigil.Record {
			ls := links()
			ls[600].To = "nobody"
			return records(ls)
		}, 0, 600, "to", `party "nobody"`},
		{"both fields of one link", vigil.KindLink, func() []vigil.Record {
			ls := links()
			ls[700].To, ls[700].From = "nobody", "noone"
			return records(ls)
		}, 0, 700, "from", `party "noone"`},
		{"the first in the source, not by field", vigil.KindLink, func() []vigil.Record {
			ls := links()
			ls[800].From, ls[650].To = "noone", "nobody"
			return records(ls)
		}, 0, 650, "to", `party "nobody"`},
		{"before a later read error", vigil.KindLink, func() []vigil.Record {
			ls := links()
			ls[500].From = "noone"
			return records(ls)
		}, 900, 500, "from", `party "noone"`},
		{"service before account", vigil.KindSubscription, func() []vigil.Record {
			ss := subs()
			ss[400].ServiceID, ss[450].AccountID = "nope", "nope"
			return records(ss)
		}, 0, 400, "service_id", `service "nope"`},
		{"account before service", vigil.KindSubscription, func() []vigil.Record {
			ss := subs()
			ss[999].AccountID, ss[999].ServiceID = "nope", "nope"
			return records(ss)
		}, 0, 999, "account_id", `account "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &checkedSource{recs: tc.recs(), failAt: tc.failAt, failWith: readErr}
			_, err := db.Import(ctx, vigil.ImportRequest{Kind: tc.kind, Source: src, Actor: "importer"})
			var ve *vigil.Error
			if !errors.As(err, &ve) || ve.Code != vigil.EINVALID || ve.Row != tc.row || ve.Field != tc.field || !strings.Contains(ve.Message, tc.ref) {
				t.Fatalf("error %v, want EINVALID at row %d field %s naming %s", err, tc.row, tc.field, tc.ref)
			}
			if n, err := db.Count(ctx, tc.kind); err != nil || n != 0 {
				t.Fatalf("%d %s (%v) after a failed import", n, tc.kind, err)
			}
			if got := schemaOf(t, db, "links"); !slices.Equal(got, linkSchema) {
				t.Fatalf("links after a failed import:\n got %q\nwant %q", got, linkSchema)
			}
			if got := schemaOf(t, db, "subscriptions"); !slices.Equal(got, subSchema) {
				t.Fatalf("subscriptions after a failed import:\n got %q\nwant %q", got, subSchema)
			}
		})
	}
	t.Run("a read error with no dangling reference", func(t *testing.T) {
		_, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &checkedSource{recs: records(links()), failAt: 900, failWith: readErr}, Actor: "importer"})
		if !errors.Is(err, readErr) {
			t.Fatalf("error %v, want the source's", err)
		}
	})
	t.Run("valid", func(t *testing.T) {
		sum, err := db.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &checkedSource{recs: records(links())}, Actor: "importer"})
		if err != nil || sum.Created != 1000 {
			t.Fatalf("import: %+v %v", sum, err)
		}
	})
}

func records[T vigil.Record](rs []T) []vigil.Record {
	out := make([]vigil.Record, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}
