package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil/screen"
)

// newBenchScreenCmd measures batch screening: the speed targets of the
// screening issue are parties per second per core against the real lists.
func newBenchScreenCmd() *cobra.Command {
	var (
		listPaths, listFormats []string
		input                  string
		workers, passes, limit int
		hugePages              bool
	)
	cmd := &cobra.Command{
		Use:   "screen --list FILE --list-format FORMAT [--list ...] --input parties.csv",
		Short: "Time batch screening of a party CSV against risk lists",
		Long: `Load the lists and index them (timed), then screen every party of the input
--passes times with --workers workers, as 'vigil screen' does, writing the
matches nowhere. Each pass prints parties per second of wall time and per CPU
second of this process: with one worker, the second figure is the speed of
one core.

The first pass meets a cold index; later passes show the steady state. Use
the same list files and party file to compare two machines or two versions.`,
		Example: `  vigil bench screen --workers 1 --passes 3 \
    --list ../shared/data/ofac/sdn_2024-05-03/sdn.csv --list-format ofac \
    --list ../shared/data/un/UN_consolidated.xml --list-format un \
    --input parties.csv`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if input == "" {
				return usagef("--input parties.csv is required")
			}
			if workers < 1 || passes < 1 {
				return usagef("--workers and --passes must be at least 1")
			}
			w := cmd.OutOrStdout()
			c0 := processCPU()
			built, err := buildScreenIndex(cmd.Context(), listPaths, listFormats, screen.DefaultConfig(), hugePages)
			if err != nil {
				return err
			}
			ix := built.ix
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(w, "lists: %d entities, %d names; load %s, index %s (%.2f CPU s); heap %d MiB\n",
				ix.Len(), ix.Names(), built.loaded.Round(time.Millisecond), built.indexed.Round(time.Millisecond),
				(processCPU() - c0).Seconds(), ms.HeapInuse>>20)
			if hugePages {
				if built.huge.Err != nil {
					fmt.Fprintf(w, "huge pages: none (%v)\n", built.huge.Err)
				} else {
					fmt.Fprintf(w, "huge pages: %d MiB of memory now on huge pages\n", built.huge.Collapsed>>20)
				}
			}
			parties, err := loadParties(input)
			if err != nil {
				return err
			}
			for p := 1; p <= passes; p++ {
				t0, c0 := time.Now(), processCPU()
				nMatch, nReview, err := screenParties(ix, parties, io.Discard, limit, workers)
				if err != nil {
					return err
				}
				took, cpu := time.Since(t0), processCPU()-c0
				fmt.Fprintf(w, "pass %d: %d parties, %d workers, %s: %s; %d match, %d review rows\n",
					p, len(parties), workers, took.Round(time.Millisecond), screenRate(len(parties), took, cpu), nMatch, nReview)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&listPaths, "list", nil, "list file (repeatable)")
	f.StringArrayVar(&listFormats, "list-format", nil, "format of each --list (see 'vigil screen --help')")
	f.StringVar(&input, "input", "", "party CSV (header id,name,country[,type,aliases])")
	f.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel screening workers")
	f.IntVar(&passes, "passes", 1, "times to screen the whole input")
	f.IntVar(&limit, "limit", 10, "most candidates kept per party")
	f.BoolVar(&hugePages, "huge-pages", true, "ask the system for huge pages once the index is built (as 'vigil screen' does)")
	return cmd
}
