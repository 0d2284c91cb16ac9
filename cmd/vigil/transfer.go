package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/transfer"
	"golang.org/x/term"
)

// progressFor returns a progress callback drawing a bar on a terminal, and
// nil when stderr is not one (pipes and CI logs get the summary only).
func progressFor(file string) transfer.Progress {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	bars := map[string]*progressbar.ProgressBar{}
	return func(stage string, done, total int64) {
		bar := bars[stage]
		if bar == nil {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionSetDescription(fmt.Sprintf("%-9s %s", stage, file)),
				progressbar.OptionShowBytes(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			bars[stage] = bar
		}
		bar.Set64(done)
		if done >= total && total > 0 {
			bar.Finish()
		}
	}
}

func printSummaries(w io.Writer, format string, sums []vigil.ImportSummary, elapsed time.Duration) error {
	if format == "json" {
		return printValue(w, format, sums)
	}
	rows := [][]string{}
	var total int64
	for _, s := range sums {
		rows = append(rows, []string{string(s.Kind), fmt.Sprint(s.Created), fmt.Sprint(s.Updated), fmt.Sprint(s.Unchanged), s.EventID})
		total += s.Total()
	}
	header := []string{"kind", "created", "updated", "unchanged", "event"}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	if err := printTable(w, header, rows); err != nil {
		return err
	}
	if secs := elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(w, "%d records in %.1fs (%.0f records/s)\n", total, secs, float64(total)/secs)
	}
	return nil
}

func newImportCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "import KIND FILE | import all DIR",
		Short: "Import portfolio records from CSV or JSON Lines, all or nothing",
		Long: `Import one file of one kind (parties, links, accounts, subscriptions, services,
contexts, sources), or with 'all' every <kind>.csv / <kind>.jsonl file of a
directory in dependency order. Records are matched by id: a re-run changes
nothing. The whole file is checked first and every bad line reported with its
file, line and field; then the file is written in one transaction, so a
failed import leaves the database as it was. Columns: docs/formats.md.`,
		Example: `  vigil import parties parties.csv
  vigil import links links.jsonl
  vigil import all ./portfolio/`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				start := time.Now()
				if args[0] == "all" {
					sums, err := transfer.ImportDir(ctx, s, args[1], actor(), progressFor)
					if len(sums) > 0 {
						printSummaries(cmd.OutOrStdout(), g.output, sums, time.Since(start))
					}
					return err
				}
				kind, err := vigil.ParseKind(args[0])
				if err != nil {
					return err
				}
				sum, err := transfer.ImportFile(ctx, s, transfer.Options{Kind: kind, Path: args[1], Format: format, Actor: actor(), Progress: progressFor(args[1])})
				if err != nil {
					return err
				}
				return printSummaries(cmd.OutOrStdout(), g.output, []vigil.ImportSummary{sum}, time.Since(start))
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from the file name)")
	return cmd
}

func newExportCmd(g *globals) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export KIND | export all",
		Short: "Export portfolio records to CSV or JSON Lines, in a form import reads back",
		Example: `  vigil export parties --format csv --out parties.csv
  vigil export all --format jsonl --out ./backup/`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, err := transfer.DetectFormat("", format)
			if err != nil {
				return err
			}
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			if args[0] == "all" {
				if out == "" || out == "-" {
					return usagef("export all needs --out DIR")
				}
				counts, err := transfer.ExportDir(ctx, s, out, f)
				if err != nil {
					return err
				}
				for _, k := range vigil.Kinds {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d\n", k, counts[k])
				}
				return nil
			}
			kind, err := vigil.ParseKind(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				file, err := os.Create(out)
				if err != nil {
					return err
				}
				defer file.Close()
				w = file
			}
			n, err := transfer.Export(ctx, s, kind, f, w)
			if err != nil {
				return err
			}
			if out != "" && out != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d records to %s\n", kind, n, out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or jsonl")
	cmd.Flags().StringVar(&out, "out", "", "file (or directory for 'all'); default standard output")
	return cmd
}
