package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
)

// Cases and decisions from the command line. Commands that change a case
// act as a Vigil user named by --as (or VIGIL_USER): roles and the
// four-eyes rule are those of that user, exactly as over the API. Whoever
// runs the CLI holds the database, so --as is who they say they are; the
// user is recorded in every event.

// caseActor returns the Vigil user named by --as.
func caseActor(ctx context.Context, s vigil.Store, as string) (*vigil.User, error) {
	if as == "" {
		return nil, usagef("--as USER is required: the Vigil user who does this (or set VIGIL_USER)")
	}
	u, err := s.GetUser(ctx, as)
	if err != nil {
		return nil, fmt.Errorf("--as %s: %w", as, err)
	}
	return u, nil
}

func caseService(s vigil.Store) (*casework.Service, error) {
	return casework.NewService(s, casework.Config{})
}

// withCaseActor opens the store and the casework service and looks up the
// user named by --as: the frame of every command that changes a case.
func (g *globals) withCaseActor(cmd *cobra.Command, as string, fn func(ctx context.Context, svc *casework.Service, u *vigil.User) error) error {
	return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
		u, err := caseActor(ctx, s, as)
		if err != nil {
			return err
		}
		svc, err := caseService(s)
		if err != nil {
			return err
		}
		return fn(ctx, svc, u)
	})
}

func addAs(cmd *cobra.Command, as *string) {
	cmd.Flags().StringVar(as, "as", os.Getenv("VIGIL_USER"), "the Vigil user acting (env VIGIL_USER)")
}

func caseIDs(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func newCasesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cases",
		Short: "Work cases: list, show, open, move, assign, comment, attach, link, open from assessments",
		Long: `A case is one concern under review, opened by hand or by the assessment
trigger (vigil cases auto). It moves along allowed statuses:

  open -> investigating -> decision_pending -> action_in_force -> monitoring -> closed

(see docs/casework.md for every allowed move). Closing needs an outcome;
reopening a closed case needs a reason. Every change is an event in the
proof log.`,
	}
	cmd.AddCommand(newCasesListCmd(g), newCasesShowCmd(g), newCasesOpenCmd(g), newCasesMoveCmd(g), newCasesAssignCmd(g),
		newCasesCommentCmd(g), newCasesAttachCmd(g), newCasesLinkCmd(g), newCasesAutoCmd(g))
	return cmd
}

func newCasesListCmd(g *globals) *cobra.Command {
	var q casework.CaseQuery
	var status string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List cases with their status, priority and due date",
		Example: "  vigil cases list --status open --overdue\n  vigil cases list --party P0000007 -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				cs, err := casework.StoreOf(s)
				if err != nil {
					return err
				}
				q.Status, q.Now = casework.Status(status), time.Now()
				page, err := cs.ListCases(ctx, q)
				if err != nil {
					return err
				}
				return printCases(cmd.OutOrStdout(), g.output, page, q.Now)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only cases in this status")
	f.StringVar(&q.Assignee, "assignee", "", "only cases assigned to this user")
	f.StringVar(&q.PartyID, "party", "", "only cases about this party")
	f.StringVar(&q.Priority, "priority", "", "only cases of this priority tier")
	f.BoolVar(&q.Overdue, "overdue", false, "only cases not closed and past their due date")
	f.StringVar(&q.After, "after", "", "the cursor printed after the previous page")
	f.IntVar(&q.Limit, "limit", 100, "page size, 1 to 1000")
	return cmd
}

func printCases(w io.Writer, format string, page casework.CasePage, now time.Time) error {
	if format == "json" {
		return printValue(w, format, page)
	}
	header := []string{"id", "status", "priority", "due", "overdue", "assignee", "title"}
	rows := make([][]string, 0, len(page.Items))
	for _, c := range page.Items {
		overdue := ""
		if c.Overdue(now) {
			overdue = "yes"
		}
		rows = append(rows, []string{c.ID, string(c.Status), c.Priority, c.Due.Format(time.DateOnly), overdue, c.Assignee, c.Title})
	}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	if err := printTable(w, header, rows); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(w, "\nmore: --after %s\n", page.Next)
	}
	return nil
}

func newCasesShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "show CASE",
		Short:   "Show a case with its history, decisions and attachments",
		Example: "  vigil cases show 01JEXAMPLE -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				svc, err := caseService(s)
				if err != nil {
					return err
				}
				v, err := svc.Get(ctx, args[0])
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, v)
				}
				return printCaseView(cmd.OutOrStdout(), v)
			})
		},
	}
}

