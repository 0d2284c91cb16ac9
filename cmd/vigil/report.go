package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/tlog"
)

// reportLogFlags name the log a report is computed at or verified
// against, and its key: --log takes a URL or a directory.
type reportLogFlags struct {
	log string
	key string
}

func (lf *reportLogFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&lf.log, "log", "", "the proof log: its URL (https://HOST/log/) or a directory (default <data-dir>/log)")
	cmd.Flags().StringVar(&lf.key, "key", "", "the log's verifier key, or a file holding it (default <data-dir>/keys/"+tlog.PublicKeyFile+")")
}

func (lf *reportLogFlags) open(cmd *cobra.Command) (tlog.Fetcher, *logFlags, error) {
	src := lf.log
	if src == "" {
		src = filepath.Join(dataDirOf(cmd), "log")
	}
	f, err := tlog.NewFetcher(src, nil)
	if err != nil {
		return nil, nil, usagef("--log: %v", err)
	}
	return f, &logFlags{key: lf.key}, nil
}

// splitList reads a comma-separated flag and checks every value.
func splitList(flag, v string, allowed []string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(allowed, s) {
			return nil, usagef("--%s %q: want %s (or several, comma-separated)", flag, s, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--%s is empty", flag)
	}
	return out, nil
}

func newReportCmd(g *globals) *cobra.Command {
	var period, langs, formats, templates, out string
	var minCell int
	var lf reportLogFlags
	cmd := &cobra.Command{
		Use:   "report --period P --out DIR",
		Short: "Write the public transparency report (or the annual statement) with verifiable figures",
		Long: `Write the public human-rights due-diligence report of a period from the
records, the assessments and the outbox events: salient issues, relationships
reviewed by context and sector, red flags, decisions by type, enforcement,
grievances, stakeholder engagement and what changed since the period before,
with charts. --template ungp follows the UN Guiding Principles Reporting
Framework; --template csddd writes the directive-style annual statement.

The figures are computed at the proof log's latest signed checkpoint (only
events the log holds count) and written to DIR/report.json with their
definitions, next to the renderings (report.LANG.FORMAT or
statement.LANG.FORMAT); the HTML embeds the same JSON. Counts from 1 to
--min-cell minus one are shown as "<N", with the cells that would give them
away. A report.published event records the publication.

Anyone re-derives the log's figures with 'vigil report verify'; an auditor
given 'vigil report events' re-derives the confidential ones too.`,
		Example: `  vigil report --period 2026 --lang en,fr --format html,pdf,md --out public/report-2026
  vigil report --period 2026-Q3 --template csddd --format pdf --out statement-q3
  vigil report --period 2026-01-01..2026-06-30 --min-cell 10 --out h1`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			p, err := report.ParsePeriod(period)
			if err != nil {
				return usagef("--period: %v", err)
			}
			if minCell < 1 {
				return usagef("--min-cell %d: want 1 or more", minCell)
			}
			ls, err := splitList("lang", langs, report.Languages)
			if err != nil {
				return err
			}
			fs, err := splitList("format", formats, report.Formats)
			if err != nil {
				return err
			}
			ts, err := splitList("template", templates, report.Templates)
			if err != nil {
				return err
			}
			fetcher, keyFlags, err := lf.open(cmd)
			if err != nil {
				return err
			}
			v, err := keyFlags.verifier(cmd)
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				rs, ok := s.(report.Store)
				if !ok {
					return vigil.Errorf(vigil.EINTERNAL, "the store keeps no assessments")
				}
				cp, err := report.ReadCheckpoint(ctx, fetcher, v)
				if err != nil {
					return fmt.Errorf("%w (has the log been written? 'vigil serve' or 'vigil log flush' appends the events)", err)
				}
				if n, err := pendingIn(ctx, s, p); err == nil && n > 0 {
					slog.Warn("events of the period are not in the log yet and are not counted; run 'vigil log flush' first", "events", n)
				}
				doc, err := report.Build(ctx, rs, report.Options{Period: p, MinCell: minCell, Checkpoint: cp, Now: time.Now()})
				if err != nil {
					return err
				}
				var renderings []*report.Rendering
				for _, t := range ts {
					for _, l := range ls {
						for _, f := range fs {
							r, err := report.Render(doc, t, l, f)
							if err != nil {
								return err
							}
							renderings = append(renderings, r)
						}
					}
				}
				sum, err := report.WriteDir(out, doc, renderings)
				if err != nil {
					return err
				}
				ev, err := report.Published(ctx, s, doc, report.PublishedPayload{Templates: ts, Languages: ls, Formats: fs, FiguresSHA: sum}, actor(), time.Now())
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				for _, r := range renderings {
					fmt.Fprintln(w, filepath.Join(out, report.FileName(r.Template, r.Lang, r.Format)))
				}
				fmt.Fprintf(w, "%s (sha256 %s)\nfigures computed at checkpoint %q size %d; event %s records the publication\n",
					filepath.Join(out, report.FiguresFile), sum, cp.Origin, cp.Size, ev.ID)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&period, "period", "", "a year (2026), a quarter (2026-Q3) or dates (2026-01-01..2026-06-30)")
	f.StringVar(&langs, "lang", "en", "language(s): en, fr, or en,fr")
	f.StringVar(&formats, "format", "html", "format(s): html, pdf, md, comma-separated")
	f.StringVar(&templates, "template", report.TemplateUNGP, "ungp (UNGP Reporting Framework) or csddd (annual statement), comma-separated")
	f.StringVar(&out, "out", "", "directory to write the report to")
	f.IntVar(&minCell, "min-cell", report.DefaultMinCell, "smallest count shown; smaller ones (except 0) are shown as \"<N\"")
	lf.register(cmd)
	cmd.AddCommand(newReportVerifyCmd(), newReportEventsCmd(g))
	return cmd
}

// pendingIn counts events of the period still waiting for the log.
func pendingIn(ctx context.Context, s vigil.EventStore, p report.Period) (int, error) {
	evs, err := s.PendingEvents(ctx, 100000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range evs {
		if p.Contains(ev.Time) {
			n++
		}
	}
	return n, nil
}

func newReportVerifyCmd() *cobra.Command {
	var lf reportLogFlags
	var events string
	cmd := &cobra.Command{
		Use:   "verify REPORT_DIR --log URL|DIR",
		Short: "Re-derive a report's figures from the proof log (and, with --events, the confidential ones)",
		Long: `Check a report against the record: the checkpoint in REPORT_DIR/report.json
must be signed by the log's key; the log is fetched up to that checkpoint's
size and every entry and tile verified against its root; the leaves are
counted by type and time, and every public figure must equal its count (a
figure shown as "<N" must be between 1 and N-1). The HTML renderings must
embed report.json exactly.

With --events (the file 'vigil report events' writes for an auditor), each
event's salted commitment must match its leaf, no event the log holds for a
confidential figure may be missing, and the figures by country and sector
are recounted from the events.

Any difference fails (exit 1), naming the figure, what the report says and
what the record gives. Snapshot figures (the portfolio when the report was
generated) are not in the log and are listed as not checked.`,
		Example: `  vigil report verify ./report-2026 --log https://vigil.example.org/log/ --key log-key.pub
  vigil report verify ./report-2026 --log ./log-copy --key KEY --events events-2026.jsonl`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fetcher, keyFlags, err := lf.open(cmd)
			if err != nil {
				return err
			}
			v, err := keyFlags.verifier(cmd)
			if err != nil {
				return err
			}
			var res *report.Result
			if events != "" {
				fh, err := os.Open(events)
				if err != nil {
					return usagef("--events: %v", err)
				}
				defer fh.Close()
				res, err = report.Verify(cmd.Context(), args[0], fetcher, v, fh)
				if err != nil {
					return err
				}
			} else if res, err = report.Verify(cmd.Context(), args[0], fetcher, v, nil); err != nil {
				return err
			}
			if outputOf(cmd) == "json" {
				if err := printValue(cmd.OutOrStdout(), "json", res); err != nil {
					return err
				}
			} else {
				w := cmd.OutOrStdout()
				for _, p := range res.Problems {
					fmt.Fprintln(w, "FAIL", p.String())
				}
				if res.OK() {
					fmt.Fprintf(w, "OK: %d figures re-derived from log %q at size %d", res.Checked, res.Checkpoint.Origin, res.Checkpoint.Size)
					if events != "" {
						fmt.Fprintf(w, ", %d events checked against their leaves", res.EventsChecked)
					}
					fmt.Fprintf(w, "; %d not checkable here (snapshots, hidden complements", len(res.Unchecked))
					if events == "" {
						fmt.Fprint(w, ", confidential figures without --events")
					}
					fmt.Fprintln(w, ")")
				}
			}
			if !res.OK() {
				return fmt.Errorf("report %s does NOT verify: %d difference(s) with the record", args[0], len(res.Problems))
			}
			return nil
		},
	}
	lf.register(cmd)
	cmd.Flags().StringVar(&events, "events", "", "an auditor's events export (JSON Lines with salts) to check the confidential figures")
	return cmd
}

func newReportEventsCmd(g *globals) *cobra.Command {
	var period, out string
	cmd := &cobra.Command{
		Use:   "events --period P --out FILE",
		Short: "Export, for an auditor, the events (with their salts) behind a report's confidential figures",
		Long: `Write as JSON Lines every logged event the confidential figures of the period
(and of the period before) count: the approved decisions, whose payloads name
the end users' countries and sectors, and the closed grievances. Each event
carries its salt, so the auditor checks it against its log entry with
'vigil report verify --events'. The file reveals the events' content: hand it
only to the auditor.`,
		Example: `  vigil report events --period 2026 --out events-2026.jsonl`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := report.ParsePeriod(period)
			if err != nil {
				return usagef("--period: %v", err)
			}
			if out == "" {
				return usagef("--out FILE is required")
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				tmp := out + ".tmp"
				fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				n, err := report.ExportEvents(ctx, s, p, fh)
				if cerr := fh.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					os.Remove(tmp)
					return err
				}
				if err := os.Rename(tmp, out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d events written to %s\n", n, out)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "a year (2026), a quarter (2026-Q3) or dates (2026-01-01..2026-06-30)")
	cmd.Flags().StringVar(&out, "out", "", "file to write (JSON Lines)")
	return cmd
}
