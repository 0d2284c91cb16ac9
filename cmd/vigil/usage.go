package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	vnats "github.com/vigil-hrdd/vigil/nats"
	"github.com/vigil-hrdd/vigil/usage"
)

func newUsageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Ingest metered usage records (metadata only) and generate demo usage",
		Long: `Usage records say that a subscription used a quantity of a meter (a capability
such as ai.speech_to_text) in a region over a period. They carry exactly the
fields key, subscription_id, meter, quantity, unit, period_start, period_end
and region; anything more is refused with its file, line and field, because
Vigil reads metadata only. See docs/usage.md.`,
		Example: `  vigil usage ingest usage-2026-06.jsonl
  vigil usage ingest --nats nats://127.0.0.1:4222 --workers 2
  vigil usage generate --portfolio vigil-data/demo`,
	}
	cmd.AddCommand(newUsageIngestCmd(g), newUsageGenerateCmd(), newUsagePublishCmd())
	return cmd
}

func newUsageIngestCmd(g *globals) *cobra.Command {
	var (
		natsURL    string
		cfg        vnats.Config
		workers    int
		noEvaluate bool
		rulesFile  string
		asOf       string
		every      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "ingest FILE... | --nats URL",
		Short: "Ingest usage records from CSV or JSON Lines files, or from a NATS JetStream stream",
		Long: `With files: each file is checked in full and stored all or nothing (every bad
line is reported with its line and field); a record whose key is stored
already changes nothing, so ingesting a file again is harmless. The signal
rules then run as of --as-of (default: the last day in the files).

With --nats: run workers on the stream's durable consumer until interrupted.
Every Vigil process started this way shares the consumer; a record is stored
once however often it is delivered. The server must run with
"jetstream { sync_interval: always }" for acknowledged messages to survive a
power cut.`,
		Example: `  vigil usage ingest usage.jsonl more-usage.csv
  vigil usage ingest --nats nats://127.0.0.1:4222 --stream VIGIL_USAGE --consumer vigil-usage --workers 2 --evaluate-every 15m`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (natsURL == "") == (len(args) == 0) {
				return usagef("give usage files or --nats, not both")
			}
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			us, err := usage.StoreOf(s)
			if err != nil {
				return err
			}
			if natsURL != "" {
				if every > 0 {
					rules, err := usage.LoadRules(rulesFile)
					if err != nil {
						return err
					}
					go evaluateEvery(ctx, us, s, rules, every)
				}
				return runNATSWorkers(ctx, cmd, us, natsURL, cfg, workers)
			}
			w := cmd.OutOrStdout()
			var last time.Time
			for _, path := range args {
				sum, end, err := ingestFile(ctx, us, path)
				if err != nil {
					return err
				}
				if end.After(last) {
					last = end
				}
				fmt.Fprintf(w, "%s: %d records, %d new, %d duplicates\n", path, sum.Received, sum.Created, sum.Duplicates)
			}
			if noEvaluate || last.IsZero() {
				return nil
			}
			day := vigil.DateOf(last.Add(-time.Nanosecond))
			if asOf != "" {
				if day, err = vigil.ParseDate(asOf); err != nil {
					return usagef("--as-of: %v", err)
				}
			}
			return evaluate(ctx, cmd, g, us, s, rulesFile, day)
		},
	}
	f := cmd.Flags()
	f.StringVar(&natsURL, "nats", "", "consume the JetStream stream at this NATS URL instead of files")
	f.StringVar(&cfg.Stream, "stream", "VIGIL_USAGE", "JetStream stream (created with file storage when missing)")
	f.StringVar(&cfg.Subject, "subject", "vigil.usage", "subject the stream takes (and its .> children)")
	f.StringVar(&cfg.Consumer, "consumer", "vigil-usage", "durable consumer shared by every worker")
	f.IntVar(&cfg.Batch, "batch", 4096, "most messages stored per transaction (and fetched ahead by each worker)")
	f.IntVar(&cfg.MaxRecords, "max-records", 50_000, "most records stored per transaction")
	f.IntVar(&workers, "workers", 1, "workers in this process")
	f.BoolVar(&noEvaluate, "no-evaluate", false, "do not run the signal rules after ingesting files")
	f.StringVar(&rulesFile, "rules", "", "signal rules file (default: the shipped rules; see 'vigil signals rules')")
	f.StringVar(&asOf, "as-of", "", "evaluate the rules as of this day (YYYY-MM-DD)")
	f.DurationVar(&every, "evaluate-every", 0, "with --nats: run the signal rules as of today this often (e.g. 15m); 0 never")
	return cmd
}

// evaluateEvery runs the signal rules as of today until ctx ends, for
// the long-running NATS consumer. A failed run is logged and retried at
// the next tick.
func evaluateEvery(ctx context.Context, us usage.Store, s vigil.Store, rules *usage.Rules, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		day := vigil.DateOf(time.Now())
		sum, err := usage.Evaluate(ctx, us, s, rules, day, actor())
		if err != nil {
			slog.Error("usage signal rules failed", "as_of", day.String(), "err", err)
			continue
		}
		slog.Info("usage signal rules ran", "as_of", day.String(), "subjects", sum.Subjects, "fired", sum.Fired, "new", sum.Created)
	}
}

