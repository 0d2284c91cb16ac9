package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/sqlstore"
)

// importBatch is how many records an import hands to the server at once.
// The generic 1,000 costs a round trip per thousand rows on each of the
// lookup and the COPY; at 10,000 the round trips are noise and a batch's
// rows still take only a few MB.
var importBatch = 10_000

// deferIndexesAfter is the smallest import, in new rows, that rebuilds the
// table's secondary indexes and foreign keys instead of maintaining them
// row by row; see importWriter.maybeDeferIndexes. One full batch: below it
// the rebuild saves too little to be worth the table lock.
var deferIndexesAfter int64 = 10_000

func (dialect) ImportBatchSize() int { return importBatch }

func (dialect) LookupHashes(ctx context.Context, conn *sql.Conn, table string, ids []string) (map[string]string, error) {
	return (&importWriter{conn: conn, table: table}).LookupHashes(ctx, ids)
}

func (dialect) UpdateRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	return (&importWriter{conn: conn, table: table}).UpdateRows(ctx, cols, rows)
}

// The import's bulk path: a dialect that stops implementing these would
// quietly fall back to a slower one.
var (
	_ sqlstore.ImportBeginner = dialect{}
	_ sqlstore.RefLookup      = (*importWriter)(nil)
	_ sqlstore.RefDeferrer    = (*importWriter)(nil)
)

// BeginImport starts one import. When the source promises unique ids and
// the table is empty, the import asks for no stored hashes: none of its
// ids can be there but by another transaction inserting them meanwhile,
// which the COPY then reports as a conflict, as it does when that happens
// after a lookup.
func (dialect) BeginImport(ctx context.Context, conn *sql.Conn, table string, cols []string, opt sqlstore.ImportOptions) (sqlstore.ImportWriter, error) {
	w := &importWriter{conn: conn, table: table, cols: cols, existing: -1}
	if opt.UniqueIDs {
		err := withPgx(conn, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM "+w.ident()+")").Scan(&w.fresh)
		})
		if err != nil {
			return nil, fmt.Errorf("look into %s: %w", table, err)
		}
	}
	return w, nil
}

// importWriter writes one import's batches on the connection of its
// transaction.
type importWriter struct {
	conn     *sql.Conn
	table    string
	cols     []string
	inserted int64
	// existing is how many rows the table held when the import began,
	// counted up to a bound when first needed; -1 until then.
	existing int64
	// deferred holds the statements that recreate the secondary indexes
	// and foreign keys dropped for this import, run by Finish.
	deferred []string
	// refs holds the single-column foreign keys among the deferred ones:
	// column → the table and column it refers to.
	refs   map[string]fkTarget
	staged bool
	// fresh is true when the table was empty at the start of an import
	// whose ids are unique: nothing to look up.
	fresh bool
}

// fkTarget is what a foreign key column refers to.
type fkTarget struct {
	table  string // name, as in pg_class
	ident  string // the table as SQL names it
	column string
}

func (w *importWriter) ident() string { return pgx.Identifier{w.table}.Sanitize() }

// DeferredRefs is the set of columns whose foreign keys Finish adds back,
// each with the table it refers to.
func (w *importWriter) DeferredRefs() map[string]string {
	out := make(map[string]string, len(w.refs))
	for col, fk := range w.refs {
		out[col] = fk.table
	}
	return out
}