func printCaseView(w io.Writer, v *casework.View) error {
	c := v.Case
	fmt.Fprintf(w, "case %s (version %d): %s\n", c.ID, c.Version, c.Title)
	fmt.Fprintf(w, "status %s", c.Status)
	if c.Outcome != "" {
		fmt.Fprintf(w, " (%s)", c.Outcome)
	}
	fmt.Fprintf(w, ", priority %s, due %s, assignee %q\n", c.Priority, c.Due.Format(time.DateOnly), c.Assignee)
	for _, l := range []struct {
		name string
		ids  []string
	}{{"parties", c.PartyIDs}, {"accounts", c.AccountIDs}, {"subscriptions", c.SubscriptionIDs}, {"assessments", c.AssessmentIDs},
		{"signals", c.SignalIDs}, {"grievances", c.GrievanceIDs}, {"sources", c.SourceIDs}} {
		if len(l.ids) > 0 {
			fmt.Fprintf(w, "%s: %s\n", l.name, strings.Join(l.ids, ", "))
		}
	}
	fmt.Fprintln(w, "\nhistory:")
	for _, e := range v.Entries {
		fmt.Fprintf(w, "  %s  %-14s %-16s %s\n", e.Time.Format(time.RFC3339), e.Type, e.Actor, e.Detail)
	}
	if len(v.Decisions) > 0 {
		fmt.Fprintln(w, "\ndecisions:")
		for _, d := range v.Decisions {
			fmt.Fprintf(w, "  %s  %-9s %-9s proposed by %s", d.ID, d.Type, d.Status, d.ProposedBy)
			if d.DecidedBy != "" {
				fmt.Fprintf(w, ", decided by %s", d.DecidedBy)
			}
			fmt.Fprintf(w, ": %s\n", d.Reasons)
			for _, r := range d.Responses {
				fmt.Fprintf(w, "    response %s  %s: %s (recorded by %s)", r.ID, r.Kind, r.Answer, r.RecordedBy)
				if r.Note != "" {
					fmt.Fprintf(w, " — %s", r.Note)
				}
				fmt.Fprintln(w)
			}
		}
	}
	if len(v.Attachments) > 0 {
		fmt.Fprintln(w, "\nattachments:")
		for _, a := range v.Attachments {
			fmt.Fprintf(w, "  %s  %s (%s, %d bytes)\n", a.SHA256, a.Name, a.MediaType, a.Size)
		}
	}
	return nil
}

// linkFlags are the flags naming linked records.
type linkFlags struct{ parties, accounts, subscriptions, assessments, signals, grievances, sources string }

func (l *linkFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&l.parties, "parties", "", "party ids, comma-separated")
	f.StringVar(&l.accounts, "accounts", "", "account ids, comma-separated")
	f.StringVar(&l.subscriptions, "subscriptions", "", "subscription ids, comma-separated")
	f.StringVar(&l.assessments, "assessments", "", "assessment (relationship) ids ACCOUNT~END_USER, comma-separated")
	f.StringVar(&l.signals, "signals", "", "usage signal ids, comma-separated")
	f.StringVar(&l.grievances, "grievances", "", "grievance ids, comma-separated")
	f.StringVar(&l.sources, "sources", "", "source ids, comma-separated")
}

func (l *linkFlags) links() casework.Links {
	return casework.Links{PartyIDs: caseIDs(l.parties), AccountIDs: caseIDs(l.accounts), SubscriptionIDs: caseIDs(l.subscriptions),
		AssessmentIDs: caseIDs(l.assessments), SignalIDs: caseIDs(l.signals), GrievanceIDs: caseIDs(l.grievances), SourceIDs: caseIDs(l.sources)}
}

func newCasesOpenCmd(g *globals) *cobra.Command {
	var as string
	var req casework.OpenRequest
	var lf linkFlags
	cmd := &cobra.Command{
		Use:     "open --title TEXT --priority TIER [links]",
		Short:   "Open a case by hand",
		Example: "  vigil cases open --as amira --title 'Grievance about border checks' --priority high --parties P0000007 --subscriptions S0000012",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				req.Links = lf.links()
				c, err := svc.Open(ctx, u, req)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s opened, priority %s, due %s\n", c.ID, c.Priority, c.Due.Format(time.DateOnly))
				return nil
			})
		},
	}
	addAs(cmd, &as)
	f := cmd.Flags()
	f.StringVar(&req.Title, "title", "", "what the case is about")
	f.StringVar(&req.Summary, "summary", "", "a longer description")
	f.StringVar(&req.Priority, "priority", "", "the priority tier, which sets the due date: critical, high, medium or low")
	f.StringVar(&req.Assignee, "assignee", "", "the user who works the case")
	lf.add(cmd)
	return cmd
}

