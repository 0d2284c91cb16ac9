package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/storetest"
	"github.com/vigil-hrdd/vigil/transfer"
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

// indexNames is the secondary indexes of table, by name.
func indexNames(t *testing.T, db *sqlite.DB, table string) []string {
	t.Helper()
	rows, err := db.DB().Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func writeLines(t *testing.T, path, header string, n int, line func(i int) string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range n {
		b.WriteString(line(i) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportIntoEmptyTables covers what an import of a large file into an
// empty table does differently on SQLite (indexes built after the rows,
// references left to the foreign keys): the indexes are back after it,
// and after a refused one too, a dangling reference deep in a file is
// still named by line and field, and a re-import changes nothing.
func TestImportIntoEmptyTables(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 6000 // more than one batch
	parties := filepath.Join(dir, "parties.csv")
	writeLines(t, parties, "id,type,name,country", n, func(i int) string { return fmt.Sprintf("P%05d,company,Party %d,NO", i, i) })
	links := filepath.Join(dir, "links.csv")
	writeLines(t, links, "id,from,to,type", n, func(i int) string {
		to := fmt.Sprintf("P%05d", (i+1)%n)
		if i == 5500 {
			to = "P99999"
		}
		return fmt.Sprintf("L%05d,P%05d,%s,owns", i, i, to)
	})
	wantParties, wantLinks := indexNames(t, db, "parties"), indexNames(t, db, "links")
	if len(wantParties) == 0 || len(wantLinks) < 2 {
		t.Fatalf("schema indexes: parties %v, links %v", wantParties, wantLinks)
	}

	sum, err := transfer.ImportFile(ctx, db, transfer.Options{Kind: vigil.KindParty, Path: parties, Actor: "tester"})
	if err != nil || sum.Created != n {
		t.Fatalf("import parties: %+v, %v", sum, err)
	}
	if got := indexNames(t, db, "parties"); !slices.Equal(got, wantParties) {
		t.Fatalf("parties indexes after the import: %v, want %v", got, wantParties)
	}

	_, err = transfer.ImportFile(ctx, db, transfer.Options{Kind: vigil.KindLink, Path: links, Actor: "tester"})
	var ie *transfer.ImportError
	if !errors.As(err, &ie) || len(ie.Errors) != 1 || ie.Errors[0].Line != 5502 || ie.Errors[0].Field != "to" || !strings.Contains(ie.Errors[0].Msg, "P99999") {
		t.Fatalf("links with a dangling reference on line 5502: %v", err)
	}
	if got := indexNames(t, db, "links"); !slices.Equal(got, wantLinks) {
		t.Fatalf("links indexes after a refused import: %v, want %v", got, wantLinks)
	}
	var count int
	if err := db.DB().QueryRow("SELECT count(*) FROM links").Scan(&count); err != nil || count != 0 {
		t.Fatalf("a refused import left %d links (%v)", count, err)
	}

	writeLines(t, links, "id,from,to,type", n, func(i int) string { return fmt.Sprintf("L%05d,P%05d,P%05d,owns", i, i, (i+1)%n) })
	sum, err = transfer.ImportFile(ctx, db, transfer.Options{Kind: vigil.KindLink, Path: links, Actor: "tester"})
	if err != nil || sum.Created != n {
		t.Fatalf("import links: %+v, %v", sum, err)
	}
	if got := indexNames(t, db, "links"); !slices.Equal(got, wantLinks) {
		t.Fatalf("links indexes after the import: %v, want %v", got, wantLinks)
	}
	// The rebuilt index serves the queries it is there for.
	page, err := db.List(ctx, vigil.KindLink, vigil.ListOptions{Filters: map[string]string{"to": "P00042"}, Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].RecordID() != "L00041" {
		t.Fatalf("links to P00042: %+v, %v", page, err)
	}
	var check string
	if err := db.DB().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}

	sum, err = transfer.ImportFile(ctx, db, transfer.Options{Kind: vigil.KindLink, Path: links, Actor: "tester"})
	if err != nil || sum.Unchanged != n || sum.Created != 0 || sum.Updated != 0 {
		t.Fatalf("re-import links: %+v, %v", sum, err)
	}
}

// TestPageSize: a new file gets 16 KiB pages (see OpenWithClock), and the
// journal mode and synchronous setting stay the durable ones.
func TestPageSize(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size, sync int
	var mode string
	if err := db.DB().QueryRow("PRAGMA page_size").Scan(&size); err != nil || size != 16384 {
		t.Fatalf("page_size %d, %v; want 16384", size, err)
	}
	if err := db.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v; want wal", mode, err)
	}
	if err := db.DB().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
		t.Fatalf("synchronous %d, %v; want 1 (NORMAL)", sync, err)
	}
}
