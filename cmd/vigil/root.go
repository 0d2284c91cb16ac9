package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/postgres"
	"github.com/vigil-hrdd/vigil/sqlite"
	"k8s.io/klog/v2"
)

// globals are the persistent flags every command shares.
type globals struct {
	db       string
	dataDir  string
	output   string
	logLevel string
	// witnessPolicy and witnessFailOpen configure the log's witnesses
	// (serve only).
	witnessPolicy   string
	witnessFailOpen bool
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "vigil",
		Short: "Heightened human-rights due diligence for cloud and AI providers",
		Long: `Vigil keeps a provider's portfolio (parties, links, accounts, subscriptions,
services, country contexts, sources), screens it, watches metadata-only usage
signals, and records every due-diligence event in a verifiable log.

Start with 'vigil demo' to see it on a synthetic portfolio, or 'vigil init'
to set up your own.`,
		Example: `  vigil demo
  vigil init --db sqlite:vigil-data/vigil.db
  vigil import parties parties.csv
  vigil serve --addr 127.0.0.1:8080`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
				return usagef("--log-level %q: want debug, info, warn or error", g.logLevel)
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
			// The log's storage library reports through klog; its
			// progress lines only help when debugging.
			if level > slog.LevelDebug {
				klog.LogToStderr(false)
				klog.SetOutput(io.Discard)
			}
			switch g.output {
			case "table", "json", "csv":
			default:
				return usagef("--output %q: want table, json or csv", g.output)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usagef("%v", err) })
	pf := root.PersistentFlags()
	pf.StringVar(&g.db, "db", envOr("VIGIL_DB", ""), "database URL: sqlite:PATH or postgres://... (env VIGIL_DB; default sqlite:<data-dir>/vigil.db)")
	pf.StringVar(&g.dataDir, "data-dir", envOr("VIGIL_DATA_DIR", "vigil-data"), "directory for the proof log and its keys (env VIGIL_DATA_DIR)")
	pf.StringVarP(&g.output, "output", "o", "table", "output of list commands: table, json or csv")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")

	root.AddCommand(
		newInitCmd(g),
		newServeCmd(g),
		newDemoCmd(g),
		newImportCmd(g),
		newExportCmd(g),
		newListCmd(g),
		newGetCmd(g),
		newChainCmd(g),
		newUsersCmd(g),
		newTokensCmd(g),
		newBenchCmd(g),
		newUsageCmd(g), newSignalsCmd(g),
		newScreenCmd(g), newListsCmd(g), newMatchesCmd(g),
		newLogCmd(),
		newAssessCmd(g), newRiskCmd(g),
		newEnforceCmd(g), newMonitorCmd(g),
		newReportCmd(g),
		newCasesCmd(g), newDecideCmd(g),
		newGrievancesCmd(g), newEngagementsCmd(g),
	)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dbURL is the database the commands use.
func (g *globals) dbURL() string {
	if g.db != "" {
		return g.db
	}
	return "sqlite:" + filepath.Join(g.dataDir, "vigil.db")
}

// openStore opens the store the URL names, creating an SQLite file (and its
// directory) when needed.
func openStore(ctx context.Context, url string) (vigil.Store, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return postgres.Open(ctx, url)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return sqlite.Open(ctx, path)
}

func (g *globals) open(ctx context.Context) (vigil.Store, error) {
	return openStore(ctx, g.dbURL())
}

// withStore runs fn with the store the flags name and closes it after, the
// frame of every command that reads or writes the database.
func (g *globals) withStore(cmd *cobra.Command, fn func(ctx context.Context, s vigil.Store) error) error {
	ctx := cmd.Context()
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(ctx, s)
}

// actor names who runs a CLI command, for the records' metadata and events.
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
