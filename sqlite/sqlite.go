// Package sqlite is Vigil's embedded store: one SQLite file in WAL mode,
// through the pure-Go modernc.org/sqlite driver (no cgo), so that a fresh
// machine needs nothing installed.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/vigil-hrdd/vigil/internal/sqlstore"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a SQLite-backed vigil.Store.
type DB struct {
	*sqlstore.Store
	Path string
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. synchronous=NORMAL in WAL mode never loses a committed
// transaction on an application crash and keeps the database consistent on
// power loss, which is SQLite's documented durable-enough setting for WAL.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWithClock(ctx, path, time.Now)
}

// OpenWithClock is Open with a clock, for tests that need fixed times.
func OpenWithClock(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "sqlite:")
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	q := url.Values{}
	// The driver runs the _pragma list sorted by name, then its shorthand
	// keys. page_size takes effect only while the file is new, before
	// anything (switching to WAL included) writes its first page, so the
	// journal mode is set by the shorthand, which comes after it. 16 KiB
	// pages instead of the default 4 KiB cut the WAL frames of a large
	// import or ingest, and the write calls behind each, by four
	// (BENCHMARKS.md); an existing file keeps its page size.
	for _, p := range []string{"page_size(16384)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)", "cache_size(-65536)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_journal_mode", "WAL")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; readers run beside it in WAL.
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{Store: sqlstore.New(db, dialect{}, now), Path: path}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

type dialect struct{}

func (dialect) Rebind(q string) string { return q }

func (dialect) Begin(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	return err
}

// rowsPerStatement: multi-row INSERTs are the fastest way into SQLite from
// Go (MEASURED.md: 166k rows/s at 100 rows a statement).
const rowsPerStatement = 200

func (dialect) InsertRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, rowsPerStatement*len(cols))
	for len(rows) > 0 {
		n := min(rowsPerStatement, len(rows))
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		query := head + strings.TrimSuffix(strings.Repeat(one+",", n), ",")
		var err error
		if n == rowsPerStatement {
			if full == nil {
				if full, err = conn.PrepareContext(ctx, query); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = conn.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// insertRaw is InsertRows past database/sql, straight to the driver, for
// rows whose values are all driver.Values already (an import's strings):
// database/sql's argument checks and conversions cost a tenth of an
// import's writer goroutine, the one that limits it.
func insertRaw(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare", dc)
		}
		var stmts [2]driver.Stmt // of rowsPerStatement rows, and of the rest
		defer func() {
			for _, st := range stmts {
				if st != nil {
					st.Close()
				}
			}
		}()
		args := make([]driver.NamedValue, rowsPerStatement*len(cols))
		for i := range args {
			args[i].Ordinal = i + 1
		}
		for len(rows) > 0 {
			n := min(rowsPerStatement, len(rows))
			k := 0
			if n < rowsPerStatement {
				k = 1
			}
			if stmts[k] == nil {
				st, err := c.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(one+",", n), ","))
				if err != nil {
					return err
				}
				stmts[k] = st
			}
			a := args[:0]
			for _, r := range rows[:n] {
				for _, v := range r {
					a = append(a, driver.NamedValue{Ordinal: len(a) + 1, Value: v})
				}
			}
			if _, err := stmts[k].(driver.StmtExecContext).ExecContext(ctx, a); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	})
}

func (dialect) IsUniqueViolation(err error) bool {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// SQLite runs in this process, so the pipelined import (read and encode the
// next batch while the database writes this one) pays off on two cores; see
// sqlstore.BulkImporter.

func (dialect) ImportBatchSize() int { return 5000 }

func (dialect) LookupHashes(ctx context.Context, conn *sql.Conn, table string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := conn.QueryContext(ctx, "SELECT id, hash FROM "+table+" WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, hash string
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, err
		}
		out[id] = hash
	}
	return out, rows.Err()
}

func (dialect) UpdateRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	sets := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		sets = append(sets, c+" = ?")
	}
	stmt, err := conn.PrepareContext(ctx, "UPDATE "+table+" SET "+strings.Join(sets, ", ")+" WHERE id = ?")
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, len(cols))
	for _, r := range rows {
		copy(args, r[1:])
		args[len(cols)-1] = r[0]
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// The import's bulk path: a dialect that stops implementing these would
// quietly fall back to a slower one.
var (
	_ sqlstore.ImportBeginner = dialect{}
	_ sqlstore.RefEnforcer    = (*importWriter)(nil)
)

// deferIndexesAfter is the smallest first batch, in new rows, for which an
// import into an empty table builds the table's secondary indexes after
// its rows instead of inserting into them row by row.
const deferIndexesAfter = 1000

// BeginImport starts one import. An import into a table that is empty when
// it starts (the first load of a portfolio, the case that must be fast)
// asks the database only about ids it has itself inserted before, and not
// even that when the source promises unique ids: nothing else can exist,
// since the transaction holds SQLite's only write lock.
func (d dialect) BeginImport(ctx context.Context, conn *sql.Conn, table string, cols []string, opt sqlstore.ImportOptions) (sqlstore.ImportWriter, error) {
	var exists int
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+")").Scan(&exists); err != nil {
		return nil, err
	}
	w := &importWriter{d: d, conn: conn, table: table, cols: cols, empty: exists == 0}
	if w.empty && !opt.UniqueIDs {
		w.inserted = map[string]struct{}{}
	}
	fks, err := foreignKeyColumns(ctx, conn, table)
	if err != nil {
		return nil, err
	}
	w.fks = fks
	return w, nil
}

