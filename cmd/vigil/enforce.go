package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	vhttp "github.com/vigil-hrdd/vigil/http"
	"github.com/vigil-hrdd/vigil/usage"
)

// controlPlaneFlags name the provider's control plane: the webhook URL and
// the shared HMAC secret (docs/enforcement.md).
type controlPlaneFlags struct {
	url         string
	secret      string
	callbackURL string
	timeout     time.Duration
}

func (f *controlPlaneFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "control-plane-url", envOr("VIGIL_CONTROL_PLANE_URL", ""), "the control plane's webhook URL (env VIGIL_CONTROL_PLANE_URL)")
	cmd.Flags().StringVar(&f.secret, "control-plane-secret", "", "the shared HMAC secret; prefer the env VIGIL_CONTROL_PLANE_SECRET, which stays out of the process list")
	cmd.Flags().StringVar(&f.callbackURL, "callback-url", envOr("VIGIL_CALLBACK_URL", ""), "where the control plane confirms pending actions: this server's "+vhttp.CallbackPath+" (env VIGIL_CALLBACK_URL)")
	cmd.Flags().DurationVar(&f.timeout, "call-timeout", 30*time.Second, "timeout of one webhook call")
}

// controlPlaneSecret is the secret from the flag or the environment; at
// least 16 bytes, since it is all that authenticates the two sides.
func controlPlaneSecret(flag string) ([]byte, error) {
	s := flag
	if s == "" {
		s = os.Getenv("VIGIL_CONTROL_PLANE_SECRET")
	}
	if s == "" {
		return nil, usagef("no control-plane secret: set VIGIL_CONTROL_PLANE_SECRET (or --control-plane-secret)")
	}
	if len(s) < 16 {
		return nil, usagef("the control-plane secret has %d bytes; use at least 16 random bytes", len(s))
	}
	return []byte(s), nil
}

func (f *controlPlaneFlags) webhook() (*enforce.Webhook, error) {
	if f.url == "" {
		return nil, usagef("no control plane: set VIGIL_CONTROL_PLANE_URL (or --control-plane-url)")
	}
	secret, err := controlPlaneSecret(f.secret)
	if err != nil {
		return nil, err
	}
	return &enforce.Webhook{URL: f.url, Secret: secret, CallbackURL: f.callbackURL, Client: &http.Client{Timeout: f.timeout}}, nil
}

// enforcementServerOptions serves the control plane's callback when a
// secret is configured (vigil serve).
func enforcementServerOptions() ([]vhttp.Option, error) {
	if os.Getenv("VIGIL_CONTROL_PLANE_SECRET") == "" {
		return nil, nil
	}
	secret, err := controlPlaneSecret("")
	if err != nil {
		return nil, err
	}
	return []vhttp.Option{vhttp.WithEnforcement(vhttp.EnforcementConfig{Secret: secret})}, nil
}

// enforcer holds the planner, dispatcher and verifier over one store.
type enforcer struct {
	planner    *enforce.Planner
	dispatcher *enforce.Dispatcher
	verifier   *enforce.Verifier
	store      enforce.Store
	actor      string
}

func newEnforcer(s vigil.Store, adapter enforce.Adapter, graceDays, maxAttempts int, logger *slog.Logger) (*enforcer, error) {
	cs, err := casework.StoreOf(s)
	if err != nil {
		return nil, err
	}
	es, err := enforce.StoreOf(s)
	if err != nil {
		return nil, err
	}
	us, err := usage.StoreOf(s)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	e := &enforcer{store: es, actor: "system:enforce",
		planner:  &enforce.Planner{Cases: cs, Store: es, Portfolio: s},
		verifier: &enforce.Verifier{Store: es, Usage: us, GraceDays: graceDays},
	}
	if adapter != nil {
		e.dispatcher = &enforce.Dispatcher{Store: es, Adapter: adapter, Owner: host + "/" + strconv.Itoa(os.Getpid()), MaxAttempts: maxAttempts, Logger: logger}
	}
	return e, nil
}

