package tlog_test

import (
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/internal/pgtest"

	"github.com/vigil-hrdd/vigil"
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
	return pgtest.Open(tb, "vigil_tlog")
}
