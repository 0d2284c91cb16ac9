package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

var _ usage.Store = (*Store)(nil)

// usageRowsPerStatement: multi-row INSERTs with RETURNING, to learn which
// keys were new, in one round trip per 500 records; 9 columns each stay
// far below both databases' placeholder limits.
const (
	usageRowsPerStatement = 500
	// usageBatch records are read and deduplicated at a time on SQLite,
	// which does not care about the size; usageCopyBatch on PostgreSQL,
	// where each batch costs a few round trips and statements, and more
	// records a batch did better (60,000 records/s with 5,000, 78,000 with
	// 20,000: BENCHMARKS-usage.md). 100,000 staged records take some 20 MB
	// of the server's temporary buffers.
	usageBatch            = 20000
	usageCopyBatch        = 100_000
	dailyRowsPerStatement = 500
)

// periodLayout has a fixed width, so that stored periods sort as times.
const periodLayout = "2006-01-02T15:04:05.000000000Z"

// identity is what makes a record a duplicate: its key within its period
// start (the primary key of usage_records).
func identity(r *usage.Record) string { return r.Start.UTC().Format(periodLayout) + "\x00" + r.Key }

var usageCols = []string{"key", "subscription_id", "meter", "quantity", "unit", "period_start", "period_end", "region", "ingested_at"}

// IngestUsage stores new records and grows the daily totals, in one
// transaction.
func (s *Store) IngestUsage(ctx context.Context, req usage.IngestRequest) (usage.IngestSummary, error) {
	var sum usage.IngestSummary
	err := s.inTx(ctx, func(tx *tx) error {
		sum = usage.IngestSummary{}
		ins := s.newUsageInserter(tx, s.now())
		defer ins.close()
		totals := usage.NewTotals()
		var err error
		if ins.copier != nil {
			err = ins.ingestStreamed(ctx, req.Source, totals, &sum)
		} else {
			err = ins.ingestBatches(ctx, req.Source, totals, &sum)
		}
		if err != nil {
			return err
		}
		if sum.Created == 0 {
			// Nothing new: a redelivery or a re-import changes nothing,
			// not even the outbox.
			return nil
		}
		if err := ins.addDaily(ctx, totals.Daily()); err != nil {
			return err
		}
		ev, err := vigil.NewEvent("usage.ingested", "usage", req.Actor, s.now(), map[string]any{
			"origin": req.Origin, "sha256": req.Digest(),
			"received": sum.Received, "created": sum.Created, "duplicates": sum.Duplicates,
		})
		if err != nil {
			return err
		}
		sum.EventID = ev.ID
		return tx.insertEvent(ctx, ev)
	})
	if err != nil {
		return usage.IngestSummary{}, err
	}
	return sum, nil
}

// ident is a record's identity (see identity) without formatting its
// time: seconds and nanoseconds, since UnixNano overflows past 2262.
type ident struct {
	sec  int64
	nsec int
	key  string
}

func identOf(r *usage.Record) ident { return ident{r.Start.Unix(), r.Start.Nanosecond(), r.Key} }

// batchSize is how many records a batch holds: size, or fewer when the
// source says it holds fewer.
func batchSize(src usage.Source, size int) int {
	if s, ok := src.(interface{ Remaining() int }); ok {
		// A NATS fetch or an HTTP batch holds far fewer records than
		// a staging batch: no 100,000-record buffer to allocate and
		// clear for them.
		size = max(1, min(size, s.Remaining()))
	}
	return size
}