// step plans, dispatches (with a control plane), verifies and announces
// due monitoring tasks, once. It reports whether the round changed
// anything, so that a server's background rounds log only those that did.
func (e *enforcer) step(ctx context.Context, w io.Writer) (changed bool, err error) {
	// A decision that cannot be planned is reported after the round: the
	// others are planned, sent and verified meanwhile.
	plan, planErr := e.planner.Run(ctx)
	fmt.Fprintf(w, "planned: %d action(s) from %d decision(s)\n", plan.Actions, plan.Decisions)
	if e.dispatcher != nil {
		// Several rounds, so that every due action gets its attempt
		// even when more are due than one lease batch holds.
		var total enforce.DispatchSummary
		for range 50 {
			d, err := e.dispatcher.RunOnce(ctx)
			if err != nil {
				return false, err
			}
			total.Sent += d.Sent
			total.Confirmed += d.Confirmed
			total.Pending += d.Pending
			total.Retrying += d.Retrying
			total.Failed += d.Failed
			if d.Sent == 0 {
				break
			}
		}
		changed = total.Sent > 0
		fmt.Fprintf(w, "dispatched: %d sent, %d confirmed, %d pending confirmation, %d to retry, %d failed\n",
			total.Sent, total.Confirmed, total.Pending, total.Retrying, total.Failed)
	}
	v, err := e.verifier.Run(ctx)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "verified: %d checked, %d verified, %d not verified (case reopened), %d waiting\n", v.Checked, v.Verified, v.Unverified, v.Waiting)
	for _, f := range v.Findings {
		fmt.Fprintf(w, "  %s\n", f)
	}
	n, err := e.store.MarkMonitoringDue(ctx, time.Now(), e.actor)
	if err != nil {
		return false, err
	}
	if n > 0 {
		fmt.Fprintf(w, "monitoring: %d task(s) fell due\n", n)
	}
	changed = changed || plan.Actions > 0 || v.Verified+v.Unverified > 0 || n > 0
	return changed, planErr
}

func newEnforceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enforce",
		Short: "Carry approved decisions to the control plane and verify that they worked",
		Long: `An approved restrict, suspend or terminate decision becomes one action per
subscription, sent to the provider's control plane by a signed webhook
(HMAC-SHA256, idempotency key, retries with backoff) until it confirms. A
subscription's status changes only on confirmation. After a grace period,
usage telemetry verifies that the capability stopped; if it did not, a
use-after-suspension signal is raised and the case reopened.
See docs/enforcement.md.`,
		Example: `  export VIGIL_CONTROL_PLANE_URL=https://control.example.net/vigil/actions
  export VIGIL_CONTROL_PLANE_SECRET=...   # shared with the control plane
  vigil enforce run --watch
  vigil enforce list --status failed
  vigil enforce verify --grace-days 3`,
	}
	cmd.AddCommand(newEnforceRunCmd(g), newEnforceListCmd(g), newEnforceVerifyCmd(g), newEnforceRetryCmd(g))
	return cmd
}

func newEnforceRunCmd(g *globals) *cobra.Command {
	var cp controlPlaneFlags
	var watch bool
	var interval time.Duration
	var graceDays, maxAttempts int
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Plan, dispatch and verify once, or keep doing it with --watch",
		Example: `  vigil enforce run
  vigil enforce run --watch --interval 30s`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			wh, err := cp.webhook()
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				e, err := newEnforcer(s, wh, graceDays, maxAttempts, slog.Default())
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				for {
					_, err := e.step(ctx, w)
					if !watch {
						return err
					}
					if err != nil && ctx.Err() == nil {
						slog.Error("enforcement round", "err", err) // the next round tries again
					}
					select {
					case <-ctx.Done():
						return nil
					case <-time.After(interval):
					}
				}
			})
		},
	}
	cp.register(cmd)
	cmd.Flags().BoolVar(&watch, "watch", false, "keep running until interrupted")
	cmd.Flags().DurationVar(&interval, "interval", 30*time.Second, "pause between rounds with --watch")
	cmd.Flags().IntVar(&graceDays, "grace-days", 3, "days of usage after a confirmation not held against it")
	cmd.Flags().IntVar(&maxAttempts, "max-attempts", 8, "calls without an answer before an action fails")
	return cmd
}