func newCasesMoveCmd(g *globals) *cobra.Command {
	var as, outcome, reason string
	var version int
	cmd := &cobra.Command{
		Use:   "move CASE STATUS",
		Short: "Move a case to another status (closing needs --outcome, reopening --reason)",
		Example: "  vigil cases move 01JEXAMPLE investigating --as amira\n" +
			"  vigil cases move 01JEXAMPLE closed --outcome mitigated --as amira\n" +
			"  vigil cases move 01JEXAMPLE investigating --reason 'usage went on after the suspension' --as amira",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				c, err := svc.Move(ctx, u, args[0], version, casework.Status(args[1]), casework.Outcome(outcome), reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s: %s (version %d)\n", c.ID, c.Status, c.Version)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	cmd.Flags().StringVar(&outcome, "outcome", "", "why the case closes: no_issue, mitigated, suspended, terminated, not_actionable, duplicate")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required to reopen a closed case)")
	cmd.Flags().IntVar(&version, "version", 0, "the version you read: refused if the case changed since (0: no check)")
	return cmd
}

func newCasesAssignCmd(g *globals) *cobra.Command {
	var as string
	var version int
	cmd := &cobra.Command{
		Use:     "assign CASE USER",
		Short:   "Assign a case to a user who works cases (- for nobody)",
		Example: "  vigil cases assign 01JEXAMPLE amira --as bruno",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				assignee := args[1]
				if assignee == "-" {
					assignee = ""
				}
				c, err := svc.Assign(ctx, u, args[0], version, assignee)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s: assigned to %q\n", c.ID, c.Assignee)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	cmd.Flags().IntVar(&version, "version", 0, "the version you read: refused if the case changed since (0: no check)")
	return cmd
}

func newCasesCommentCmd(g *globals) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:     "comment CASE TEXT",
		Short:   "Add a comment to a case's history",
		Example: "  vigil cases comment 01JEXAMPLE 'The reseller confirmed the end user.' --as amira",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				c, err := svc.Comment(ctx, u, args[0], args[1])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s: comment added (version %d)\n", c.ID, c.Version)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	return cmd
}

func newCasesAttachCmd(g *globals) *cobra.Command {
	var as, name string
	cmd := &cobra.Command{
		Use:     "attach CASE FILE",
		Short:   "Attach a file to a case, kept by its SHA-256",
		Example: "  vigil cases attach 01JEXAMPLE minutes.pdf --as amira",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				content, err := readLimited(args[1], svc.MaxAttachment())
				if err != nil {
					return err
				}
				if name == "" {
					name = filepath.Base(args[1])
				}
				a, err := svc.Attach(ctx, u, args[0], name, content)
				if err != nil {
					return fmt.Errorf("%s: %w", args[1], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s: %s attached, %s, %d bytes, sha256 %s\n", a.CaseID, a.Name, a.MediaType, a.Size, a.SHA256)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	cmd.Flags().StringVar(&name, "name", "", "the file name to keep (default: the file's base name)")
	return cmd
}

// readLimited reads a file, refusing one larger than limit before reading
// it whole.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, vigil.Errorf(vigil.EINVALID, "%s: larger than the limit of %d bytes", path, limit)
	}
	return b, nil
}

func newCasesLinkCmd(g *globals) *cobra.Command {
	var as string
	var lf linkFlags
	cmd := &cobra.Command{
		Use:     "link CASE [links]",
		Short:   "Link more records to a case",
		Example: "  vigil cases link 01JEXAMPLE --grievances G0000003 --sources SRC12 --as amira",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				c, err := svc.Link(ctx, u, args[0], 0, lf.links())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "case %s: linked (version %d)\n", c.ID, c.Version)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	lf.add(cmd)
	return cmd
}

func newCasesAutoCmd(g *globals) *cobra.Command {
	var minTier, as string
	cmd := &cobra.Command{
		Use:   "auto [--min-tier TIER]",
		Short: "Open a case for every relationship at or above a tier that has none open",
		Long: `Read the current assessments at or above --min-tier (of the default risk
policy) and open one case per relationship without an open case, linking its
parties, account, subscriptions and assessment; the due date follows from the
tier. Running it again opens nothing new.`,
		Example: "  vigil cases auto --min-tier critical",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadRiskPolicy("")
			if err != nil {
				return err
			}
			rank := -1
			tiers := p.Scoring.Tiers
			for i, t := range tiers {
				if t.Name == minTier {
					rank = len(tiers) - 1 - i
				}
			}
			if rank < 1 {
				var names []string
				for _, t := range tiers[:len(tiers)-1] {
					names = append(names, t.Name)
				}
				return usagef("--min-tier %q: want one of %s", minTier, strings.Join(names, ", "))
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				svc, err := caseService(s)
				if err != nil {
					return err
				}
				who := casework.SystemActor
				if as != "" {
					u, err := caseActor(ctx, s, as)
					if err != nil {
						return err
					}
					who = u.ID
				}
				sum, err := svc.OpenFromAssessments(ctx, rank, who)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, sum)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d relationships at or above %s: %d cases opened, %d already open\n", sum.Considered, minTier, len(sum.Opened), sum.AlreadyOpen)
				for _, id := range sum.Opened {
					fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", id)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&minTier, "min-tier", "critical", "the lowest tier that opens a case")
	cmd.Flags().StringVar(&as, "as", os.Getenv("VIGIL_USER"), "the Vigil user running it (default: "+casework.SystemActor+")")
	return cmd
}

func newDecideCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "decide",
		Short: "Propose, approve, reject, withdraw and list decisions (four eyes)",
		Long: `Decisions: engage the customer, add contract conditions, restrict
capabilities, suspend subscriptions, terminate. Restrict, suspend and
terminate need a proposer and a different user with the approver role;
terminate needs a responsible-disengagement plan. Engage and condition are
recorded at once. An auditor can neither propose nor decide.`,
	}
	cmd.AddCommand(newDecideProposeCmd(g), newDecideVerdictCmd(g, casework.DecisionApproved), newDecideVerdictCmd(g, casework.DecisionRejected),
		newDecideVerdictCmd(g, casework.DecisionWithdrawn), newDecideListCmd(g), newDecideRespondCmd(g))
	return cmd
}

func newDecideProposeCmd(g *globals) *cobra.Command {
	var as, typ, subs, caps string
	var p casework.Proposal
	var plan casework.DisengagementPlan
	cmd := &cobra.Command{
		Use:   "propose CASE --type TYPE --reasons TEXT",
		Short: "Propose a decision on a case",
		Example: "  vigil decide propose 01JEXAMPLE --type suspend --subscriptions S0000012 --reasons 'transcribes intercepted calls' --as amira\n" +
			"  vigil decide propose 01JEXAMPLE --type terminate --subscriptions S0000012 --reasons '...' \\\n" +
			"      --notice-days 90 --rights-holder-effects '...' --data-handling 'returned, then deleted' --as amira",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				p.CaseID, p.Type, p.SubscriptionIDs, p.Capabilities = args[0], casework.DecisionType(typ), caseIDs(subs), caseIDs(caps)
				if cmd.Flags().Changed("notice-days") || plan.RightsHolderEffects != "" || plan.DataHandling != "" {
					p.Disengagement = &plan
				}
				d, err := svc.Propose(ctx, u, p)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "decision %s: %s %s on case %s (assessment %s version %d)\n", d.ID, d.Type, d.Status, d.CaseID, d.AssessmentID, d.AssessmentVersion)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "engage, condition, restrict, suspend or terminate")
	f.StringVar(&p.Reasons, "reasons", "", "why (required)")
	f.StringVar(&p.AssessmentID, "assessment", "", "the assessment it rests on (default: the case's only one)")
	f.IntVar(&p.AssessmentVersion, "assessment-version", 0, "its version (default: the current one)")
	f.StringVar(&subs, "subscriptions", "", "subscription ids acted on (restrict, suspend, terminate), comma-separated")
	f.StringVar(&caps, "capabilities", "", "capabilities withdrawn (restrict), comma-separated")
	f.StringVar(&p.Conditions, "conditions", "", "conditions or assurances asked (condition), or what engagement seeks")
	f.IntVar(&plan.NoticeDays, "notice-days", 0, "terminate: the notice given to the customer")
	f.StringVar(&plan.RightsHolderEffects, "rights-holder-effects", "", "terminate: how ending the service affects rights-holders, and the mitigation")
	f.StringVar(&plan.DataHandling, "data-handling", "", "terminate: what happens to the customer's data")
	f.BoolVar(&p.Public, "public", false, "the transparency report may name this decision")
	return cmd
}

func newDecideVerdictCmd(g *globals, status casework.DecisionStatus) *cobra.Command {
	var as, note string
	verb := map[casework.DecisionStatus]string{casework.DecisionApproved: "approve", casework.DecisionRejected: "reject", casework.DecisionWithdrawn: "withdraw"}[status]
	short := map[casework.DecisionStatus]string{
		casework.DecisionApproved:  "Approve a proposed decision (an approver other than the proposer)",
		casework.DecisionRejected:  "Reject a proposed decision, with --note giving the reasons",
		casework.DecisionWithdrawn: "Withdraw a decision you proposed",
	}[status]
	cmd := &cobra.Command{
		Use:     verb + " DECISION",
		Short:   short,
		Example: "  vigil decide " + verb + " 01JDECISION --note '...' --as bruno",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				var d *casework.Decision
				var err error
				switch status {
				case casework.DecisionApproved:
					d, err = svc.Approve(ctx, u, args[0], note)
				case casework.DecisionRejected:
					d, err = svc.Reject(ctx, u, args[0], note)
				default:
					d, err = svc.Withdraw(ctx, u, args[0], note)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "decision %s: %s by %s\n", d.ID, d.Status, d.DecidedBy)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	cmd.Flags().StringVar(&note, "note", "", "the reasons of the approval, rejection or withdrawal")
	return cmd
}

func newDecideListCmd(g *globals) *cobra.Command {
	var caseID, status, typ string
	var unplanned bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List decisions",
		Example: "  vigil decide list --status proposed\n  vigil decide list --case 01JEXAMPLE -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				cs, err := casework.StoreOf(s)
				if err != nil {
					return err
				}
				ds, err := cs.ListDecisions(ctx, casework.DecisionQuery{CaseID: caseID, Status: casework.DecisionStatus(status), Type: casework.DecisionType(typ), Unplanned: unplanned})
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, map[string]any{"items": ds})
				}
				header := []string{"id", "case", "type", "status", "proposed_by", "decided_by", "reasons"}
				rows := make([][]string, 0, len(ds))
				for _, d := range ds {
					rows = append(rows, []string{d.ID, d.CaseID, string(d.Type), string(d.Status), d.ProposedBy, d.DecidedBy, d.Reasons})
				}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				return printTable(cmd.OutOrStdout(), header, rows)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&caseID, "case", "", "only decisions on this case")
	f.StringVar(&status, "status", "", "only decisions in this status: proposed, approved, rejected, withdrawn")
	f.StringVar(&typ, "type", "", "only decisions of this type")
	f.BoolVar(&unplanned, "unplanned", false, "only approved restrict, suspend and terminate decisions not yet turned into control-plane actions")
	return cmd
}

