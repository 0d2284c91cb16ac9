package screening_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// BenchmarkPortfolioRun screens a demo portfolio of 5,000 parties against
// the real UN list stored in SQLite: a full run with a warm index (the
// service keeps it between runs), and an idle delta run, which reads the
// parties, hashes them and finds nothing to screen.
//
//	go test -run '^$' -bench PortfolioRun -benchtime 3x ./screen/screening/
func BenchmarkPortfolioRun(b *testing.B) {
	ctx := context.Background()
	un := shareddata.Dir(b, "un", "UN_consolidated.xml")
	dir := b.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "vigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: 5000, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	if _, err := transfer.ImportDir(ctx, s, filepath.Join(dir, "portfolio"), "bench", nil); err != nil {
		b.Fatal(err)
	}
	svc, err := screening.New(s, screening.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Import(ctx, screening.ImportRequest{Path: un, Format: "un", Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	for _, delta := range []bool{false, true} {
		name := "full"
		if delta {
			name = "idle-delta"
		}
		b.Run(name, func(b *testing.B) {
			if _, err := svc.Run(ctx, screening.RunRequest{Delta: delta, Actor: "bench"}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				r, err := svc.Run(ctx, screening.RunRequest{Delta: delta, Actor: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(r.Parties), "parties")
			}
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/run")
		})
	}
}
