package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
	vhttp "github.com/vigil-hrdd/vigil/http"
)

// Deadlines of the grievance channel, in days, from the environment; the
// server and the commands read the same variables so that both flag the
// same grievances as overdue.
const (
	ackDaysEnv    = "VIGIL_GRIEVANCE_ACK_DAYS"
	answerDaysEnv = "VIGIL_GRIEVANCE_ANSWER_DAYS"
)

// grievanceConfig is the grievance service's configuration: the key in
// the data directory's keys folder and the deadlines of the environment.
func (g *globals) grievanceConfig() (grievance.Config, error) {
	cfg := grievance.Config{KeyDir: g.keysDir()}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{ackDaysEnv, &cfg.AckWithin}, {answerDaysEnv, &cfg.AnswerWithin}} {
		v := os.Getenv(d.env)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			return cfg, usagef("%s=%q: want a whole number of days from 1 to 365", d.env, v)
		}
		*d.dst = time.Duration(n) * 24 * time.Hour
	}
	return cfg, nil
}

// grievanceServeOption wires the grievance channel into vigil serve.
func (g *globals) grievanceServeOption() (vhttp.Option, error) {
	cfg, err := g.grievanceConfig()
	if err != nil {
		return nil, err
	}
	return vhttp.WithGrievanceConfig(cfg), nil
}

func (g *globals) withGrievances(cmd *cobra.Command, fn func(ctx context.Context, svc *grievance.Service) error) error {
	cfg, err := g.grievanceConfig()
	if err != nil {
		return err
	}
	return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
		gs, err := grievance.StoreOf(s)
		if err != nil {
			return err
		}
		svc, err := grievance.NewService(gs, cfg)
		if err != nil {
			return err
		}
		return fn(ctx, svc)
	})
}

func newGrievancesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grievances",
		Short: "Handle grievances from the public channel",
		Long: `Handle the grievances people send through the public form (/grievance/) or
the public API: list them with their deadlines, acknowledge, triage, answer
and close them, and open a submitter's sealed contact details. Every step is
an event in the proof log. Deadlines: ` + ackDaysEnv + ` (default 7) and
` + answerDaysEnv + ` (default 30).`,
		Example: `  VIGIL_GRIEVANCE_PASSPHRASE=... vigil grievances keygen
  vigil grievances list --overdue
  vigil grievances ack G01J... --message "We have received your grievance."`,
	}
	cmd.AddCommand(newGrievancesListCmd(g), newGrievancesShowCmd(g), newGrievancesAckCmd(g), newGrievancesAnswerCmd(g),
		newGrievancesTriageCmd(g), newGrievancesCloseCmd(g), newGrievancesOpenContactCmd(g), newGrievancesOpenFileCmd(g), newGrievancesKeygenCmd(g),
		newGrievancesFiguresCmd(g))
	return cmd
}

func newGrievancesListCmd(g *globals) *cobra.Command {
	var status, party, after string
	var overdue bool
	var limit int
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List grievances, newest first, with their deadlines",
		Example: "  vigil grievances list --overdue\n  vigil grievances list --status received -o json",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				now := svc.Now()
				pg, err := svc.Store().ListGrievances(ctx, grievance.Query{Status: grievance.Status(status), Overdue: overdue, Now: now, PartyID: party, After: after, Limit: limit})
				if err != nil {
					return err
				}
				return printGrievances(cmd.OutOrStdout(), g.output, pg, now)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only this status: received, acknowledged, answered or closed")
	cmd.Flags().BoolVar(&overdue, "overdue", false, "only open grievances past a deadline")
	cmd.Flags().StringVar(&party, "party", "", "only grievances triaged to this party")
	cmd.Flags().StringVar(&after, "after", "", "cursor of the next page")
	cmd.Flags().IntVar(&limit, "limit", 100, "page size, 1 to 1000")
	return cmd
}

