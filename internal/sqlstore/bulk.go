package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unsafe"

	"github.com/vigil-hrdd/vigil"
)

// BulkImporter is an optional Dialect extension that pipelines imports:
// Import then reads, validates and encodes the next batch on one goroutine
// while the database writes the current one, and hands the dialect whole
// batches, with one lookup and one update statement per batch. It pays off
// wherever the database's work runs beside ours: in another process
// (PostgreSQL) or on another core. The contract does not change: one
// transaction, exact created/updated/unchanged counts, EINVALID with the
// record's Row.
type BulkImporter interface {
	// ImportBatchSize is how many records one batch holds.
	ImportBatchSize() int
	// LookupHashes returns the stored hash of every one of ids that exists
	// in table.
	LookupHashes(ctx context.Context, conn *sql.Conn, table string, ids []string) (map[string]string, error)
	// UpdateRows overwrites existing rows by id (cols[0]) with rows, inside
	// the current transaction. cols holds every column but created_at and
	// created_by, which an update keeps.
	UpdateRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error
}

// ImportBeginner is an optional extension of BulkImporter for a dialect
// that keeps state across the batches of one import (PostgreSQL defers
// index maintenance on large ones).
type ImportBeginner interface {
	// BeginImport returns the writer of one import into table, whose
	// columns are cols (id first), inside the transaction open on conn.
	BeginImport(ctx context.Context, conn *sql.Conn, table string, cols []string, opt ImportOptions) (ImportWriter, error)
}

// ImportOptions tell an ImportWriter what it may assume of an import.
type ImportOptions struct {
	// UniqueIDs is true when no id comes twice in the import, so that a
	// table empty at the start holds none of the batch's ids.
	UniqueIDs bool
}

// CheckedSource is a vigil.RecordSource that validates every record before
// yielding it and never yields one id twice (transfer's file reader, which
// must do both to report every bad line of a file): the import then does
// neither again. Validation was a tenth of a whole-portfolio import's CPU
// when done twice.
type CheckedSource interface {
	RecordsChecked() bool
}

func checkedSource(src vigil.RecordSource) bool {
	c, ok := src.(CheckedSource)
	return ok && c.RecordsChecked()
}

// RefEnforcer is an optional ImportWriter extension for a database that
// checks references itself as it inserts or updates a row (SQLite's
// foreign keys, one probe of the parent's primary key beside the insert).
// The import then leaves those references to the database instead of
// asking for each batch's referenced ids first, and checks them itself
// only when the database refuses a batch, to name the record and field at
// fault as it always does.
type RefEnforcer interface {
	// EnforcedColumns is the set of the table's columns whose references
	// the database checks.
	EnforcedColumns() map[string]bool
	// IsRefViolation tells whether err is the database refusing a
	// reference.
	IsRefViolation(err error) bool
}

// enforcedRefs is the set of Ref.Fields of t that w's database checks.
func enforcedRefs(w ImportWriter, t *table) map[string]bool {
	re, ok := w.(RefEnforcer)
	if !ok {
		return nil
	}
	cols := re.EnforcedColumns()
	out := map[string]bool{}
	for field, col := range t.refColumns() {
		if cols[col] {
			out[field] = true
		}
	}
	return out
}

// ImportWriter writes the batches of one import.
type ImportWriter interface {
	// LookupHashes returns the stored hash of every one of ids that exists.
	LookupHashes(ctx context.Context, ids []string) (map[string]string, error)
	// InsertRows inserts new rows, with every column.
	InsertRows(ctx context.Context, rows [][]any) error
	// UpdateRows overwrites existing rows by id (cols[0]); see
	// BulkImporter.UpdateRows.
	UpdateRows(ctx context.Context, cols []string, rows [][]any) error
	// Finish runs after the last batch, before the import's event and the
	// commit.
	Finish(ctx context.Context) error
}

// RefLookup is an optional ImportWriter extension that checks a batch's
// references with one query per referenced table instead of IN lists of
// 500.
type RefLookup interface {
	// ExistingIDs returns the ones of ids that exist in table.
	ExistingIDs(ctx context.Context, table string, ids []string) (map[string]bool, error)
}