// ingestFile stores one file and returns the latest period end in it.
func ingestFile(ctx context.Context, us usage.Store, path string) (usage.IngestSummary, time.Time, error) {
	format, err := usage.FormatOf(path)
	if err != nil {
		return usage.IngestSummary{}, time.Time{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return usage.IngestSummary{}, time.Time{}, err
	}
	defer f.Close()
	rd, err := usage.NewReader(f, path, format)
	if err != nil {
		return usage.IngestSummary{}, time.Time{}, err
	}
	src := &latest{Source: rd}
	sum, err := us.IngestUsage(ctx, usage.IngestRequest{Source: src, Actor: actor(), Origin: path, SHA256: ""})
	return sum, src.end, err
}

// latest remembers the latest period end of the records it passes on.
type latest struct {
	usage.Source
	end time.Time
}

func (l *latest) Next(r *usage.Record) error {
	err := l.Source.Next(r)
	if err == nil && r.End.After(l.end) {
		l.end = r.End
	}
	return err
}

func (l *latest) SHA256() string {
	if d, ok := l.Source.(interface{ SHA256() string }); ok {
		return d.SHA256()
	}
	return ""
}

func runNATSWorkers(ctx context.Context, cmd *cobra.Command, us usage.Store, url string, cfg vnats.Config, workers int) error {
	c, err := vnats.Dial(ctx, url, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	cons, err := c.EnsureStream(ctx)
	if err != nil {
		return err
	}
	cfg = c.Config()
	slog.Info("consuming usage", "stream", cfg.Stream, "consumer", cfg.Consumer, "workers", workers)
	fmt.Fprintf(cmd.OutOrStdout(), "consuming %s as %s with %d worker(s); Ctrl-C stops\n", cfg.Stream, cfg.Consumer, workers)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total vnats.Stats
	)
	for range max(1, workers) {
		wg.Go(func() {
			st, _ := vnats.NewWorker(c, cons, us, slog.Default()).Run(ctx)
			mu.Lock()
			total.Messages += st.Messages
			total.Records += st.Records
			total.Created += st.Created
			total.Duplicates += st.Duplicates
			total.Refused += st.Refused
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Fprintf(cmd.OutOrStdout(), "stopped: %d messages, %d records, %d new, %d duplicates, %d messages refused\n",
		total.Messages, total.Records, total.Created, total.Duplicates, total.Refused)
	return nil
}

func newUsagePublishCmd() *cobra.Command {
	var (
		natsURL string
		cfg     vnats.Config
		per     int
	)
	cmd := &cobra.Command{
		Use:   "publish FILE",
		Short: "Publish the usage records of a file to the JetStream stream, as a metering system would",
		Example: `  vigil usage publish --nats nats://127.0.0.1:4222 usage.jsonl
  vigil usage ingest --nats nats://127.0.0.1:4222`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			format, err := usage.FormatOf(args[0])
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			rd, err := usage.NewReader(f, args[0], format)
			if err != nil {
				return err
			}
			c, err := vnats.Dial(ctx, natsURL, cfg)
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.EnsureStream(ctx); err != nil {
				return err
			}
			// The whole file is checked before anything is published.
			var recs []usage.Record
			for {
				var r usage.Record
				err := rd.Next(&r)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return err
				}
				recs = append(recs, r)
			}
			if err := c.Publish(ctx, recs, per); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "published %d records to %s\n", len(recs), c.Config().Subject)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&natsURL, "nats", "nats://127.0.0.1:4222", "NATS URL")
	f.StringVar(&cfg.Stream, "stream", "VIGIL_USAGE", "JetStream stream")
	f.StringVar(&cfg.Subject, "subject", "vigil.usage", "subject to publish on")
	f.StringVar(&cfg.Consumer, "consumer", "vigil-usage", "durable consumer to create with the stream")
	f.IntVar(&per, "per-message", 100, "records per message")
	return cmd
}

func newUsageGenerateCmd() *cobra.Command {
	var (
		dir  string
		seed uint64
		asOf string
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a year of daily demo usage for a generated portfolio, with planted escalations",
		Long: `Read services.csv and subscriptions.csv of a portfolio written by 'vigil demo
generate' and write usage.jsonl beside them: a year of daily usage of every
subscription up to --as-of, with a few escalations that the default signal
rules catch. The same portfolio and seed always give the same bytes.`,
		Example: `  vigil demo generate --parties 2000 --out /tmp/portfolio
  vigil usage generate --portfolio /tmp/portfolio
  vigil import all /tmp/portfolio && vigil usage ingest /tmp/portfolio/usage.jsonl`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := usage.DemoOptions{Seed: seed}
			if asOf != "" {
				d, err := vigil.ParseDate(asOf)
				if err != nil {
					return usagef("--as-of: %v", err)
				}
				opt.AsOf = d.Time
			}
			res, err := usage.GenerateDemo(dir, opt)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %d usage records up to %s to %s\nescalations:\n", res.Records, res.AsOf, res.File)
			for _, e := range res.Escalations {
				fmt.Fprintf(w, "  - %s\n", e)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "portfolio", "", "directory of a generated portfolio (required)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&asOf, "as-of", "", "last day of the year of usage (default 2026-06-30, the demo portfolio's)")
	cmd.MarkFlagRequired("portfolio")
	return cmd
}

func newSignalsCmd(g *globals) *cobra.Command {
	var q usage.SignalQuery
	cmd := &cobra.Command{
		Use:   "signals",
		Short: "List usage signals, newest first, with the numbers behind each",
		Long: `List the signals the usage rules raised, newest as-of day first. Each says
which rule fired on which account, subscription and meter, and explains the
numbers behind it; -o json shows every fact the rule saw.`,
		Example: `  vigil signals
  vigil signals --severity high --account A0000087
  vigil signals evaluate --as-of 2026-06-30
  vigil -o json signals get SIG-0123456789ABCDEF0123`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				us, err := usage.StoreOf(s)
				if err != nil {
					return err
				}
				p, err := us.ListSignals(ctx, q)
				if err != nil {
					return err
				}
				return printSignals(cmd, g.output, p)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Account, "account", "", "only signals about this account")
	f.StringVar(&q.Subscription, "subscription", "", "only signals about this subscription")
	f.StringVar(&q.Rule, "rule", "", "only signals of this rule")
	f.StringVar(&q.Severity, "severity", "", "only signals of this severity (low, medium, high)")
	f.StringVar(&q.After, "after", "", "cursor printed by the previous page")
	f.IntVar(&q.Limit, "limit", 100, "signals per page, 1 to 1000")
	cmd.AddCommand(newSignalsEvaluateCmd(g), newSignalsGetCmd(g), newSignalsRulesCmd())
	return cmd
}

func printSignals(cmd *cobra.Command, format string, p usage.SignalPage) error {
	w := cmd.OutOrStdout()
	if format == "json" {
		return printValue(w, "json", p)
	}
	header := []string{"id", "as_of", "severity", "rule", "account_id", "subscription_id", "meter", "explanation"}
	rows := make([][]string, 0, len(p.Items))
	for _, s := range p.Items {
		rows = append(rows, []string{s.ID, s.AsOf.String(), s.Severity, s.Rule, s.Account, s.Subscription, s.Meter, s.Explanation})
	}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	if err := printTable(w, header, rows); err != nil {
		return err
	}
	if p.Next != "" {
		fmt.Fprintf(w, "\nmore: --after %s\n", p.Next)
	}
	return nil
}

func newSignalsEvaluateCmd(g *globals) *cobra.Command {
	var rulesFile, asOf string
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Run the signal rules on the stored usage and store the signals that fire",
		Example: `  vigil signals evaluate --as-of 2026-06-30
  vigil signals evaluate --rules my-rules.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day := vigil.DateOf(time.Now())
			if asOf != "" {
				var err error
				if day, err = vigil.ParseDate(asOf); err != nil {
					return usagef("--as-of: %v", err)
				}
			}
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			us, err := usage.StoreOf(s)
			if err != nil {
				return err
			}
			return evaluate(ctx, cmd, g, us, s, rulesFile, day)
		},
	}
	cmd.Flags().StringVar(&rulesFile, "rules", "", "signal rules file (default: the shipped rules)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "last day of the windows, YYYY-MM-DD (default today, UTC)")
	return cmd
}

func evaluate(ctx context.Context, cmd *cobra.Command, g *globals, us usage.Store, s vigil.Store, rulesFile string, day vigil.Date) error {
	rules, err := usage.LoadRules(rulesFile)
	if err != nil {
		return err
	}
	sum, err := usage.Evaluate(ctx, us, s, rules, day, actor())
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "signals as of %s: %d subjects, %d fired, %d new\n", day, sum.Subjects, sum.Fired, sum.Created)
	if len(sum.Signals) == 0 {
		return nil
	}
	return printSignals(cmd, g.output, usage.SignalPage{Items: sum.Signals})
}

func newSignalsGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show one signal with every fact its rule saw",
		Example: `  vigil signals get SIG-0123456789ABCDEF0123`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				us, err := usage.StoreOf(s)
				if err != nil {
					return err
				}
				sig, err := us.GetSignal(ctx, args[0])
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), "json", sig)
			})
		},
	}
}

func newSignalsRulesCmd() *cobra.Command {
	var check string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Print the shipped signal rules file, or check one",
		Example: `  vigil signals rules > my-rules.yaml
  vigil signals rules --check my-rules.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if check == "" {
				_, err := cmd.OutOrStdout().Write(usage.DefaultRulesYAML())
				return err
			}
			rs, err := usage.LoadRules(check)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rules, version %s, sha256 %s\n", check, len(rs.Rules), strconv.Quote(rs.Version), rs.Digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&check, "check", "", "compile this rules file and report its errors with their lines")
	return cmd
}
