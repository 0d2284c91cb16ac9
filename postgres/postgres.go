// Package postgres is Vigil's server store: PostgreSQL through pgx/v5 and its
// database/sql driver, so that it shares every query, the import logic, the
// outbox and the user tables with the SQLite store (internal/sqlstore) and
// differs only in its Dialect: $n placeholders, plain BEGIN, unique-violation
// detection by SQLSTATE, and bulk inserts through COPY.
//
// Imports take the pipelined path of sqlstore.BulkImporter: batches of
// 10,000 records are validated and encoded on our side while the server
// writes the previous batch; existing rows and references are looked up with
// one array parameter per batch, new rows go in by COPY, changed rows
// through a temporary table and one UPDATE. An import into a table of
// fewer than 40,000 rows, once it has inserted 10,000 rows and as many as
// the table held, drops the table's secondary indexes and foreign keys
// inside its transaction and rebuilds them before the commit, which about
// halves the server's work per row but holds locks until the commit (see
// bulk.go and BENCHMARKS-postgres.md).
//
// Durability is PostgreSQL's own: the store sets no session option that
// trades it away (no synchronous_commit=off, no unlogged tables), so a
// committed import survives a crash of the server.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/vigil-hrdd/vigil/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL-backed vigil.Store.
type DB struct {
	*sqlstore.Store
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as libpq and pgx accept) and brings its schema up to
// date. Runtime parameters in the URL, such as search_path, apply to every
// connection, which is how tests give each run a schema of its own.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWithClock(ctx, url, time.Now)
}

// OpenWithClock is Open with a clock, for tests that need fixed times.
func OpenWithClock(ctx context.Context, url string, now func() time.Time) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx masks the password in the string it quotes back.
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	db := stdlib.OpenDB(*cfg)
	// A server's default max_connections is 100; a handful is plenty for
	// one Vigil process, and imports use a single connection anyway.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	return &DB{Store: sqlstore.New(db, dialect{}, now)}, nil
}

// migrate brings the schema up to date under a session advisory lock, so
// that two Vigil processes starting together on a new database do not both
// create the tables. The lock is keyed by database and schema: stores in
// other schemas of the same server (tests, tenants) migrate side by side.
func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	var where string
	if err := db.QueryRowContext(ctx, "SELECT current_database() || '.' || coalesce(current_schema(), '')").Scan(&where); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("vigil migrations " + where))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

type dialect struct{}

func (dialect) Rebind(q string) string { return Rebind(q) }

// Begin opens a transaction with the server's default isolation (READ
// COMMITTED). Writers of the same rows queue on row locks; the import's
// unique-violation on a concurrent insert surfaces as an error, never as a
// silent double.
func (dialect) Begin(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "BEGIN")
	return err
}

// InsertRows streams the rows with COPY ... FROM STDIN (binary), the fastest
// way into PostgreSQL, on the connection the store pinned, so the rows are
// part of the transaction its BEGIN opened.
func (dialect) InsertRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	return withPgx(conn, func(c *pgx.Conn) error {
		n, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		if n != int64(len(rows)) {
			return fmt.Errorf("copy into %s: wrote %d rows of %d", table, n, len(rows))
		}
		return nil
	})
}

// withPgx runs fn on the pgx connection under a pinned database/sql one,
// so that it joins the transaction open there.
func withPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}

// uniqueViolation is SQLSTATE unique_violation.
const uniqueViolation = "23505"

func (dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}
