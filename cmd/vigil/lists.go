package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen/lists"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// Stored lists and portfolio screening: vigil lists import|list|diff,
// vigil screen portfolio, vigil matches list|confirm|dismiss.

func (g *globals) withScreening(cmd *cobra.Command, fn func(ctx context.Context, s vigil.Store, svc *screening.Service) error) error {
	return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
		svc, err := screening.New(s, screening.Options{Logger: slog.Default()})
		if err != nil {
			return err
		}
		return fn(ctx, s, svc)
	})
}

func newListsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lists",
		Short: "Import risk lists as versions and see what each version changed",
		Long: `Risk lists (sanctions, military end-user, UN and NGO lists) are stored as
versions: each import records what it added, changed and removed since the
list's current version. Importing the same file again stores nothing.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newListsImportCmd(g), newListsListCmd(g), newListsDiffCmd(g))
	return cmd
}

func newListsImportCmd(g *globals) *cobra.Command {
	var format, name, kind string
	var rescreen bool
	cmd := &cobra.Command{
		Use:   "import FILE --format FORMAT [--name NAME] [--kind KIND]",
		Short: "Import a list file as a new version of a stored list",
		Long: `Import a list file as a new version of the list NAME (default: the format).
Formats: ` + strings.Join(lists.Formats, ", ") + `. For ofac give the directory or any of
its files; for eu an annex CSV, a directory of them or an FSF XML file.

--kind says what the list is about, for the risk rules (default: sanctions
for ofac, un and eu; entity_list for csl; military_end_user for dod;
watchlist for ftm and csv). A malformed file stores nothing; the error names
the file, line and field. FollowTheMoney ownership and directorship edges
are kept with the version as suggested links (vigil lists list --name N -o json);
they never become portfolio links by themselves.

--screen runs a delta screening after a new version: every party against the
entries it added or changed (as 'vigil screen portfolio --delta'). While
'vigil serve' runs on the same database it does so by itself within seconds.`,
		Example: `  vigil lists import ../shared/data/un/UN_consolidated.xml --format un
  vigil lists import ngo-units.csv --format csv --name ngo-units --kind military_end_user --screen`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "" {
				return usagef("--format is required (%s)", strings.Join(lists.Formats, ", "))
			}
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				sum, err := svc.Import(ctx, screening.ImportRequest{Path: args[0], Format: format, Name: name, Kind: kind, Actor: actor()})
				if err != nil {
					return err
				}
				var run *screening.Run
				if rescreen && !sum.Unchanged {
					if run, err = svc.Run(ctx, screening.RunRequest{Delta: true, Actor: actor()}); err != nil {
						return fmt.Errorf("list %s version %d stored; screening it: %w", sum.List, sum.Version, err)
					}
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", map[string]any{"import": sum, "run": run})
				}
				if run != nil {
					defer fmt.Fprintf(cmd.OutOrStdout(), "%s run %s: %d new matches, %d reopened, %d cleared\n", run.Mode, run.ID, run.Found, run.Reopened, run.Cleared)
				}
				if sum.Unchanged {
					fmt.Fprintf(cmd.OutOrStdout(), "list %s: unchanged, still version %d (%d entries)\n", sum.List, sum.Version, sum.Entries)
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "list %s: version %d, %d entries: %d added, %d changed, %d removed",
					sum.List, sum.Version, sum.Entries, sum.Added, sum.Changed, sum.Removed)
				if n := len(sum.SuggestedLinks); n > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "; %d suggested links", n)
				}
				fmt.Fprintln(cmd.OutOrStdout())
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "list format: "+strings.Join(lists.Formats, ", "))
	f.StringVar(&name, "name", "", "stored list name (default: the format)")
	f.StringVar(&kind, "kind", "", "what the list is about: sanctions, military_end_user, entity_list, watchlist, ...")
	f.BoolVar(&rescreen, "screen", false, "screen the portfolio against what the new version added or changed")
	return cmd
}

func newListsListCmd(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "list [--name NAME]",
		Short: "Show the stored lists (current versions), or every version of one list",
		Example: `  vigil lists list
  vigil lists list --name un -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				var vs []screening.ListVersion
				var err error
				if name == "" {
					vs, err = svc.Store().Lists(ctx)
				} else {
					vs, err = svc.Store().ListVersions(ctx, name)
				}
				if err != nil {
					return err
				}
				return printListVersions(cmd.OutOrStdout(), g.output, vs)
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "one list: every version, newest first")
	return cmd
}

func printListVersions(w io.Writer, format string, vs []screening.ListVersion) error {
	if format == "json" {
		if vs == nil {
			vs = []screening.ListVersion{}
		}
		return printValue(w, "json", map[string]any{"items": vs})
	}
	header := []string{"list", "version", "current", "kind", "format", "entries", "added", "changed", "removed", "imported_at", "file"}
	rows := make([][]string, 0, len(vs))
	for _, v := range vs {
		rows = append(rows, []string{v.List, strconv.Itoa(v.Version), strconv.FormatBool(v.Current), v.Kind, v.Format, strconv.Itoa(v.Entries),
			strconv.Itoa(v.Added), strconv.Itoa(v.Changed), strconv.Itoa(v.Removed), v.ImportedAt.Format("2006-01-02 15:04"), v.File})
	}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	return printTable(w, header, rows)
}

func newListsDiffCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff NAME [VERSION]",
		Short: "Show what a version of a list added, changed and removed (default: the current version)",
		Example: `  vigil lists diff un
  vigil lists diff ngo-units 3 -o json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			version := 0
			if len(args) == 2 {
				v, err := strconv.Atoi(args[1])
				if err != nil || v < 1 {
					return usagef("VERSION %q: want a version number from 1", args[1])
				}
				version = v
			}
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				if version == 0 {
					vs, err := svc.Store().ListVersions(ctx, args[0])
					if err != nil {
						return err
					}
					version = vs[0].Version
				}
				ch, err := svc.Store().ListChanges(ctx, args[0], version)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", map[string]any{"list": args[0], "version": version, "items": ch})
				}
				header := []string{"change", "entry", "name", "fields"}
				rows := make([][]string, 0, len(ch))
				for _, c := range ch {
					rows = append(rows, []string{c.Change, c.EntryID, screening.EntityName(c.Entity), strings.Join(c.Fields, ",")})
				}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "list %s version %d: %d changes\n", args[0], version, len(ch))
				return printTable(cmd.OutOrStdout(), header, rows)
			})
		},
	}
	return cmd
}

func newScreenPortfolioCmd(g *globals) *cobra.Command {
	var delta bool
	cmd := &cobra.Command{
		Use:   "portfolio [--delta]",
		Short: "Screen every party of the portfolio against the stored lists and store the matches",
		Long: `Screen every party (customers, intermediaries, end users and parent bodies)
against the current versions of the stored lists. New matches are pending
review; a dismissed match comes back only when the party or the list entry
changed; a pending match no longer found is cleared.

--delta screens only the parties whose screened content (names, country,
type, identifiers, parent bodies) changed since the last run, against every
entry, and every party against only the entries added or changed since the
last run. The first run is always full.`,
		Example: `  vigil screen portfolio
  vigil screen portfolio --delta`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				run, err := svc.Run(ctx, screening.RunRequest{Delta: delta, Actor: actor()})
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", run)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s run %s: %d parties, %d screened against every entry, %d new or changed entries screened against every party\n"+
					"matches: %d new, %d reopened, %d rescored, %d dismissals held, %d cleared (%s)\n",
					run.Mode, run.ID, run.Parties, run.PartiesScreened, run.EntriesScreened,
					run.Found, run.Reopened, run.Updated, run.Held, run.Cleared, run.FinishedAt.Sub(run.StartedAt).Round(1e6))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&delta, "delta", false, "screen only what changed since the last run")
	return cmd
}

func newMatchesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "matches",
		Short: "Review screening matches: list, confirm, dismiss",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newMatchesListCmd(g), newMatchDecideCmd(g, screening.StatusConfirmed), newMatchDecideCmd(g, screening.StatusDismissed))
	return cmd
}

func newMatchesListCmd(g *globals) *cobra.Command {
	var status, party, list, after string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--status pending] [--party ID] [--list NAME]",
		Short: "List matches, highest score first (default: the pending review queue)",
		Example: `  vigil matches list
  vigil matches list --status confirmed --party P0000007 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if status == "any" {
				status = ""
			}
			f := screening.MatchFilter{Status: status, List: list, Limit: limit, After: after}
			if party != "" {
				f.PartyIDs = []string{party}
			}
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				page, err := svc.Store().ListMatches(ctx, f)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", page)
				}
				header := []string{"id", "status", "score", "decision", "party", "party_name", "list", "entry", "entry_name", "why"}
				rows := make([][]string, 0, len(page.Items))
				for _, m := range page.Items {
					rows = append(rows, []string{m.ID, m.Status, strconv.FormatFloat(m.Score, 'f', 3, 64), string(m.Decision), m.PartyID, m.PartyName,
						m.List, m.EntryID, m.EntryName, m.Explanation.Reason})
				}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				if err := printTable(cmd.OutOrStdout(), header, rows); err != nil {
					return err
				}
				if page.Next != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "\nmore: --after %s\n", page.Next)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", screening.StatusPending, "pending, confirmed, dismissed, cleared, delisted or any")
	f.StringVar(&party, "party", "", "only this party's matches")
	f.StringVar(&list, "list", "", "only matches on this list")
	f.IntVar(&limit, "limit", 100, "page size")
	f.StringVar(&after, "after", "", "cursor of the next page")
	return cmd
}

func newMatchDecideCmd(g *globals, status string) *cobra.Command {
	verb := "confirm"
	if status == screening.StatusDismissed {
		verb = "dismiss"
	}
	var reason string
	cmd := &cobra.Command{
		Use:   verb + " MATCH_ID --reason TEXT",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a screening match, saying why",
		Long: `Record an analyst's decision on a match, with the reason, as an event in the
proof log. A dismissal holds until the party or the list entry changes; a
confirmation makes the match a red flag of every relationship the party
is part of.`,
		Example: "  vigil matches " + verb + " SM0123456789abcdef --reason 'registry number differs'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required")
			}
			return g.withScreening(cmd, func(ctx context.Context, s vigil.Store, svc *screening.Service) error {
				m, err := svc.Decide(ctx, args[0], status, reason, actor())
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", m)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "match %s (%s on %s %s): %s\n", m.ID, m.PartyID, m.List, m.EntryID, m.Status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; kept in the log's event)")
	return cmd
}