func printGrievances(w io.Writer, format string, pg grievance.Page, now time.Time) error {
	if format == "json" {
		type row struct {
			*grievance.Grievance
			Overdue grievance.OverdueFlags `json:"overdue"`
		}
		items := []row{}
		for _, it := range pg.Items {
			items = append(items, row{it, it.Overdue(now)})
		}
		return printValue(w, format, map[string]any{"items": items, "next": pg.Next})
	}
	header := []string{"id", "received", "status", "ack_due", "answer_due", "overdue", "contact", "subject"}
	var rows [][]string
	for _, it := range pg.Items {
		f := it.Overdue(now)
		var late []string
		if f.AckOverdue {
			late = append(late, "acknowledgement")
		}
		if f.AnswerOverdue {
			late = append(late, "answer")
		}
		contact := "anonymous"
		if it.HasContact {
			contact = "sealed"
		}
		rows = append(rows, []string{it.ID, it.ReceivedAt.Format(time.DateOnly), string(it.Status), it.AckDue.Format(time.DateOnly),
			it.AnswerDue.Format(time.DateOnly), strings.Join(late, "+"), contact, it.Subject})
	}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	if err := printTable(w, header, rows); err != nil {
		return err
	}
	if pg.Next != "" {
		fmt.Fprintf(w, "\nmore: --after %s\n", pg.Next)
	}
	return nil
}

func newGrievancesShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show a grievance and its exchanges with the submitter (never the contact)",
		Example: "  vigil grievances show G01J...",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				gr, ex, flags, err := svc.Get(ctx, args[0])
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, map[string]any{"grievance": gr, "overdue": flags, "exchanges": ex})
			})
		},
	}
}

// grievanceStepCmd is a command that moves one grievance and prints it.
func grievanceStepCmd(g *globals, use, short, example string, flags func(*cobra.Command),
	step func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error)) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				gr, err := step(ctx, svc, args[0])
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, map[string]any{"grievance": gr, "overdue": gr.Overdue(svc.Now())})
			})
		},
	}
	flags(cmd)
	return cmd
}

func newGrievancesAckCmd(g *globals) *cobra.Command {
	var msg string
	return grievanceStepCmd(g, "ack ID", "Acknowledge a grievance with a message to the submitter (late if past the deadline)",
		`  vigil grievances ack G01J... --message "We have received your grievance and are looking into it."`,
		func(c *cobra.Command) {
			c.Flags().StringVar(&msg, "message", "", "the acknowledgement the submitter reads (required)")
		},
		func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
			return svc.Acknowledge(ctx, id, msg, actor())
		})
}

func newGrievancesAnswerCmd(g *globals) *cobra.Command {
	var msg string
	return grievanceStepCmd(g, "answer ID", "Answer a grievance (late if past the deadline)",
		`  vigil grievances answer G01J... --message "We restricted the service on 3 December."`,
		func(c *cobra.Command) {
			c.Flags().StringVar(&msg, "message", "", "the answer the submitter reads (required)")
		},
		func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
			return svc.Answer(ctx, id, msg, actor())
		})
}

func newGrievancesTriageCmd(g *globals) *cobra.Command {
	var parties, subs, cases, note string
	return grievanceStepCmd(g, "triage ID", "Link a grievance to parties, subscriptions and cases",
		`  vigil grievances triage G01J... --parties P0000007 --subscriptions S0000031 --cases C-12 --note "same unit as case C-12"`,
		func(c *cobra.Command) {
			c.Flags().StringVar(&parties, "parties", "", "party ids, comma-separated")
			c.Flags().StringVar(&subs, "subscriptions", "", "subscription ids, comma-separated")
			c.Flags().StringVar(&cases, "cases", "", "case ids, comma-separated")
			c.Flags().StringVar(&note, "note", "", "a note for officers, never shown to the submitter")
		},
		func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
			return svc.Triage(ctx, id, grievance.Triage{PartyIDs: grievance.SplitIDs(parties), SubscriptionIDs: grievance.SplitIDs(subs),
				CaseIDs: grievance.SplitIDs(cases), Note: note}, actor())
		})
}

func newGrievancesCloseCmd(g *globals) *cobra.Command {
	var outcome, note string
	var action bool
	var names []string
	for _, o := range grievance.Outcomes {
		names = append(names, string(o))
	}
	return grievanceStepCmd(g, "close ID", "Close a grievance with its outcome",
		"  vigil grievances close G01J... --outcome upheld --led-to-action",
		func(c *cobra.Command) {
			c.Flags().StringVar(&outcome, "outcome", "", "one of "+strings.Join(names, ", ")+" (required)")
			c.Flags().BoolVar(&action, "led-to-action", false, "the grievance led to action (a case, a decision, a remedy)")
			c.Flags().StringVar(&note, "note", "", "a closing note the submitter reads")
		},
		func(ctx context.Context, svc *grievance.Service, id string) (*grievance.Grievance, error) {
			return svc.Close(ctx, id, grievance.Outcome(outcome), action, note, actor())
		})
}

func newGrievancesOpenContactCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "open-contact ID",
		Short: "Open a submitter's sealed contact details (recorded in the proof log)",
		Long: `Open the contact details of a named grievance with the grievance key, whose
passphrase is read from ` + grievance.PassphraseEnv + `. Every opening is an
event (grievance.contact_opened) naming who opened it. The details are printed
and never stored in clear.`,
		Example: "  VIGIL_GRIEVANCE_PASSPHRASE=... vigil grievances open-contact G01J...",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pass := os.Getenv(grievance.PassphraseEnv)
			if pass == "" {
				return usagef("set %s to the grievance key's passphrase", grievance.PassphraseEnv)
			}
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				c, err := svc.OpenContact(ctx, args[0], pass, actor())
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, c)
			})
		},
	}
}

func newGrievancesOpenFileCmd(g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "open-file ID SHA256",
		Short: "Open a sealed file of a grievance into a new file (recorded in the proof log)",
		Long: `Decrypt a file a submitter sent, named by its grievance and its SHA-256 (as
"grievances show" lists them), with the grievance key, whose passphrase is read
from ` + grievance.PassphraseEnv + `. Every opening is an event
(grievance.attachment_opened) naming who opened it, written before any byte
is decrypted; the bytes are checked against the SHA-256. The file is written
to --out, which must not exist yet (created readable by its owner only), or
to standard output with --out -.`,
		Example: "  VIGIL_GRIEVANCE_PASSPHRASE=... vigil grievances open-file G01J... 9f86d08... --out statement.pdf",
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("name the file to write with --out (or --out - for standard output)")
			}
			pass := os.Getenv(grievance.PassphraseEnv)
			if pass == "" {
				return usagef("set %s to the grievance key's passphrase", grievance.PassphraseEnv)
			}
			// Created before the opening, so that an existing file refuses
			// the command before it is recorded as an opening.
			var w io.Writer = cmd.OutOrStdout()
			var f *os.File
			if out != "-" {
				var err error
				if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
					return usagef("--out: %v", err)
				}
				w = f
			}
			err := g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				file, plain, err := svc.OpenAttachment(ctx, args[0], args[1], pass, actor())
				if err != nil {
					return err
				}
				if _, err := w.Write(plain); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
				if f != nil {
					if err := f.Close(); err != nil {
						return fmt.Errorf("write %s: %w", out, err)
					}
					f = nil
					fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%s, %d bytes) to %s; the opening is recorded\n", file.Name, file.MediaType, len(plain), out)
				}
				return nil
			})
			if f != nil {
				// Nothing was opened: leave no empty file behind.
				f.Close()
				os.Remove(out)
			}
			return err
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write (must not exist), or - for standard output")
	return c
}

func newGrievancesKeygenCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Create the key that seals submitters' contact details",
		Long: `Create the X25519 key pair that seals submitters' contact details: the
identity, sealed under the passphrase in ` + grievance.PassphraseEnv + `,
goes to <data-dir>/keys/` + grievance.IdentityFile + `, the public recipient to
` + grievance.RecipientFile + `. Without a key the channel takes anonymous
grievances only. An existing key is never overwritten.`,
		Example: "  VIGIL_GRIEVANCE_PASSPHRASE='a long passphrase' vigil grievances keygen",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			pass := os.Getenv(grievance.PassphraseEnv)
			if pass == "" {
				return usagef("set %s to the passphrase that will seal the key", grievance.PassphraseEnv)
			}
			r, err := grievance.GenerateKey(g.keysDir(), pass)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "grievance key created in %s\nrecipient: %s\n", g.keysDir(), r)
			return nil
		},
	}
}

