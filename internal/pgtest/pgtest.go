// Package pgtest opens a PostgreSQL store in a schema of its own for one
// test or benchmark, dropped afterwards, so tests of several packages can
// share the one server. Without a server the test skips loudly; with
// VIGIL_REQUIRE_POSTGRES=1 (as .ci/run sets) it fails instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vigil-hrdd/vigil/postgres"
)

// URL is the server the tests use: VIGIL_TEST_POSTGRES_URL, or the local
// default.
func URL() string {
	if u := os.Getenv("VIGIL_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Open returns a store in a fresh schema named after prefix, closed and
// dropped when the test ends.
func Open(tb testing.TB, prefix string) *postgres.DB {
	tb.Helper()
	base := URL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("VIGIL_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("VIGIL_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at %s: %v", base, err)
		}
		tb.Skipf("SKIP LOUDLY: PostgreSQL not reachable at %s (set VIGIL_TEST_POSTGRES_URL): %v", base, err)
	}
	tb.Cleanup(func() { admin.Close(context.Background()) })
	var r [6]byte
	rand.Read(r[:])
	schema := prefix + "_" + hex.EncodeToString(r[:])
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
