package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vigil.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestUsageConformance(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) vigil.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "vigil.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestRiskConformance(t *testing.T) { storetest.RunRisk(t, storetest.OpenSQLite) }
func TestWebConformance(t *testing.T)  { storetest.RunWeb(t, storetest.OpenSQLite) }

func TestCaseworkConformance(t *testing.T) { storetest.RunCasework(t, storetest.OpenSQLite) }

func TestGrievanceConformance(t *testing.T) { storetest.RunGrievance(t, storetest.OpenSQLite) }
func TestScreeningConformance(t *testing.T) { storetest.RunScreening(t, storetest.OpenSQLite) }
func TestEnforceConformance(t *testing.T)   { storetest.RunEnforce(t, storetest.OpenSQLite) }