func newEnforceListCmd(g *globals) *cobra.Command {
	var q enforce.ActionQuery
	var status string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List control-plane actions and their states",
		Example: "  vigil enforce list --status failed\n  vigil enforce list --case 01M9... -o json",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if status != "" {
				ok := false
				for _, s := range enforce.Statuses {
					ok = ok || string(s) == status
				}
				if !ok {
					return usagef("--status %q: want one of %v", status, enforce.Statuses)
				}
				q.Status = enforce.Status(status)
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				es, err := enforce.StoreOf(s)
				if err != nil {
					return err
				}
				acts, err := es.ListActions(ctx, q)
				if err != nil {
					return err
				}
				return printActions(cmd.OutOrStdout(), g.output, acts)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only actions in this status: queued, pending, confirmed or failed")
	cmd.Flags().StringVar(&q.CaseID, "case", "", "only the actions of this case")
	cmd.Flags().StringVar(&q.SubscriptionID, "subscription", "", "only the actions on this subscription")
	cmd.Flags().IntVar(&q.Limit, "limit", 100, "at most this many (1..1000)")
	return cmd
}

func printActions(w io.Writer, format string, acts []*enforce.Action) error {
	if format == "json" {
		return printValue(w, format, map[string]any{"items": acts})
	}
	rows := make([][]string, len(acts))
	for i, a := range acts {
		confirmed := ""
		if a.ConfirmedAt != nil {
			confirmed = a.ConfirmedAt.UTC().Format(time.RFC3339)
		}
		rows[i] = []string{a.ID, a.CaseID, a.SubscriptionID, string(a.Operation), string(a.Status), strconv.Itoa(a.Attempts),
			confirmed, string(a.Verification), a.LastError}
	}
	header := []string{"id", "case", "subscription", "operation", "status", "attempts", "confirmed_at", "verification", "last_error"}
	if format == "csv" {
		return writeCSV(w, header, rows)
	}
	return printTable(w, header, rows)
}

func newEnforceVerifyCmd(g *globals) *cobra.Command {
	var graceDays int
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check confirmed actions against usage after the grace period",
		Long: `For each confirmed action not yet decided: use of a withdrawn capability
after the grace period raises a use-after-suspension signal (with the
numbers) and reopens the case; no such use, with telemetry flowing past the
grace period, verifies the action and moves the case to monitoring.`,
		Example: "  vigil enforce verify --grace-days 3",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				e, err := newEnforcer(s, nil, graceDays, 0, slog.Default())
				if err != nil {
					return err
				}
				e.verifier.Actor = actor()
				sum, err := e.verifier.Run(ctx)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, sum)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d checked, %d verified, %d not verified (case reopened), %d waiting\n", sum.Checked, sum.Verified, sum.Unverified, sum.Waiting)
				for _, f := range sum.Findings {
					fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", f)
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&graceDays, "grace-days", 3, "days of usage after a confirmation not held against it")
	return cmd
}

func newEnforceRetryCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "retry ACTION_ID",
		Short:   "Queue a failed action again",
		Example: "  vigil enforce retry ACT-3F2A...",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				es, err := enforce.StoreOf(s)
				if err != nil {
					return err
				}
				a, err := es.RetryAction(ctx, args[0], actor())
				if err != nil {
					return err
				}
				return printActions(cmd.OutOrStdout(), g.output, []*enforce.Action{a})
			})
		},
	}
}

func newMonitorCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Monitoring tasks: re-checks of mitigations at set intervals (UNGP 20)",
		Example: `  vigil monitor list --due
  vigil monitor record MON-3F2A... --effective yes --notes "no use since; customer confirmed in writing"`,
	}
	cmd.AddCommand(newMonitorListCmd(g), newMonitorRecordCmd(g))
	return cmd
}

func newMonitorListCmd(g *globals) *cobra.Command {
	var q enforce.MonitoringQuery
	var due bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List monitoring tasks, soonest due first",
		Example: "  vigil monitor list --due",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if due {
				q.DueBy = time.Now()
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				es, err := enforce.StoreOf(s)
				if err != nil {
					return err
				}
				tasks, err := es.ListMonitoringTasks(ctx, q)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, map[string]any{"items": tasks})
				}
				rows := make([][]string, len(tasks))
				for i, m := range tasks {
					last := ""
					if m.LastCheck != nil {
						last = string(m.LastCheck.Effective) + ": " + m.LastCheck.Notes
					}
					rows[i] = []string{m.ID, m.CaseID, m.DueAt.UTC().Format(time.DateOnly), strconv.Itoa(m.EveryDays), strconv.Itoa(m.Checks), last, m.Subject}
				}
				header := []string{"id", "case", "due", "every_days", "checks", "last_check", "subject"}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, rows)
				}
				return printTable(cmd.OutOrStdout(), header, rows)
			})
		},
	}
	cmd.Flags().StringVar(&q.CaseID, "case", "", "only the tasks of this case")
	cmd.Flags().BoolVar(&due, "due", false, "only tasks due now")
	return cmd
}

func newMonitorRecordCmd(g *globals) *cobra.Command {
	var chk enforce.MonitoringCheck
	var effective string
	cmd := &cobra.Command{
		Use:     "record TASK_ID --effective yes|partly|no --notes TEXT",
		Short:   "Record a re-check of a mitigation; 'no' reopens the case",
		Example: `  vigil monitor record MON-3F2A... --effective partly --notes "speech to text stopped; translation volume unchanged"`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			chk.Effective = enforce.Effectiveness(effective)
			if err := chk.Validate(); err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				es, err := enforce.StoreOf(s)
				if err != nil {
					return err
				}
				m, err := es.RecordMonitoringCheck(ctx, args[0], chk, actor())
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, m)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "recorded check %d of %s (%s); next due %s\n", m.Checks, m.ID, effective, m.DueAt.UTC().Format(time.DateOnly))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&effective, "effective", "", "yes, partly or no")
	cmd.Flags().StringVar(&chk.Notes, "notes", "", "what was checked and what it showed")
	return cmd
}