func newDecideRespondCmd(g *globals) *cobra.Command {
	var as, kind, response, note string
	kinds := make([]string, len(casework.AssuranceKinds))
	for i, k := range casework.AssuranceKinds {
		kinds[i] = string(k)
	}
	cmd := &cobra.Command{
		Use:   "respond DECISION --response accepted|refused|vague|requested|present|absent --kind KIND",
		Short: "Record the customer's response to an engage or condition decision",
		Long: `Record what the customer answered to an approved engage or condition
decision, for each kind (` + strings.Join(kinds, ", ") + `).
An assurance (end_use_statement, end_use_assurance, audit_clause,
suspension_clause) is answered accepted, refused or vague. A finding of the
engagement (confidentiality, custom_engineering, embedded_staff) is recorded
as requested, present or absent. The risk engine reads the latest response of
each kind as a declaration of the relationship the decision rests on: a refused
end-use assurance or audit clause, or confidentiality beyond the ordinary, fires
refused-assurances; unusual customisation or embedded staff fires
custom-engineering at the next recompute; absent clears a finding.`,
		Example: "  vigil decide respond 01JDECISION --response refused --kind end_use_assurance --note 'counsel declined by letter' --as amira\n" +
			"  vigil decide respond 01JDECISION --response requested --kind custom_engineering --note 'asks for a dedicated transcription pipeline' --as amira",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withCaseActor(cmd, as, func(ctx context.Context, svc *casework.Service, u *vigil.User) error {
				d, err := svc.RecordResponse(ctx, u, args[0], casework.ResponseRequest{Kind: casework.AssuranceKind(kind), Answer: casework.Answer(response), Note: note})
				if err != nil {
					return err
				}
				r := d.Responses[len(d.Responses)-1]
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, r)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "decision %s: response %s recorded, %s %s\n", d.ID, r.ID, r.Kind, r.Answer)
				return nil
			})
		},
	}
	addAs(cmd, &as)
	f := cmd.Flags()
	f.StringVar(&response, "response", "", "accepted, refused or vague (required)")
	f.StringVar(&kind, "kind", "", "what was asked: "+strings.Join(kinds, ", ")+" (required)")
	f.StringVar(&note, "note", "", "what the customer said, or where it is recorded")
	return cmd
}
