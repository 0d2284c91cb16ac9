package postgres_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// benchParties is how many parties the import benchmark writes: the issue's
// target size, or VIGIL_BENCH_PARTIES for a quick look.
func benchParties(b *testing.B) int {
	if s := os.Getenv("VIGIL_BENCH_PARTIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("VIGIL_BENCH_PARTIES=%q: want a positive number", s)
		}
		return n
	}
	return 1_000_000
}

// syntheticParties streams n parties with ordered ids P0000001.. and
// fields of a realistic size and spread (every country, some subdivisions,
// several scripts, identifiers, sectors), made on demand so that the
// generator holds no more than one record, as an import from a file would.
type syntheticParties struct {
	i, n      int
	countries []string
	// renamed changes every name, for a re-import where all records
	// changed.
	renamed bool
}

var (
	partyTypes  = []vigil.PartyType{vigil.PartyCompany, vigil.PartyCompany, vigil.PartyOrganization, vigil.PartyGovernment, vigil.PartyUnit, vigil.PartyPerson}
	sectorSets  = [][]string{{"telecom"}, {"health"}, {}, {"military", "intelligence"}, {"police", "border"}, {"prison"}, {"software"}}
	aliasScript = []string{"Общество %d", "شركة %d", "公司 %d", "Εταιρεία %d", "Firma %d"}
)

func newSyntheticParties(n int) *syntheticParties {
	return &syntheticParties{n: n, countries: vigil.CountryCodes()}
}

func (s *syntheticParties) Next() (vigil.Record, error) {
	if s.i >= s.n {
		return nil, io.EOF
	}
	s.i++
	i := s.i
	country := s.countries[i%len(s.countries)]
	if i%17 == 0 {
		country += "-" + strconv.Itoa(10+i%40)
	}
	name := fmt.Sprintf("Synthetic Holding %d %s", i, country)
	if s.renamed {
		name = fmt.Sprintf("Renamed Holding %d %s", i, country)
	}
	return &vigil.Party{
		ID:          fmt.Sprintf("P%07d", i),
		Type:        partyTypes[i%len(partyTypes)],
		Name:        name,
		Aliases:     []string{fmt.Sprintf(aliasScript[i%len(aliasScript)], i), fmt.Sprintf("SH%d", i)},
		Country:     country,
		Identifiers: []vigil.Identifier{{Scheme: "reg", Value: fmt.Sprintf("%s-%09d", country[:2], i*7919)}},
		Sectors:     sectorSets[i%len(sectorSets)],
		Notes:       "generated for the import benchmark",
	}, nil
}

// BenchmarkImportParties1M imports a million parties through Store.Import
// into an empty PostgreSQL schema (COPY) and, for comparison, into an
// empty SQLite file, reporting rows/s; postgres-reimport and
// postgres-update time a second import of the same parties, unchanged and
// all renamed. One iteration is the measurement:
//
//	go test -run '^$' -bench ImportParties1M -benchtime 1x ./postgres/
func BenchmarkImportParties1M(b *testing.B) {
	n := benchParties(b)
	// On a shared two-core machine wall-clock rates swing with the load of
	// other processes, so the benchmark also reports the CPU each side
	// spent per row: this process (Go, and SQLite, which runs in it) and,
	// for PostgreSQL, the server backend that ran the import.
	// kind is what the timed import finds: "new" records, "unchanged"
	// ones, or "changed" ones.
	run := func(b *testing.B, kind string, open func(b *testing.B) vigil.Store, serverCPU func(vigil.Store) time.Duration) {
		var elapsed, goCPU, pgCPU time.Duration
		for range b.N {
			b.StopTimer()
			s := open(b)
			pg0 := serverCPU(s)
			b.StartTimer()
			start, cpu0 := time.Now(), processCPU()
			src := newSyntheticParties(n)
			src.renamed = kind == "changed"
			sum, err := s.Import(context.Background(), vigil.ImportRequest{Kind: vigil.KindParty, Source: src, Actor: "bench", File: "synthetic"})
			elapsed += time.Since(start)
			goCPU += processCPU() - cpu0
			b.StopTimer()
			pgCPU += serverCPU(s) - pg0
			if err != nil {
				b.Fatal(err)
			}
			got := map[string]int64{"new": sum.Created, "unchanged": sum.Unchanged, "changed": sum.Updated}[kind]
			if got != int64(n) {
				b.Fatalf("import of %d records: %+v", n, sum)
			}
			s.Close()
			b.StartTimer()
		}
		rows := float64(n) * float64(b.N)
		b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
		if goCPU > 0 {
			b.ReportMetric(float64(goCPU.Microseconds())/rows, "go-cpu-us/row")
		}
		if pgCPU > 0 {
			b.ReportMetric(float64(pgCPU.Microseconds())/rows, "server-cpu-us/row")
		}
	}
	b.Run("postgres", func(b *testing.B) {
		run(b, "new", func(b *testing.B) vigil.Store {
			db := openFresh(b)
			// One connection, so the backend measured is the one that
			// imports.
			db.DB().SetMaxOpenConns(1)
			return db
		}, backendCPU)
	})
	// Re-importing the same file: every record is looked up and found
	// unchanged, nothing is written. Then a file where every record
	// changed.
	for _, kind := range []string{"unchanged", "changed"} {
		name := map[string]string{"unchanged": "postgres-reimport", "changed": "postgres-update"}[kind]
		b.Run(name, func(b *testing.B) {
			run(b, kind, func(b *testing.B) vigil.Store {
				db := openFresh(b)
				db.DB().SetMaxOpenConns(1)
				if _, err := db.Import(context.Background(), vigil.ImportRequest{Kind: vigil.KindParty, Source: newSyntheticParties(n), Actor: "bench"}); err != nil {
					b.Fatal(err)
				}
				return db
			}, backendCPU)
		})
	}
	b.Run("sqlite", func(b *testing.B) {
		run(b, "new", func(b *testing.B) vigil.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "vigil.db"))
			if err != nil {
				b.Fatal(err)
			}
			return db
		}, func(vigil.Store) time.Duration { return 0 })
	})
}

// BenchmarkImportPortfolio is sqlite's benchmark of the same name against
// PostgreSQL: a whole generated portfolio (every kind, as `vigil demo
// generate` writes it) imported from its files with transfer.ImportDir, as
// `vigil import` does, reporting records per second.
func BenchmarkImportPortfolio(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	parties := 100_000
	if os.Getenv("VIGIL_BENCH_PARTIES") != "" {
		parties = benchParties(b)
	}
	counts, err := demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: parties, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var elapsed, goCPU, pgCPU time.Duration
	for range b.N {
		b.StopTimer()
		db := openFresh(b)
		db.DB().SetMaxOpenConns(1)
		pg0 := backendCPU(db)
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		if _, err := transfer.ImportDir(ctx, db, filepath.Join(dir, "portfolio"), "bench", nil); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		goCPU += processCPU() - cpu0
		b.StopTimer()
		pgCPU += backendCPU(db) - pg0
		b.StartTimer()
	}
	records := float64(counts.Total() * b.N)
	b.ReportMetric(records/elapsed.Seconds(), "records/s")
	if goCPU > 0 {
		b.ReportMetric(float64(goCPU.Microseconds())/records, "go-cpu-us/record")
	}
	if pgCPU > 0 {
		b.ReportMetric(float64(pgCPU.Microseconds())/records, "server-cpu-us/record")
	}
	b.ReportMetric(float64(counts[vigil.KindParty]), "parties")
}