// DanglingRefs finds the rows whose col refers to no row, with the join
// the foreign key's check runs (the import's transaction still holds the
// locks that keep the referred table as it is).
func (w *importWriter) DanglingRefs(ctx context.Context, col string) (map[string]string, error) {
	fk, ok := w.refs[col]
	if !ok {
		return nil, fmt.Errorf("find dangling references of %s.%s: no deferred foreign key", w.table, col)
	}
	c := pgx.Identifier{col}.Sanitize()
	q := "SELECT t.id, t." + c + " FROM " + w.ident() + " t WHERE t." + c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
		fk.ident + " p WHERE p." + pgx.Identifier{fk.column}.Sanitize() + " = t." + c + ")"
	out := map[string]string{}
	err := withPgx(w.conn, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q)
		if err != nil {
			return err
		}
		var id, ref string
		_, err = pgx.ForEachRow(rows, []any{&id, &ref}, func() error {
			out[id] = ref
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find dangling references of %s.%s: %w", w.table, col, err)
	}
	return out, nil
}

// LookupHashes finds the stored hashes with one array parameter: a list of
// 10,000 placeholders would make the server parse and plan a statement as
// long as the batch.
func (w *importWriter) LookupHashes(ctx context.Context, ids []string) (map[string]string, error) {
	if w.fresh {
		return map[string]string{}, nil
	}
	out := make(map[string]string, len(ids))
	err := withPgx(w.conn, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT id, hash FROM "+w.ident()+" WHERE id = ANY($1)", ids)
		if err != nil {
			return err
		}
		var id, hash string
		_, err = pgx.ForEachRow(rows, []any{&id, &hash}, func() error {
			out[id] = hash
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", w.table, err)
	}
	return out, nil
}

// ExistingIDs checks a batch's references to table with one array
// parameter.
func (w *importWriter) ExistingIDs(ctx context.Context, table string, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	err := withPgx(w.conn, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT id FROM "+pgx.Identifier{table}.Sanitize()+" WHERE id = ANY($1)", ids)
		if err != nil {
			return err
		}
		var id string
		_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
			out[id] = true
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", table, err)
	}
	return out, nil
}

func (w *importWriter) InsertRows(ctx context.Context, rows [][]any) error {
	if err := w.maybeDeferIndexes(ctx, int64(len(rows))); err != nil {
		return err
	}
	if err := (dialect{}).InsertRows(ctx, w.conn, w.table, w.cols, rows); err != nil {
		// The lookup found none of these ids, so a duplicate key means
		// another transaction inserted one of them meanwhile (a second
		// import of the same file, say): the user's remedy is to run the
		// import again, which will then count those records as existing.
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == uniqueViolation {
			return vigil.Errorf(vigil.ECONFLICT, "%s were written by someone else while this import ran (%s); nothing was imported, run it again", w.table, pe.Detail)
		}
		return err
	}
	w.inserted += int64(len(rows))
	return nil
}

// maybeDeferIndexes drops the table's secondary indexes and foreign keys,
// to be rebuilt by Finish, once the import has inserted at least as many
// rows as the table held and at least deferIndexesAfter, in a table that
// held fewer than 4 × deferIndexesAfter rows, so that the decision falls
// early, while most of a large import is still to come. That is
// PostgreSQL's advice for bulk loads: building an index from sorted rows
// costs far less than inserting into it row by row (on the parties table
// the two secondary indexes were about half of the server's work per row),
// and a foreign key checks each inserted row on its own, locking the row it
// points to (a write to the parent table, WAL included), where adding it
// back checks the whole table in one join. The import has checked the
// references of the rows before; those of the rows after it leaves to that
// join when its source's ids are unique (DeferredRefs), and checks the
// others batch by batch.
//
// The drops are part of the import's transaction, so a failed import
// leaves the schema as it was. The price is locks until the commit: an
// exclusive one on the table (its readers wait for a large import instead
// of seeing the old rows) and, for a table with foreign keys, one on each
// parent table that stops writers (not readers) there. When the locks
// cannot be had within a second the import goes on the row-by-row way.
func (w *importWriter) maybeDeferIndexes(ctx context.Context, next int64) error {
	if w.deferred != nil || w.inserted+next < deferIndexesAfter {
		return nil
	}
	return withPgx(w.conn, func(c *pgx.Conn) error {
		if w.existing < 0 {
			// Bounded, so that a large table costs a short scan, not a
			// count of every row.
			bound := 4 * deferIndexesAfter
			var n int64
			if err := c.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s LIMIT %d) s", w.ident(), bound)).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", w.table, err)
			}
			w.existing = n - w.inserted // the count sees this import's rows
			if n >= bound {
				w.existing = math.MaxInt64 // large: never worth a rebuild
			}
		}
		if w.inserted+next < w.existing {
			return nil
		}
		// The savepoint keeps a lock timeout from aborting the import's
		// transaction.
		if _, err := c.Exec(ctx, "SAVEPOINT vigil_defer_indexes; SET LOCAL lock_timeout = '1s'"); err != nil {
			return fmt.Errorf("defer indexes of %s: %w", w.table, err)
		}
		defs, refs, err := w.dropDeferred(ctx, c)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == lockNotAvailable || pe.Code == deadlockDetected) {
			defs, refs, err = []string{}, nil, nil
			if _, err := c.Exec(ctx, "ROLLBACK TO SAVEPOINT vigil_defer_indexes"); err != nil {
				return fmt.Errorf("defer indexes of %s: %w", w.table, err)
			}
		}
		if err != nil {
			return fmt.Errorf("defer indexes of %s: %w", w.table, err)
		}
		// RELEASE keeps the locks and the drops; the lock timeout goes
		// back to the session's with a SET LOCAL of its own.
		if _, err := c.Exec(ctx, "RELEASE SAVEPOINT vigil_defer_indexes; SET LOCAL lock_timeout = DEFAULT"); err != nil {
			return fmt.Errorf("defer indexes of %s: %w", w.table, err)
		}
		// Non-nil even when empty, so that the decision is taken once.
		w.deferred, w.refs = defs, refs
		return nil
	})
}

