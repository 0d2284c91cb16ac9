package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/transfer"
)

func vigilKind(s string) vigil.Kind { return vigil.Kind(s) }

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Vigil on this machine (results for BENCHMARKS.md)",
	}
	var parties int
	var seed uint64
	var keep bool
	imp := &cobra.Command{
		Use:   "import",
		Short: "Generate a synthetic portfolio and time its import into the --db database",
		Long: `Generate --parties parties (and their links, accounts, subscriptions...) and
import them all into the database named by --db (a fresh SQLite file in a
temporary directory when --db is not given), then print rows per second and
the Go heap's peak. Peak resident memory of the whole process is best read
with /usr/bin/time -v around this command.`,
		Example: `  /usr/bin/time -v vigil bench import --parties 1000000
  vigil bench import --parties 1000000 --db postgres://postgres@127.0.0.1/test`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tmp, err := os.MkdirTemp("", "vigil-bench-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(tmp)
			}
			dir := filepath.Join(tmp, "portfolio")
			w := cmd.OutOrStdout()
			start := time.Now()
			counts, err := demo.Generate(dir, demo.Options{Parties: parties, Seed: seed})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "generated %d records (%d parties) in %.1fs\n", counts.Total(), parties, time.Since(start).Seconds())
			url := g.db
			if url == "" {
				url = "sqlite:" + filepath.Join(tmp, "bench.db")
			}
			s, err := openStore(ctx, url)
			if err != nil {
				return err
			}
			defer s.Close()
			start = time.Now()
			sums, err := transfer.ImportDir(ctx, s, dir, "bench", nil)
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			if err := printSummaries(w, "table", sums, elapsed); err != nil {
				return err
			}
			// Re-import: every record unchanged.
			start = time.Now()
			if _, err := transfer.ImportDir(ctx, s, dir, "bench", nil); err != nil {
				return err
			}
			re := time.Since(start)
			fmt.Fprintf(w, "re-import (all unchanged): %.1fs (%.0f records/s)\n", re.Seconds(), float64(counts.Total())/re.Seconds())
			fmt.Fprintf(w, "Go heap peak (approx.): %d MiB; GOMAXPROCS %d\n", heapPeakMiB(), runtime.GOMAXPROCS(0))
			return nil
		},
	}
	imp.Flags().IntVar(&parties, "parties", 1000000, "number of parties")
	imp.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	imp.Flags().BoolVar(&keep, "keep", false, "keep the generated files and database")
	cmd.AddCommand(imp)
	return cmd
}

// heapPeakMiB reports the Go runtime's total mapped memory, an upper bound
// of the heap's peak that needs no sampling.
func heapPeakMiB() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() >> 20
}