func newGrievancesFiguresCmd(g *globals) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:     "figures",
		Short:   "Effectiveness figures (UNGP 31) of the grievances received in a period",
		Example: "  vigil grievances figures --from 2026-01-01 --to 2027-01-01",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				now := svc.Now()
				start, end := now.AddDate(-1, 0, 0), now
				var err error
				if from != "" {
					if start, err = time.Parse(time.DateOnly, from); err != nil {
						return usagef("--from %q: want YYYY-MM-DD", from)
					}
				}
				if to != "" {
					if end, err = time.Parse(time.DateOnly, to); err != nil {
						return usagef("--to %q: want YYYY-MM-DD", to)
					}
				}
				f, err := grievance.Effectiveness(ctx, svc.Store(), start, end, now)
				if err != nil {
					return vigil.Errorf(vigil.EINVALID, "%v", err)
				}
				return printValue(cmd.OutOrStdout(), g.output, f)
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first day of the period (default: a year ago)")
	cmd.Flags().StringVar(&to, "to", "", "day after the period (default: now)")
	return cmd
}

func newEngagementsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "engagements",
		Short: "Keep the record of engagement with stakeholders",
		Long: `Record letters and meetings with civil society, rights-holders, unions and
investors: who, when, what was asked, what was promised by which date, and
what was answered. Promises past their due date are listed (and logged once)
by 'vigil engagements overdue'.`,
		Example: `  vigil engagements add --kind letter_in --stakeholder-type civil_society --who "Six organisations" --date 2026-10-30 --asked "Suspend the service"
  vigil engagements promise E01J... --text "Answer in writing" --due 2026-11-15`,
	}
	cmd.AddCommand(newEngagementsAddCmd(g), newEngagementsListCmd(g), newEngagementsPromiseCmd(g), newEngagementsAnswerCmd(g), newEngagementsOverdueCmd(g))
	return cmd
}

func newEngagementsAddCmd(g *globals) *cobra.Command {
	var e grievance.Engagement
	var kind, stype, date, parties, cases, grievances string
	cmd := &cobra.Command{
		Use:     "add",
		Short:   "Record a letter or meeting",
		Example: `  vigil engagements add --kind meeting --stakeholder-type union --who "Cloud workers' union" --date 2026-11-20 --asked "Staff protection"`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			e.Kind, e.StakeholderType = grievance.EngagementKind(kind), grievance.StakeholderType(stype)
			if date != "" {
				d, err := vigil.ParseDate(date)
				if err != nil {
					return usagef("--date %q: want YYYY-MM-DD", date)
				}
				e.Date = d
			}
			e.PartyIDs, e.CaseIDs, e.GrievanceIDs = grievance.SplitIDs(parties), grievance.SplitIDs(cases), grievance.SplitIDs(grievances)
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				if err := svc.RecordEngagement(ctx, &e, actor()); err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, &e)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "letter_in, letter_out, meeting or call (required)")
	f.StringVar(&stype, "stakeholder-type", "", "civil_society, rights_holders, union, investor, journalist or other (required)")
	f.StringVar(&e.Stakeholders, "who", "", "who took part (required)")
	f.StringVar(&date, "date", "", "date of the letter or meeting, YYYY-MM-DD (required)")
	f.StringVar(&e.Asked, "asked", "", "what was asked (required)")
	f.StringVar(&e.Summary, "summary", "", "what was said")
	f.StringVar(&parties, "parties", "", "party ids it concerns, comma-separated")
	f.StringVar(&cases, "cases", "", "case ids, comma-separated")
	f.StringVar(&grievances, "grievances", "", "grievance ids, comma-separated")
	return cmd
}