// dropDeferred locks the table, drops its secondary indexes and foreign
// keys, and returns the statements that recreate them and the targets of
// the single-column foreign keys.
func (w *importWriter) dropDeferred(ctx context.Context, c *pgx.Conn) ([]string, map[string]fkTarget, error) {
	if _, err := c.Exec(ctx, "LOCK TABLE "+w.ident()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return nil, nil, err
	}
	// Indexes that back a constraint cannot be dropped, and invalid ones
	// (a failed CREATE INDEX CONCURRENTLY) are not ours to build.
	indexes, err := pairs(ctx, c, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary
			AND i.indisvalid AND i.indisready
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY 1`, w.ident())
	if err != nil {
		return nil, nil, fmt.Errorf("list indexes: %w", err)
	}
	// The columns of a single-column key, for DanglingRefs; "" for others.
	rows, err := c.Query(ctx, `SELECT conname, pg_get_constraintdef(oid),
			CASE WHEN cardinality(conkey) = 1 THEN (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) ELSE '' END,
			(SELECT relname FROM pg_class WHERE oid = confrelid), confrelid::regclass::text,
			CASE WHEN cardinality(confkey) = 1 THEN (SELECT attname FROM pg_attribute WHERE attrelid = confrelid AND attnum = confkey[1]) ELSE '' END
		FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, w.ident())
	if err != nil {
		return nil, nil, fmt.Errorf("list foreign keys: %w", err)
	}
	type fk struct{ name, def, col, table, ident, refCol string }
	var fks []fk
	var k fk
	if _, err := pgx.ForEachRow(rows, []any{&k.name, &k.def, &k.col, &k.table, &k.ident, &k.refCol}, func() error {
		fks = append(fks, k)
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("list foreign keys: %w", err)
	}
	defs := []string{}
	for _, ix := range indexes {
		if _, err := c.Exec(ctx, "DROP INDEX "+ix[0]); err != nil {
			return nil, nil, err
		}
		defs = append(defs, ix[1])
	}
	refs := map[string]fkTarget{}
	for _, fk := range fks {
		name := pgx.Identifier{fk.name}.Sanitize()
		if _, err := c.Exec(ctx, "ALTER TABLE "+w.ident()+" DROP CONSTRAINT "+name); err != nil {
			return nil, nil, err
		}
		defs = append(defs, "ALTER TABLE "+w.ident()+" ADD CONSTRAINT "+name+" "+fk.def)
		if fk.col != "" && fk.refCol != "" {
			refs[fk.col] = fkTarget{table: fk.table, ident: fk.ident, column: fk.refCol}
		}
	}
	return defs, refs, nil
}

// pairs runs a query of two text columns.
func pairs(ctx context.Context, c *pgx.Conn, query string, args ...any) ([][2]string, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	var a, b string
	_, err = pgx.ForEachRow(rows, []any{&a, &b}, func() error {
		out = append(out, [2]string{a, b})
		return nil
	})
	return out, err
}

// SQLSTATEs of a lock that could not be had.
const (
	lockNotAvailable = "55P03"
	deadlockDetected = "40P01"
)

// UpdateRows copies the new versions into a temporary table and updates
// from it in one statement, so that re-importing a file where every record
// changed runs at COPY speed rather than a statement per row. The temporary
// table lives until the import's transaction ends.
func (w *importWriter) UpdateRows(ctx context.Context, cols []string, rows [][]any) error {
	stageName := "vigil_import_" + w.table
	stage := pgx.Identifier{stageName}.Sanitize()
	quoted := make([]string, len(cols))
	sets := make([]string, 0, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
		if i > 0 {
			sets = append(sets, quoted[i]+" = u."+quoted[i])
		}
	}
	err := withPgx(w.conn, func(c *pgx.Conn) error {
		if !w.staged {
			// IF NOT EXISTS: the dialect-level UpdateRows makes a writer
			// per call, and may meet the table of an earlier call.
			if _, err := c.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+stage+" ON COMMIT DROP AS SELECT "+strings.Join(quoted, ", ")+" FROM "+w.ident()+" WITH NO DATA"); err != nil {
				return err
			}
			w.staged = true
		}
		if _, err := c.Exec(ctx, "TRUNCATE "+stage); err != nil {
			return err
		}
		if _, err := c.CopyFrom(ctx, pgx.Identifier{stageName}, cols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		// Neither table has statistics, and the planner then hashes the
		// whole target table for every batch (a seq scan of a million
		// rows to update ten thousand). Without seq scans it probes the
		// primary key once per staged row; the staged table, which has no
		// index, is still read in full.
		if _, err := c.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		tag, err := c.Exec(ctx, "UPDATE "+w.ident()+" t SET "+strings.Join(sets, ", ")+" FROM "+stage+" u WHERE t.id = u.id")
		if err != nil {
			return err
		}
		if _, err := c.Exec(ctx, "SET LOCAL enable_seqscan = DEFAULT"); err != nil {
			return err
		}
		if n := tag.RowsAffected(); n != int64(len(rows)) {
			return fmt.Errorf("updated %d rows of %d", n, len(rows))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", w.table, err)
	}
	return nil
}

// Finish rebuilds the indexes and foreign keys the import deferred.
func (w *importWriter) Finish(ctx context.Context) error {
	if len(w.deferred) == 0 {
		return nil
	}
	return withPgx(w.conn, func(c *pgx.Conn) error {
		// Sorting the index entries was half of the server's work in a
		// 400k-row import (perf). PostgreSQL gives a parallel index
		// build one worker per 32MB of maintenance_work_mem, and the
		// default 64MB allows one worker; 256MB allows the default two
		// and keeps a million rows' sort in memory. SET LOCAL: for this
		// transaction only.
		//
		// The savepoint keeps the transaction usable when a foreign key
		// finds a dangling reference, for the import to find the record
		// at fault (DanglingRefs).
		if _, err := c.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'; SAVEPOINT vigil_finish"); err != nil {
			return fmt.Errorf("rebuild indexes: %w", err)
		}
		for _, def := range w.deferred {
			if _, err := c.Exec(ctx, def); err != nil {
				if _, rerr := c.Exec(ctx, "ROLLBACK TO SAVEPOINT vigil_finish"); rerr != nil {
					return fmt.Errorf("rebuild %s: %w (and %v)", def, err, rerr)
				}
				return fmt.Errorf("rebuild %s: %w", def, err)
			}
		}
		if _, err := c.Exec(ctx, "RELEASE SAVEPOINT vigil_finish"); err != nil {
			return fmt.Errorf("rebuild indexes: %w", err)
		}
		return nil
	})
}