// checkRefsWith is tx.checkRefs through a RefLookup, with the same error:
// the first record in recs, and its first reference, that points nowhere.
func checkRefsWith(ctx context.Context, rl RefLookup, recs []vigil.Record, skip map[string]bool) error {
	want := map[vigil.Kind][]string{}
	seen := map[vigil.Ref]bool{}
	for _, r := range recs {
		for _, ref := range r.Refs() {
			if skip[ref.Field] {
				continue
			}
			key := vigil.Ref{Kind: ref.Kind, ID: ref.ID}
			if !seen[key] {
				seen[key] = true
				want[ref.Kind] = append(want[ref.Kind], ref.ID)
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	found := map[vigil.Kind]map[string]bool{}
	for kind, ids := range want {
		t, err := tableFor(kind)
		if err != nil {
			return err
		}
		if found[kind], err = rl.ExistingIDs(ctx, t.name, ids); err != nil {
			return fmt.Errorf("check references to %s: %w", kind, err)
		}
	}
	for i, r := range recs {
		for _, ref := range r.Refs() {
			if !skip[ref.Field] && !found[ref.Kind][ref.ID] {
				return &vigil.Error{Code: vigil.EINVALID, Field: ref.Field, Row: i,
					Message: fmt.Sprintf("refers to %s %q, which does not exist (import %s first)", ref.Kind.Singular(), ref.ID, ref.Kind)}
			}
		}
	}
	return nil
}

// RefDeferrer is an optional ImportWriter extension for a database that,
// in a large import, stops checking some references row by row and checks
// them all at once in Finish (PostgreSQL adding back the foreign keys it
// dropped, one join of the whole table). For an import whose ids are
// unique, the import then leaves those references to Finish instead of
// asking for each batch's referenced ids, which the database would look up
// a second time when it checks them; and when Finish, or anything after the
// first unchecked batch, fails, it asks the writer for the rows at fault to
// name the first of them in the source, as its own check would have.
// Unique ids matter: a record met twice is stored as its last version, whose
// references are the only ones Finish sees.
type RefDeferrer interface {
	// DeferredRefs maps each column whose references Finish will check to
	// the table it refers to. It is empty until the writer decides to
	// defer, which it may do in any InsertRows.
	DeferredRefs() map[string]string
	// DanglingRefs returns the id and the column's value of every row of
	// the table whose column col (one of DeferredRefs) refers to no row.
	// It is called after a failed Finish, or a failed batch, within the
	// import's transaction.
	DanglingRefs(ctx context.Context, col string) (map[string]string, error)
}

// deferredRefs follows the records of an import whose references to some
// tables are left to the writer's Finish (RefDeferrer): their ids, in
// source order, in one arena, to name the first record at fault if the
// writer finds dangling references (a few bytes a record, where keeping the
// records or even their id strings would keep every record's memory).
type deferredRefs struct {
	rd   RefDeferrer
	t    *table
	cols []column              // the deferred columns, in t's order
	kind map[string]vigil.Kind // each deferred column's referenced kind
	// skip is the set of Ref.Fields the per-batch check leaves out.
	skip map[string]bool
	// first is the Row of the first record whose id is in ids.
	first int
	ids   []byte
	ends  []uint32
}

// newDeferredRefs starts following an import whose writer defers the
// references of cols (column → table) from the record of Row first on, or
// returns nil when none of cols is a reference column of t that maps to a
// known kind.
func newDeferredRefs(rd RefDeferrer, t *table, cols map[string]string, enforced map[string]bool, first int) *deferredRefs {
	byName := map[string]vigil.Kind{}
	for kind, tt := range tables {
		byName[tt.name] = kind
	}
	d := &deferredRefs{rd: rd, t: t, kind: map[string]vigil.Kind{}, skip: map[string]bool{}, first: first}
	for f := range enforced {
		d.skip[f] = true
	}
	for _, c := range t.cols {
		kind, ok := byName[cols[c.name]]
		if c.ref == "" || c.list || !ok {
			continue
		}
		d.cols = append(d.cols, c)
		d.kind[c.name] = kind
		d.skip[c.ref] = true
	}
	if len(d.cols) == 0 {
		return nil
	}
	return d
}

// add notes the records of a batch written without the check of the
// deferred references.
func (d *deferredRefs) add(recs []vigil.Record) {
	for _, r := range recs {
		d.ids = append(d.ids, r.RecordID()...)
		d.ends = append(d.ends, uint32(len(d.ids)))
	}
}

// firstError is err, or the error of the first record followed by d whose
// deferred reference dangles, when there is one: that record comes before
// whatever failed, which was later in the source or the final check. It
// is err too when the transaction can no longer be asked.
func (d *deferredRefs) firstError(ctx context.Context, err error) error {
	if d == nil || len(d.ends) == 0 {
		return err
	}
	bad := make([]map[string]string, len(d.cols))
	found := false
	for i, c := range d.cols {
		m, derr := d.rd.DanglingRefs(ctx, c.name)
		if derr != nil {
			return err
		}
		bad[i] = m
		found = found || len(m) > 0
	}
	if !found {
		return err
	}
	start := uint32(0)
	for row, end := range d.ends {
		id := unsafe.String(unsafe.SliceData(d.ids[start:end]), int(end-start))
		start = end
		for i, c := range d.cols {
			ref, ok := bad[i][id]
			if !ok {
				continue
			}
			kind := d.kind[c.name]
			return &vigil.Error{Code: vigil.EINVALID, Field: c.ref, Row: d.first + row,
				Message: fmt.Sprintf("refers to %s %q, which does not exist (import %s first)", kind.Singular(), ref, kind)}
		}
	}
	return err
}

// dialectWriter is the ImportWriter of a BulkImporter that is no
// ImportBeginner: the dialect's methods, bound to one table.
type dialectWriter struct {
	d     Dialect
	bi    BulkImporter
	conn  *sql.Conn
	table string
	cols  []string
}

func (w *dialectWriter) LookupHashes(ctx context.Context, ids []string) (map[string]string, error) {
	return w.bi.LookupHashes(ctx, w.conn, w.table, ids)
}

func (w *dialectWriter) InsertRows(ctx context.Context, rows [][]any) error {
	return w.d.InsertRows(ctx, w.conn, w.table, w.cols, rows)
}

func (w *dialectWriter) UpdateRows(ctx context.Context, cols []string, rows [][]any) error {
	return w.bi.UpdateRows(ctx, w.conn, w.table, cols, rows)
}

func (w *dialectWriter) Finish(context.Context) error { return nil }

func (s *Store) beginImport(ctx context.Context, bi BulkImporter, conn *sql.Conn, t *table, opt ImportOptions) (ImportWriter, error) {
	if b, ok := bi.(ImportBeginner); ok {
		return b.BeginImport(ctx, conn, t.name, t.rowColumns(), opt)
	}
	return &dialectWriter{d: s.dialect, bi: bi, conn: conn, table: t.name, cols: t.rowColumns()}, nil
}

// bulkBatch is one batch of records read, validated and encoded ahead of
// the writer.
type bulkBatch struct {
	base   int // Row of recs[0] in the source
	recs   []vigil.Record
	hashes []string
	rows   [][]any // insert rows (every column), stamped as created now
	err    error
}

// bulkImport is Import for a BulkImporter dialect.
func (s *Store) bulkImport(ctx context.Context, bi BulkImporter, req vigil.ImportRequest) (vigil.ImportSummary, error) {
	sum := vigil.ImportSummary{Kind: req.Kind}
	t, err := tableFor(req.Kind)
	if err != nil {
		return sum, err
	}
	size := max(bi.ImportBatchSize(), 1)
	checked := checkedSource(req.Source)
	err = s.inTx(ctx, func(tx *tx) error {
		w, err := s.beginImport(ctx, bi, tx.conn, t, ImportOptions{UniqueIDs: checked})
		if err != nil {
			return fmt.Errorf("import %s: %w", t.kind, err)
		}
		enforced := enforcedRefs(w, t)
		// The reader stops when the writer does (stop), and Import waits
		// for it, so the caller's source is never read after Import
		// returns.
		stop := make(chan struct{})
		batches := make(chan *bulkBatch, 1)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(batches)
			s.readBatches(req, t, size, !checked, batches, stop)
		}()
		defer wg.Wait()
		defer close(stop)
		rd, _ := w.(RefDeferrer)
		var deferred *deferredRefs // once the writer defers references
		for b := range batches {
			if b.err != nil {
				return deferred.firstError(ctx, b.err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			skip := enforced
			if deferred != nil {
				skip = deferred.skip
			}
			if err := tx.writeBulkBatch(ctx, w, t, b, skip, &sum); err != nil {
				return deferred.firstError(ctx, err)
			}
			switch {
			case deferred != nil:
				deferred.add(b.recs)
			case rd != nil && checked:
				if cols := rd.DeferredRefs(); len(cols) > 0 {
					deferred = newDeferredRefs(rd, t, cols, enforced, b.base+len(b.recs))
				}
			}
		}
		if err := w.Finish(ctx); err != nil {
			return deferred.firstError(ctx, fmt.Errorf("import %s: %w", t.kind, err))
		}
		ev, err := vigil.NewEvent("import.completed", string(req.Kind), req.Actor, s.now(), map[string]any{
			"kind": req.Kind, "file": req.File, "sha256": req.Digest(),
			"created": sum.Created, "updated": sum.Updated, "unchanged": sum.Unchanged,
		})
		if err != nil {
			return err
		}
		sum.EventID = ev.ID
		return tx.insertEvent(ctx, ev)
	})
	if err != nil {
		return vigil.ImportSummary{Kind: req.Kind}, err
	}
	return sum, nil
}

// readBatches reads the source into batches until it ends, fails or stop
// closes. An error is sent as a batch of its own, and ends the reading.
// validate is false when the source has validated the records itself.
func (s *Store) readBatches(req vigil.ImportRequest, t *table, size int, validate bool, out chan<- *bulkBatch, stop <-chan struct{}) {
	send := func(b *bulkBatch) bool {
		select {
		case out <- b:
			return true
		case <-stop:
			return false
		}
	}
	base := 0
	for {
		recs := make([]vigil.Record, 0, size)
		var readErr error
		for len(recs) < size {
			rec, err := req.Source.Next()
			if err != nil {
				readErr = err
				break
			}
			if rec.RecordKind() != req.Kind {
				readErr = &vigil.Error{Code: vigil.EINVALID, Row: base + len(recs), Message: fmt.Sprintf("a %s in an import of %s", rec.RecordKind().Singular(), req.Kind)}
				break
			}
			recs = append(recs, rec)
		}
		b := &bulkBatch{base: base, recs: recs}
		// A bad record before the point where reading stopped is the
		// first error in source order.
		if err := s.encodeBatch(b, t, req.Actor, validate); err != nil {
			send(&bulkBatch{err: err})
			return
		}
		if len(recs) > 0 && !send(b) {
			return
		}
		if readErr != nil {
			if !errors.Is(readErr, io.EOF) {
				send(&bulkBatch{err: readErr})
			}
			return
		}
		base += len(recs)
	}
}

// encodeBatch validates the batch's records and encodes their rows, on as
// many goroutines as there are processors: JSON encoding and hashing are
// most of an import's work on our side. Its error is the one of the
// lowest Row.
func (s *Store) encodeBatch(b *bulkBatch, t *table, actor string, validate bool) error {
	n := len(b.recs)
	b.hashes, b.rows = make([]string, n), make([][]any, n)
	stamp := s.now().UTC()
	stampText := ts(stamp)
	parts := min(runtime.GOMAXPROCS(0), max(n/256, 1))
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				rec := b.recs[i]
				if validate {
					if err := rec.Validate(); err != nil {
						var ve *vigil.Error
						if errors.As(err, &ve) {
							ve.Row = b.base + i
						}
						errs[p] = err
						return
					}
				}
				doc, hash, err := document(rec)
				if err != nil {
					errs[p] = err
					return
				}
				*rec.RecordMeta() = vigil.Meta{CreatedAt: stamp, CreatedBy: actor, UpdatedAt: stamp, UpdatedBy: actor}
				b.hashes[i] = hash
				b.rows[i] = t.bulkRow(rec, doc, hash, stampText, actor)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBulkBatch stores one batch: new records by InsertRows, changed ones
// by UpdateRows, unchanged ones not at all. A record met twice counts as
// the generic path counts it, in source order: the second time against the
// first, and the last version is the one stored. References whose
// Ref.Field is in enforced are left to the database.
func (tx *tx) writeBulkBatch(ctx context.Context, w ImportWriter, t *table, b *bulkBatch, enforced map[string]bool, sum *vigil.ImportSummary) error {
	check := tx.checkRefsBut
	if rl, ok := w.(RefLookup); ok {
		check = func(ctx context.Context, recs []vigil.Record, skip map[string]bool) error {
			return checkRefsWith(ctx, rl, recs, skip)
		}
	}
	rowErr := func(err error) error {
		var ve *vigil.Error
		if errors.As(err, &ve) && ve.Row >= 0 {
			ve.Row += b.base
		}
		return err
	}
	if err := check(ctx, b.recs, enforced); err != nil {
		return rowErr(err)
	}
	// refused turns the database refusing a reference into the error the
	// import's own check gives, which names the first bad record and
	// field; nil when the check finds nothing to name.
	refused := func(err error) error {
		if re, ok := w.(RefEnforcer); ok && re.IsRefViolation(err) {
			if cerr := check(ctx, b.recs, nil); cerr != nil {
				return rowErr(cerr)
			}
		}
		return nil
	}
	ids := make([]string, len(b.recs))
	for i, r := range b.recs {
		ids[i] = r.RecordID()
	}
	existing, err := w.LookupHashes(ctx, ids)
	if err != nil {
		return fmt.Errorf("import %s: look up existing: %w", t.kind, err)
	}
	// pending maps an id to its row in inserts (>= 0) or in updates (< 0,
	// as -1-index), so that a later copy of a record replaces the earlier.
	pending := make(map[string]int, len(b.recs))
	var inserts, updates [][]any
	updCols, keep := updateColumns(t)
	for i, rec := range b.recs {
		id, hash := ids[i], b.hashes[i]
		old, found := existing[id]
		switch {
		case !found:
			pending[id] = len(inserts)
			inserts = append(inserts, b.rows[i])
			sum.Created++
		case old == hash:
			sum.Unchanged++
			continue
		default:
			sum.Updated++
			if j, ok := pending[id]; ok && j >= 0 {
				// Created earlier in this batch: insert the last version.
				inserts[j] = b.rows[i]
				break
			}
			m := rec.RecordMeta()
			*m = vigil.Meta{UpdatedAt: m.UpdatedAt, UpdatedBy: m.UpdatedBy}
			row := make([]any, 0, len(keep))
			for _, k := range keep {
				row = append(row, b.rows[i][k])
			}
			if j, ok := pending[id]; ok {
				updates[-1-j] = row
			} else {
				pending[id] = -1 - len(updates)
				updates = append(updates, row)
			}
		}
		existing[id] = hash
	}
	if len(inserts) > 0 {
		if err := w.InsertRows(ctx, inserts); err != nil {
			if rerr := refused(err); rerr != nil {
				return rerr
			}
			return fmt.Errorf("import %s: insert: %w", t.kind, err)
		}
	}
	if len(updates) > 0 {
		if err := w.UpdateRows(ctx, updCols, updates); err != nil {
			if rerr := refused(err); rerr != nil {
				return rerr
			}
			return fmt.Errorf("import %s: update: %w", t.kind, err)
		}
	}
	return nil
}

// updateColumns is every column of t but created_at and created_by, and the
// index of each in an insert row.
func updateColumns(t *table) ([]string, []int) {
	var cols []string
	var keep []int
	for i, c := range t.rowColumns() {
		if c == "created_at" || c == "created_by" {
			continue
		}
		cols = append(cols, c)
		keep = append(keep, i)
	}
	return cols, keep
}

// bulkRow is table.row for a record stamped created and updated at
// stampText by actor, without the copy of the document: doc is fresh from
// json.Marshal and never written again, so the row's string may share its
// bytes (the copies and the per-row time formatting stood out in the
// import's CPU profile).
func (t *table) bulkRow(rec vigil.Record, doc []byte, hash, stampText, actor string) []any {
	row := make([]any, 0, len(t.cols)+7)
	row = append(row, rec.RecordID())
	for _, c := range t.cols {
		row = append(row, c.value(rec))
	}
	return append(row, unsafe.String(unsafe.SliceData(doc), len(doc)), hash, stampText, actor, stampText, actor)
}