// ingestBatches reads the source a batch at a time, drops the batch's
// repeated keys and inserts the rest (SQLite).
func (u *usageInserter) ingestBatches(ctx context.Context, src usage.Source, totals *usage.Totals, sum *usage.IngestSummary) error {
	size := batchSize(src, usageBatch)
	batch := make([]usage.Record, 0, size)
	inBatch := make(map[ident]struct{}, size)
	for done := false; !done; {
		batch = batch[:0]
		clear(inBatch)
		for len(batch) < size {
			batch = append(batch, usage.Record{})
			err := src.Next(&batch[len(batch)-1])
			if errors.Is(err, io.EOF) {
				batch = batch[:len(batch)-1]
				done = true
				break
			}
			if err != nil {
				return err
			}
			sum.Received++
			k := identOf(&batch[len(batch)-1])
			if _, dup := inBatch[k]; dup {
				batch = batch[:len(batch)-1]
				sum.Duplicates++
				continue
			}
			inBatch[k] = struct{}{}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		isNew, err := u.insert(ctx, batch)
		if err != nil {
			return err
		}
		countNew(batch, isNew, totals, sum)
	}
	return nil
}

func countNew(batch []usage.Record, isNew []bool, totals *usage.Totals, sum *usage.IngestSummary) {
	for i := range batch {
		if isNew[i] {
			totals.Add(&batch[i])
			sum.Created++
		} else {
			sum.Duplicates++
		}
	}
}

// usageInserter inserts records whose key is new and returns the new keys,
// in the way that is fastest on the database.
type usageInserter struct {
	tx *tx
	// base is the ingest's time; each chunk's records carry base plus the
	// chunk's number in nanoseconds as ingested_at, which tells a chunk's
	// own rows from older ones.
	base   time.Time
	chunks int
	stamp  string
	// copier: PostgreSQL streams binary COPY data (see ingestStreamed);
	// SQLite, in process, does better with a prepared multi-row INSERT.
	copier copyInDialect
	full   *sql.Stmt // the prepared statement for a full chunk
	// daily is the prepared upsert of a full chunk of daily totals
	// (SQLite): parsing the 500-row statement anew for each chunk cost a
	// fifth of the daily totals' time.
	daily *sql.Stmt
	// args is reused from chunk to chunk; times formats the periods.
	args  []any
	times periodStrings
	ready bool
	// sawDuplicate: a batch of this request held a stored key.
	sawDuplicate bool
}

// copyInDialect is a dialect that runs COPY ... FROM STDIN with the data
// read from an io.Reader (PostgreSQL, postgres/usage_copy.go).
type copyInDialect interface {
	CopyIn(ctx context.Context, conn *sql.Conn, stmt string, r io.Reader) (int64, error)
}

func (s *Store) newUsageInserter(tx *tx, now time.Time) *usageInserter {
	u := &usageInserter{tx: tx, base: now.UTC(), stamp: ts(now)}
	u.copier, _ = s.dialect.(copyInDialect)
	return u
}

func (u *usageInserter) close() {
	if u.full != nil {
		u.full.Close()
	}
	if u.daily != nil {
		u.daily.Close()
	}
}

// appendArgs appends the statement arguments of recs, row by row in
// usageCols order. A stream's records share their periods, so periodStrings
// formats each period once rather than twice a record.
func (u *usageInserter) appendArgs(args []any, recs []usage.Record) []any {
	for i := range recs {
		r := &recs[i]
		args = append(args, r.Key, r.Subscription, r.Meter, r.Quantity, r.Unit,
			u.times.format(r.Start), u.times.format(r.End), r.Region, u.stamp)
	}
	return args
}

// insert inserts a batch by multi-row INSERTs (SQLite).
func (u *usageInserter) insert(ctx context.Context, recs []usage.Record) ([]bool, error) {
	isNew := make([]bool, len(recs))
	for start := 0; start < len(recs); start += usageRowsPerStatement {
		end := min(start+usageRowsPerStatement, len(recs))
		if err := u.insertChunk(ctx, recs[start:end], isNew[start:end]); err != nil {
			return nil, err
		}
	}
	return isNew, nil
}

// markNew sets isNew for the records whose identity is in fresh.
func markNew(recs []usage.Record, fresh map[string]struct{}, isNew []bool) {
	for i := range recs {
		_, isNew[i] = fresh[identity(&recs[i])]
	}
}

func insertUsageSQL(n int) string {
	one := "(" + placeholders(len(usageCols)) + ")"
	return "INSERT OR IGNORE INTO usage_records (" + strings.Join(usageCols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// execChunk runs the statement that query(n) builds for a chunk of n rows.
// A full chunk of full rows runs the statement prepared once per ingest in
// *stmt: parsing a statement of hundreds of rows again for every chunk
// was a visible share of the SQLite ingest's CPU.
func (u *usageInserter) execChunk(ctx context.Context, stmt **sql.Stmt, n, full int, query func(int) string, args []any) (sql.Result, error) {
	if n != full {
		return u.tx.exec(ctx, query(n), args...)
	}
	if *stmt == nil {
		st, err := u.tx.conn.PrepareContext(ctx, u.tx.s.q(query(full)))
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*stmt = st
	}
	return (*stmt).ExecContext(ctx, args...)
}

func (u *usageInserter) insertChunk(ctx context.Context, chunk []usage.Record, isNew []bool) error {
	u.chunks++
	u.stamp = ts(u.base.Add(time.Duration(u.chunks)))
	args := u.appendArgs(u.args[:0], chunk)
	// Drop the references to this chunk's strings once it has run.
	defer func() { clear(args); u.args = args[:0] }()
	res, err := u.execChunk(ctx, &u.full, len(chunk), usageRowsPerStatement, insertUsageSQL, args)
	if err != nil {
		return fmt.Errorf("ingest usage: insert: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ingest usage: insert: %w", err)
	}
	if n == int64(len(chunk)) {
		for i := range isNew {
			isNew[i] = true
		}
		return nil
	}
	// Some were duplicates: the new ones are those carrying this chunk's
	// stamp.
	q := "SELECT period_start, key FROM usage_records WHERE ingested_at = ? AND (period_start, key) IN (VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?),", len(chunk)), ",") + ")"
	qargs := make([]any, 0, 1+2*len(chunk))
	qargs = append(qargs, u.stamp)
	for i := range chunk {
		qargs = append(qargs, u.times.format(chunk[i].Start), chunk[i].Key)
	}
	rows, err := u.tx.query(ctx, q, qargs...)
	if err != nil {
		return fmt.Errorf("ingest usage: find the new records: %w", err)
	}
	fresh := make(map[string]struct{}, len(chunk))
	if err := scanKeys(rows, fresh); err != nil {
		return err
	}
	markNew(chunk, fresh, isNew)
	return nil
}

func scanKeys(rows *sql.Rows, fresh map[string]struct{}) error {
	defer rows.Close()
	for rows.Next() {
		var start, k string
		if err := rows.Scan(&start, &k); err != nil {
			return fmt.Errorf("ingest usage: insert: %w", err)
		}
		fresh[start+"\x00"+k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ingest usage: insert: %w", err)
	}
	return nil
}

// stagedCols are the columns of usage_incoming: a record's position in its
// batch, then the record; ingested_at is one value for the batch, a
// parameter of the insert rather than a column copied a million times.
var stagedCols = append([]string{"n"}, usageCols[:len(usageCols)-1]...)

// ingestStreamed moves the source into usage_records on PostgreSQL, a
// batch of up to usageCopyBatch records at a time.
//
// A batch of new records, the common case, is copied straight into
// usage_records by binary COPY under a savepoint. The records are read
// from the source, checked against the batch's earlier keys and encoded
// while the COPY runs (copyReader), so the server inserts one part of the
// batch while this side decodes and encodes the next, instead of the two
// taking turns. COPY inserts rows a page at a time with one WAL record per
// page, where INSERT ... SELECT writes one per row, and ON CONFLICT a third
// per row for its speculative insertion (see BENCHMARKS-usage.md).
//
// When a key is stored already the COPY fails on the primary key, the
// savepoint undoes it, the rest of the batch is read, and the batch takes
// the staged way (insertStaged). Once a request has met a duplicate its
// later batches go the staged way at once: a redelivery or a re-import is
// likely to hold more.
func (u *usageInserter) ingestStreamed(ctx context.Context, src usage.Source, totals *usage.Totals, sum *usage.IngestSummary) error {
	size := batchSize(src, usageCopyBatch)
	r := &copyReader{src: src, stamp: u.stamp, size: size,
		batch: make([]usage.Record, 0, size), seen: make(map[ident]struct{}, size)}
	stmt := "COPY usage_records (" + strings.Join(usageCols, ", ") + ") FROM STDIN (FORMAT binary)"
	for {
		r.reset()
		// The first record before any statement: a source that has
		// ended sends no empty COPY.
		if !r.pull() {
			if r.srcErr != nil {
				return r.srcErr
			}
			if len(r.batch) == 0 {
				break
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !u.sawDuplicate {
			if _, err := u.tx.exec(ctx, "SAVEPOINT vigil_usage_batch"); err != nil {
				return fmt.Errorf("ingest usage: insert: %w", err)
			}
			r.encode = true
			_, err := u.copier.CopyIn(ctx, u.tx.conn, stmt, r)
			if r.srcErr != nil {
				// A bad line: the COPY was abandoned with it, and the
				// whole request rolls back.
				return r.srcErr
			}
			if err == nil {
				if _, err := u.tx.exec(ctx, "RELEASE SAVEPOINT vigil_usage_batch"); err != nil {
					return fmt.Errorf("ingest usage: insert: %w", err)
				}
				sum.Received += r.received
				sum.Duplicates += r.dups
				sum.Created += int64(len(r.batch))
				for i := range r.batch {
					totals.Add(&r.batch[i])
				}
				continue
			}
			if !u.tx.s.dialect.IsUniqueViolation(err) {
				return fmt.Errorf("ingest usage: insert: %w", err)
			}
			if _, err := u.tx.exec(ctx, "ROLLBACK TO SAVEPOINT vigil_usage_batch; RELEASE SAVEPOINT vigil_usage_batch"); err != nil {
				return fmt.Errorf("ingest usage: insert: %w", err)
			}
			u.sawDuplicate = true
		}
		// The staged way needs the whole batch.
		r.encode = false
		for r.pull() {
		}
		if r.srcErr != nil {
			return r.srcErr
		}
		isNew, err := u.insertStaged(ctx, r.batch)
		if err != nil {
			return err
		}
		sum.Received += r.received
		sum.Duplicates += r.dups
		countNew(r.batch, isNew, totals, sum)
	}
	return nil
}

// copyReader reads a batch of records from a source and yields them as the
// data of a binary COPY into usage_records. pgconn calls Read on a
// goroutine of its own while the server inserts what was sent before; the
// caller touches the reader only once CopyIn has returned.
type copyReader struct {
	src   usage.Source
	stamp string
	size  int
	// batch holds the records read, without the batch's repeated keys
	// (seen); received counts every record read, dups the repeats.
	batch          []usage.Record
	seen           map[ident]struct{}
	received, dups int64
	// eof: the source has ended; srcErr: it failed (a bad line).
	eof    bool
	srcErr error
	// encode: Read yields the batch as COPY data (else only pull is used).
	encode  bool
	encoded int // records of batch encoded so far
	state   int // 0: the COPY header is not written yet, 1: rows, 2: the trailer is written
	buf     []byte
	off     int
	times   periodStrings
}

func (r *copyReader) reset() {
	r.batch = r.batch[:0]
	clear(r.seen)
	r.received, r.dups = 0, 0
	r.encoded, r.state = 0, 0
	r.buf, r.off = r.buf[:0], 0
}

// pull reads the next new record of the batch into it; false when the
// batch is full, the source has ended, or it failed (srcErr).
func (r *copyReader) pull() bool {
	for len(r.batch) < r.size && !r.eof && r.srcErr == nil {
		r.batch = append(r.batch, usage.Record{})
		rec := &r.batch[len(r.batch)-1]
		err := r.src.Next(rec)
		if err != nil {
			r.batch = r.batch[:len(r.batch)-1]
			if errors.Is(err, io.EOF) {
				r.eof = true
			} else {
				r.srcErr = err
			}
			return false
		}
		r.received++
		k := identOf(rec)
		if _, dup := r.seen[k]; dup {
			r.batch = r.batch[:len(r.batch)-1]
			r.dups++
			continue
		}
		r.seen[k] = struct{}{}
		return true
	}
	return false
}

// copyHeader starts binary COPY data: the signature, no flags, no header
// extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func (r *copyReader) Read(p []byte) (int, error) {
	if r.off > 0 {
		r.buf = r.buf[:copy(r.buf, r.buf[r.off:])]
		r.off = 0
	}
	for len(r.buf) < len(p) && r.state < 2 {
		switch {
		case r.state == 0:
			r.buf = append(r.buf, copyHeader...)
			r.state = 1
		case r.encoded < len(r.batch):
			r.buf = r.appendRecord(r.buf, &r.batch[r.encoded])
			r.encoded++
		case r.pull():
		case r.srcErr != nil:
			// pgconn abandons the COPY with this error.
			return 0, r.srcErr
		default:
			r.buf = binary.BigEndian.AppendUint16(r.buf, 0xffff) // the trailer: -1
			r.state = 2
		}
	}
	n := copy(p, r.buf)
	r.off = n
	if r.state == 2 && n == len(r.buf) {
		return n, io.EOF
	}
	return n, nil
}

// appendRecord appends one row of usageCols.
func (r *copyReader) appendRecord(b []byte, rec *usage.Record) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(usageCols)))
	b = appendText(b, rec.Key)
	b = appendText(b, rec.Subscription)
	b = appendText(b, rec.Meter)
	b = appendFloat8(b, rec.Quantity)
	b = appendText(b, rec.Unit)
	b = appendText(b, r.times.format(rec.Start))
	b = appendText(b, r.times.format(rec.End))
	b = appendText(b, rec.Region)
	return appendText(b, r.stamp)
}