func newEngagementsListCmd(g *globals) *cobra.Command {
	var stype, party string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List engagements, newest first, with their promises",
		Example: "  vigil engagements list --stakeholder-type civil_society",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				es, err := svc.Store().ListEngagements(ctx, grievance.EngagementQuery{StakeholderType: grievance.StakeholderType(stype), PartyID: party, Limit: 1000})
				if err != nil {
					return err
				}
				now := svc.Now()
				header := []string{"id", "date", "kind", "stakeholders", "who", "asked", "promise", "due", "state"}
				var rows [][]string
				type item struct {
					*grievance.Engagement
					Promises []*grievance.Promise `json:"promises"`
				}
				items := []item{}
				for _, e := range es {
					ps, err := svc.Store().ListPromises(ctx, grievance.PromiseQuery{EngagementID: e.ID})
					if err != nil {
						return err
					}
					items = append(items, item{e, ps})
					base := []string{e.ID, e.Date.String(), string(e.Kind), string(e.StakeholderType), e.Stakeholders, e.Asked}
					if len(ps) == 0 {
						rows = append(rows, append(base, "", "", ""))
					}
					for _, p := range ps {
						rows = append(rows, append(append([]string(nil), base...), p.ID+" "+p.Text, p.Due.String(), promiseState(p, now)))
					}
				}
				switch g.output {
				case "json":
					return printValue(cmd.OutOrStdout(), "json", map[string]any{"items": items})
				case "csv":
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				return printTable(cmd.OutOrStdout(), header, rows)
			})
		},
	}
	cmd.Flags().StringVar(&stype, "stakeholder-type", "", "only this kind of stakeholder")
	cmd.Flags().StringVar(&party, "party", "", "only engagements about this party")
	return cmd
}

func promiseState(p *grievance.Promise, now time.Time) string {
	switch {
	case p.AnsweredAt != nil && p.Late:
		return "kept late"
	case p.AnsweredAt != nil:
		return "kept"
	case p.Overdue(now):
		return "OVERDUE"
	}
	return "open"
}

func newEngagementsPromiseCmd(g *globals) *cobra.Command {
	var text, due string
	cmd := &cobra.Command{
		Use:     "promise ENGAGEMENT_ID",
		Short:   "Record a promise made in an engagement and its due date",
		Example: `  vigil engagements promise E01J... --text "Answer the six organisations in writing" --due 2026-11-15`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := vigil.ParseDate(due)
			if err != nil {
				return usagef("--due %q: want YYYY-MM-DD", due)
			}
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				p, err := svc.Promise(ctx, args[0], text, d, actor())
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, p)
			})
		},
	}
	cmd.Flags().StringVar(&text, "text", "", "what was promised (required)")
	cmd.Flags().StringVar(&due, "due", "", "the date it is due by, YYYY-MM-DD (required)")
	return cmd
}

func newEngagementsAnswerCmd(g *globals) *cobra.Command {
	var answer string
	cmd := &cobra.Command{
		Use:     "answer PROMISE_ID",
		Short:   "Record the answer that keeps a promise (late if past its due date)",
		Example: `  vigil engagements answer PR01J... --answer "Letter sent on 14 November"`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				p, err := svc.AnswerPromise(ctx, args[0], answer, actor())
				if err != nil {
					return err
				}
				return printValue(cmd.OutOrStdout(), g.output, p)
			})
		},
	}
	cmd.Flags().StringVar(&answer, "answer", "", "what was answered (required)")
	return cmd
}

func newEngagementsOverdueCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "overdue",
		Short: "List overdue grievances and promises; log each newly overdue promise once",
		Long: `List the grievances past their acknowledgement or answer deadline and the
promises past their due date. Each promise found overdue for the first time
is recorded as an engagement.promise_overdue event, so the proof log shows
missed promises even when nobody answers them. Run it daily (cron).`,
		Example: "  vigil engagements overdue",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withGrievances(cmd, func(ctx context.Context, svc *grievance.Service) error {
				marked, err := svc.Store().MarkOverduePromises(ctx, svc.Now(), actor())
				if err != nil {
					return err
				}
				rep, err := svc.Overdue(ctx)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), "json", map[string]any{"overdue": rep, "newly_logged": len(marked)})
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "overdue grievances: %d\n", len(rep.Grievances))
				for _, it := range rep.Grievances {
					what := "answer"
					if it.Flags.AckOverdue {
						what = "acknowledgement"
					}
					fmt.Fprintf(w, "  %s  %s due %s  %s\n", it.Grievance.ID, what, it.Due.Format(time.DateOnly), it.Grievance.Subject)
				}
				fmt.Fprintf(w, "overdue promises: %d (%d newly logged)\n", len(rep.Promises), len(marked))
				for _, p := range rep.Promises {
					fmt.Fprintf(w, "  %s  due %s  %s  (%s)\n", p.Promise.ID, p.Promise.Due, p.Promise.Text, p.Engagement.Stakeholders)
				}
				return nil
			})
		},
	}
}
