package tlog_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/postgres"
)

// storeKinds are the real stores the relay is tested against: SQLite
// always, PostgreSQL when a server answers at VIGIL_TEST_POSTGRES_URL (or
// the local default), as in package postgres's own tests.
var storeKinds = []string{"sqlite", "postgres"}

func openStoreKind(tb testing.TB, kind, dir string) vigil.Store {
	tb.Helper()
	if kind == "sqlite" {
		return mustOpenStore(tb, filepath.Join(dir, "vigil.db"))
	}
	base := os.Getenv("VIGIL_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("VIGIL_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("VIGIL_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: %v", err)
		}
		tb.Skipf("SKIP LOUDLY: PostgreSQL not reachable (set VIGIL_TEST_POSTGRES_URL): %v", err)
	}
	tb.Cleanup(func() { admin.Close(context.Background()) })
	var b [6]byte
	rand.Read(b[:])
	schema := "vigil_tlog_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