// The binary COPY encodings of text, float8, int4 and int8 fields: a
// length, then the value in network byte order.
func appendText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendFloat8(b []byte, f float64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func appendInt4(b []byte, v int32) []byte {
	b = binary.BigEndian.AppendUint32(b, 4)
	return binary.BigEndian.AppendUint32(b, uint32(v))
}

func appendInt8(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// copyRows runs a binary COPY of n rows, each appended by row, into table.
func (u *usageInserter) copyRows(ctx context.Context, table string, cols []string, n int, row func(b []byte, i int) []byte) error {
	b := make([]byte, 0, len(copyHeader)+2+n*(2+16*len(cols)))
	b = append(b, copyHeader...)
	for i := range n {
		b = binary.BigEndian.AppendUint16(b, uint16(len(cols)))
		b = row(b, i)
	}
	b = binary.BigEndian.AppendUint16(b, 0xffff)
	got, err := u.copier.CopyIn(ctx, u.tx.conn, "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN (FORMAT binary)", bytes.NewReader(b))
	if err != nil {
		return err
	}
	if got != int64(n) {
		return fmt.Errorf("copy into %s: wrote %d rows of %d", table, got, n)
	}
	return nil
}

// insertStaged inserts the new records of a batch that may hold stored
// keys: COPY into a temporary table, then one INSERT ... ON CONFLICT DO
// NOTHING, which answers with the positions of the duplicates (rather than
// with the new keys, sparing the server sending and the client hashing a
// row per new record). The duplicates are found against the RETURNING
// rows of that very insert, so a concurrent ingest of the same keys cannot
// make a record count as new twice.
func (u *usageInserter) insertStaged(ctx context.Context, recs []usage.Record) ([]bool, error) {
	isNew := make([]bool, len(recs))
	for i := range isNew {
		isNew[i] = true
	}
	if !u.ready {
		// A temporary table lives as long as the connection; ON COMMIT
		// DELETE ROWS empties it after each transaction.
		if _, err := u.tx.exec(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS usage_incoming (n INTEGER, key TEXT, subscription_id TEXT, meter TEXT,"+
			" quantity DOUBLE PRECISION, unit TEXT, period_start TEXT, period_end TEXT, region TEXT) ON COMMIT DELETE ROWS"); err != nil {
			return nil, fmt.Errorf("ingest usage: staging table: %w", err)
		}
		u.ready = true
	}
	// TRUNCATE, not DELETE: deleted rows would stay in the table's pages
	// until the commit, and every later batch would scan them. The table
	// may also hold an earlier transaction's rows: a failed COPY is not a
	// commit.
	if _, err := u.tx.exec(ctx, "TRUNCATE usage_incoming"); err != nil {
		return nil, fmt.Errorf("ingest usage: staging table: %w", err)
	}
	var times periodStrings
	err := u.copyRows(ctx, "usage_incoming", stagedCols, len(recs), func(b []byte, i int) []byte {
		r := &recs[i]
		b = appendInt4(b, int32(i))
		b = appendText(b, r.Key)
		b = appendText(b, r.Subscription)
		b = appendText(b, r.Meter)
		b = appendFloat8(b, r.Quantity)
		b = appendText(b, r.Unit)
		b = appendText(b, times.format(r.Start))
		b = appendText(b, times.format(r.End))
		return appendText(b, r.Region)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest usage: staging: %w", err)
	}
	q := "WITH ins AS (INSERT INTO usage_records (" + strings.Join(usageCols, ", ") + ") SELECT " + strings.Join(stagedCols[1:], ", ") + ", ? FROM usage_incoming" +
		" ON CONFLICT (period_start, key) DO NOTHING RETURNING period_start, key)" +
		" SELECT s.n FROM usage_incoming s WHERE (SELECT count(*) FROM ins) < ?" +
		" AND NOT EXISTS (SELECT 1 FROM ins WHERE ins.period_start = s.period_start AND ins.key = s.key)"
	dups, err := u.tx.query(ctx, q, u.stamp, int64(len(recs)))
	if err != nil {
		return nil, fmt.Errorf("ingest usage: insert: %w", err)
	}
	defer dups.Close()
	for dups.Next() {
		var n int
		if err := dups.Scan(&n); err != nil {
			return nil, fmt.Errorf("ingest usage: insert: %w", err)
		}
		if n < 0 || n >= len(recs) {
			return nil, fmt.Errorf("ingest usage: insert: the server named record %d of %d", n, len(recs))
		}
		isNew[n] = false
	}
	if err := dups.Err(); err != nil {
		return nil, fmt.Errorf("ingest usage: insert: %w", err)
	}
	return isNew, nil
}

// periodStrings formats period times, remembering the last two (a
// record's start and end).
type periodStrings struct {
	t    [2]time.Time
	s    [2]string
	next int
}

func (p *periodStrings) format(t time.Time) string {
	for i := range p.t {
		if p.s[i] != "" && p.t[i].Equal(t) {
			return p.s[i]
		}
	}
	i := p.next
	p.next = 1 - p.next
	p.t[i], p.s[i] = t, t.UTC().Format(periodLayout)
	return p.s[i]
}

const addDailySet = " ON CONFLICT (subscription_id, meter, region, unit, day) DO UPDATE SET" +
	" quantity = usage_daily.quantity + excluded.quantity, records = usage_daily.records + excluded.records"

// addDaily grows the daily totals: on PostgreSQL by COPY into a staging
// table and one upsert from it, on SQLite by multi-row upserts.
func (u *usageInserter) addDaily(ctx context.Context, ds []usage.Daily) error {
	if u.copier == nil {
		return u.addDailyRows(ctx, ds)
	}
	if _, err := u.tx.exec(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS usage_daily_incoming (subscription_id TEXT, meter TEXT, region TEXT,"+
		" unit TEXT, day TEXT, quantity DOUBLE PRECISION, records BIGINT) ON COMMIT DELETE ROWS"); err != nil {
		return fmt.Errorf("ingest usage: daily staging table: %w", err)
	}
	cols := []string{"subscription_id", "meter", "region", "unit", "day", "quantity", "records"}
	// A stream's cells share few days: each formatted once.
	var day usage.Day
	var dayStr string
	err := u.copyRows(ctx, "usage_daily_incoming", cols, len(ds), func(b []byte, i int) []byte {
		d := &ds[i]
		if dayStr == "" || d.Day != day {
			day, dayStr = d.Day, d.Day.String()
		}
		b = appendText(b, d.Subscription)
		b = appendText(b, d.Meter)
		b = appendText(b, d.Region)
		b = appendText(b, d.Unit)
		b = appendText(b, dayStr)
		b = appendFloat8(b, d.Quantity)
		return appendInt8(b, d.Records)
	})
	if err != nil {
		return fmt.Errorf("ingest usage: daily staging: %w", err)
	}
	list := strings.Join(cols, ", ")
	if _, err := u.tx.exec(ctx, "INSERT INTO usage_daily ("+list+") SELECT "+list+" FROM usage_daily_incoming"+addDailySet); err != nil {
		return fmt.Errorf("ingest usage: daily totals: %w", err)
	}
	return nil
}

func dailyUpsertSQL(n int) string {
	return "INSERT INTO usage_daily (subscription_id, meter, region, unit, day, quantity, records) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", n), ",") + addDailySet
}

// addDailyRows grows the daily totals by multi-row upserts (SQLite), the
// statement of a full chunk prepared once.
func (u *usageInserter) addDailyRows(ctx context.Context, ds []usage.Daily) error {
	args := make([]any, 0, 7*min(len(ds), dailyRowsPerStatement))
	// A stream's cells share few days: a day is formatted once for each
	// run of cells on it, not once a cell.
	var day usage.Day
	var dayStr string
	for start := 0; start < len(ds); start += dailyRowsPerStatement {
		chunk := ds[start:min(start+dailyRowsPerStatement, len(ds))]
		args = args[:0]
		for i := range chunk {
			d := &chunk[i]
			if dayStr == "" || d.Day != day {
				day, dayStr = d.Day, d.Day.String()
			}
			args = append(args, d.Subscription, d.Meter, d.Region, d.Unit, dayStr, d.Quantity, d.Records)
		}
		if _, err := u.execChunk(ctx, &u.daily, len(chunk), dailyRowsPerStatement, dailyUpsertSQL, args); err != nil {
			return fmt.Errorf("ingest usage: daily totals: %w", err)
		}
	}
	return nil
}

// DailyUsage returns daily totals.
func (s *Store) DailyUsage(ctx context.Context, dq usage.DailyQuery) ([]usage.Daily, error) {
	q := "SELECT subscription_id, meter, region, unit, day, quantity, records FROM usage_daily WHERE day >= ? AND day <= ?"
	args := []any{dq.From.String(), dq.To.String()}
	if len(dq.Subscriptions) > 0 {
		q += " AND subscription_id IN (" + placeholders(len(dq.Subscriptions)) + ")"
		for _, id := range dq.Subscriptions {
			args = append(args, id)
		}
	}
	q += " ORDER BY subscription_id, meter, region, unit, day"
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("daily usage: %w", err)
	}
	defer rows.Close()
	var out []usage.Daily
	for rows.Next() {
		var d usage.Daily
		var day string
		if err := rows.Scan(&d.Subscription, &d.Meter, &d.Region, &d.Unit, &day, &d.Quantity, &d.Records); err != nil {
			return nil, fmt.Errorf("daily usage: %w", err)
		}
		t, err := time.Parse(vigil.DateLayout, day)
		if err != nil {
			return nil, fmt.Errorf("daily usage: stored day %q: %w", day, err)
		}
		d.Day = usage.DayOf(t)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountUsage returns the number of stored usage records.
func (s *Store) CountUsage(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM usage_records").Scan(&n); err != nil {
		return 0, fmt.Errorf("count usage records: %w", err)
	}
	return n, nil
}

// SaveSignals stores new signals, each with its event.
func (s *Store) SaveSignals(ctx context.Context, sigs []*usage.Signal, actor string) (int, error) {
	created := 0
	err := s.inTx(ctx, func(tx *tx) error {
		created = 0
		now := s.now().UTC()
		for _, sig := range sigs {
			sig.CreatedAt, sig.CreatedBy = now.Truncate(time.Microsecond), actor
			doc, err := json.Marshal(sig)
			if err != nil {
				return fmt.Errorf("store signal %s: %w", sig.ID, err)
			}
			res, err := tx.exec(ctx, "INSERT INTO usage_signals (id, rule, severity, account_id, subscription_id, meter, as_of, doc, created_at, created_by)"+
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
				sig.ID, sig.Rule, sig.Severity, sig.Account, sig.Subscription, sig.Meter, sig.AsOf.String(), string(doc), ts(now), actor)
			if err != nil {
				return fmt.Errorf("store signal %s: %w", sig.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			created++
			ev, err := vigil.NewEvent("signal.raised", "signals/"+sig.ID, actor, now, sig)
			if err != nil {
				return err
			}
			if err := tx.insertEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ListSignals returns a page of signals, newest as-of day first.
func (s *Store) ListSignals(ctx context.Context, sq usage.SignalQuery) (usage.SignalPage, error) {
	limit := sq.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return usage.SignalPage{}, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{
		{"account_id", sq.Account}, {"subscription_id", sq.Subscription}, {"rule", sq.Rule}, {"severity", sq.Severity},
	} {
		if f.v != "" {
			where = append(where, f.col+" = ?")
			args = append(args, f.v)
		}
	}
	if sq.After != "" {
		c, err := decodeCursor(sq.After)
		if err != nil {
			return usage.SignalPage{}, err
		}
		asOf, id, ok := strings.Cut(c, "|")
		if !ok {
			return usage.SignalPage{}, vigil.FieldError("after", "not a cursor returned by a previous page")
		}
		where = append(where, "(as_of < ? OR (as_of = ? AND id < ?))")
		args = append(args, asOf, asOf, id)
	}
	q := "SELECT doc FROM usage_signals"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY as_of DESC, id DESC LIMIT %d", limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return usage.SignalPage{}, fmt.Errorf("list signals: %w", err)
	}
	defer rows.Close()
	page := usage.SignalPage{Items: []*usage.Signal{}}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return usage.SignalPage{}, fmt.Errorf("list signals: %w", err)
		}
		if len(page.Items) == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(last.AsOf.String() + "|" + last.ID)
			break
		}
		var sig usage.Signal
		if err := json.Unmarshal([]byte(doc), &sig); err != nil {
			return usage.SignalPage{}, fmt.Errorf("list signals: decode: %w", err)
		}
		page.Items = append(page.Items, &sig)
	}
	return page, rows.Err()
}

// GetSignal returns one signal.
func (s *Store) GetSignal(ctx context.Context, id string) (*usage.Signal, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, s.q("SELECT doc FROM usage_signals WHERE id = ?"), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no signal with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get signal %s: %w", id, err)
	}
	var sig usage.Signal
	if err := json.Unmarshal([]byte(doc), &sig); err != nil {
		return nil, fmt.Errorf("get signal %s: decode: %w", id, err)
	}
	return &sig, nil
}