// foreignKeyColumns is the set of table's columns that SQLite checks as
// foreign keys on this connection: none when enforcement is off.
func foreignKeyColumns(ctx context.Context, conn *sql.Conn, table string) (map[string]bool, error) {
	out := map[string]bool{}
	var on int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, fmt.Errorf("foreign keys: %w", err)
	}
	if on == 0 {
		return out, nil
	}
	rows, err := conn.QueryContext(ctx, "SELECT \"from\" FROM pragma_foreign_key_list(?)", table)
	if err != nil {
		return nil, fmt.Errorf("foreign keys of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			return nil, fmt.Errorf("foreign keys of %s: %w", table, err)
		}
		out[col] = true
	}
	return out, rows.Err()
}

type importWriter struct {
	d     dialect
	conn  *sql.Conn
	table string
	cols  []string
	// empty is true when the table held no row at the import's start.
	empty bool
	// inserted holds the ids this import inserted, when the table was
	// empty at its start and the source may repeat an id; nil otherwise.
	inserted map[string]struct{}
	// fks is the set of columns SQLite checks as foreign keys.
	fks map[string]bool
	// deferred holds the statements that recreate the secondary indexes
	// dropped for this import, run by Finish; nil until decided.
	deferred []string
}

func (w *importWriter) LookupHashes(ctx context.Context, ids []string) (map[string]string, error) {
	if !w.empty {
		return w.d.LookupHashes(ctx, w.conn, w.table, ids)
	}
	var again []string
	for _, id := range ids {
		if _, ok := w.inserted[id]; ok {
			again = append(again, id)
		}
	}
	if len(again) == 0 {
		return map[string]string{}, nil
	}
	return w.d.LookupHashes(ctx, w.conn, w.table, again)
}

func (w *importWriter) InsertRows(ctx context.Context, rows [][]any) error {
	if err := w.maybeDeferIndexes(ctx, len(rows)); err != nil {
		return err
	}
	if err := insertRaw(ctx, w.conn, w.table, w.cols, rows); err != nil {
		return err
	}
	if w.inserted != nil {
		for _, r := range rows {
			w.inserted[r[0].(string)] = struct{}{}
		}
	}
	return nil
}

// maybeDeferIndexes drops the secondary indexes of a table that was empty
// at the import's start, when the first batch is large, for Finish to
// build again. An index built from all rows at once is filled by a sort;
// kept during the import it takes an insert at a random place of its
// B-tree per row, and once it outgrows the page cache, pages written to
// the WAL again and again (the country index of parties, the party ends of
// links). The drop is part of the import's transaction: a failed import
// leaves the indexes as they were, and readers keep seeing the committed
// schema until the commit.
func (w *importWriter) maybeDeferIndexes(ctx context.Context, n int) error {
	if w.deferred != nil {
		return nil
	}
	w.deferred = []string{}
	if !w.empty || n < deferIndexesAfter {
		return nil
	}
	// sql is NULL for the indexes behind PRIMARY KEY and UNIQUE, which
	// stay.
	rows, err := w.conn.QueryContext(ctx, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", w.table)
	if err != nil {
		return fmt.Errorf("defer indexes of %s: %w", w.table, err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return fmt.Errorf("defer indexes of %s: %w", w.table, err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("defer indexes of %s: %w", w.table, err)
	}
	for _, name := range names {
		if _, err := w.conn.ExecContext(ctx, "DROP INDEX "+quoteIdent(name)); err != nil {
			return fmt.Errorf("defer index %s: %w", name, err)
		}
	}
	w.deferred = defs
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (w *importWriter) UpdateRows(ctx context.Context, cols []string, rows [][]any) error {
	return w.d.UpdateRows(ctx, w.conn, w.table, cols, rows)
}

// Finish builds the indexes the import deferred.
func (w *importWriter) Finish(ctx context.Context) error {
	for _, def := range w.deferred {
		if _, err := w.conn.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("build index (%s): %w", def, err)
		}
	}
	return nil
}

// EnforcedColumns lets the import leave the references SQLite checks as
// foreign keys to SQLite (sqlstore.RefEnforcer).
func (w *importWriter) EnforcedColumns() map[string]bool { return w.fks }

func (w *importWriter) IsRefViolation(err error) bool {
	var se *sqlite3.Error
	return errors.As(err, &se) && se.Code() == sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY
}
