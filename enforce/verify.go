package enforce

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

// RuleUseAfterSuspension is the rule name of the enforcement-failure
// signal, the same as the usage rule that flags use on a subscription the
// portfolio already shows suspended.
const RuleUseAfterSuspension = "use-after-suspension"

// Verifier checks confirmed actions against usage telemetry.
type Verifier struct {
	Store Store
	Usage usage.Store
	// GraceDays: days of usage after the confirmation day that are not
	// held against the action, while the change spreads through the
	// provider's systems (default 3).
	GraceDays int
	// MonitorEvery is the re-check interval of the monitoring task a
	// verified case gets (default 30 days).
	MonitorEvery time.Duration
	Actor        string
	Now          func() time.Time
}

// VerifySummary says what a verification run did.
type VerifySummary struct {
	Checked    int `json:"checked"`
	Verified   int `json:"verified"`
	Unverified int `json:"unverified"`
	// Waiting: still in the grace period, or no telemetry after it yet.
	Waiting int `json:"waiting"`
	// Findings lists one line per decided action, for people.
	Findings []string `json:"findings"`
}

// Run checks every confirmed action not yet decided.
func (v *Verifier) Run(ctx context.Context) (VerifySummary, error) {
	sum := VerifySummary{Findings: []string{}}
	acts, err := v.Store.ListActions(ctx, ActionQuery{ToVerify: true, Limit: 1000})
	if err != nil {
		return sum, fmt.Errorf("verify enforcement: %w", err)
	}
	latest, any, err := v.Store.LatestUsageDay(ctx)
	if err != nil {
		return sum, fmt.Errorf("verify enforcement: %w", err)
	}
	today := usage.DayOf(v.now())
	for _, a := range acts {
		sum.Checked++
		res, err := v.Check(ctx, a, today, latest, any)
		if err != nil {
			return sum, err
		}
		if res == nil {
			sum.Waiting++
			continue
		}
		if _, err := v.Store.SaveVerification(ctx, *res, v.actor()); err != nil {
			return sum, fmt.Errorf("verify action %s: %w", a.ID, err)
		}
		if res.Outcome == VerificationVerified {
			sum.Verified++
		} else {
			sum.Unverified++
		}
		sum.Findings = append(sum.Findings, fmt.Sprintf("%s %s %s: %s", a.ID, a.Operation, res.Outcome, res.Note))
	}
	return sum, nil
}

// Check decides one confirmed action, or returns nil while it cannot: the
// grace period runs until the end of the GraceDays-th day after the
// confirmation day; the days after it are checked. Use of a withdrawn
// meter on any of them is a failure. No such use verifies the action only
// when telemetry (of any subscription) has reached the first checked day,
// since silence from a stalled pipeline proves nothing.
func (v *Verifier) Check(ctx context.Context, a *Action, today, latest usage.Day, anyUsage bool) (*VerificationResult, error) {
	if a.ConfirmedAt == nil {
		return nil, nil
	}
	graceEnd := usage.DayOf(*a.ConfirmedAt) + usage.Day(v.graceDays())
	first := graceEnd + 1
	if today < first {
		return nil, nil
	}
	daily, err := v.Usage.DailyUsage(ctx, usage.DailyQuery{From: first, To: max(today, latest), Subscriptions: []string{a.SubscriptionID}})
	if err != nil {
		return nil, fmt.Errorf("verify action %s: %w", a.ID, err)
	}
	type use struct {
		total    float64
		unit     string
		days     map[usage.Day]bool
		lastDay  usage.Day
		firstDay usage.Day
	}
	uses := map[string]*use{}
	for _, d := range daily {
		if d.Quantity <= 0 || !withdrawn(a, d.Meter) {
			continue
		}
		u := uses[d.Meter]
		if u == nil {
			u = &use{unit: d.Unit, days: map[usage.Day]bool{}, firstDay: d.Day}
			uses[d.Meter] = u
		}
		u.total += d.Quantity
		u.days[d.Day] = true
		u.firstDay, u.lastDay = min(u.firstDay, d.Day), max(u.lastDay, d.Day)
	}
	res := &VerificationResult{ActionID: a.ID, At: v.now(), MonitorEvery: v.monitorEvery()}
	what := "any meter"
	if a.Operation == OpRestrict {
		what = strings.Join(a.Capabilities, ", ")
	}
	if len(uses) == 0 {
		if !anyUsage || latest < first {
			return nil, nil
		}
		res.Outcome = VerificationVerified
		res.Note = fmt.Sprintf("no use of %s on subscription %s from %s to %s, after the %s confirmation and %d days of grace; telemetry reaches %s",
			what, a.SubscriptionID, first, max(today, latest), a.ConfirmedAt.UTC().Format(vigil.DateLayout), v.graceDays(), latest)
		return res, nil
	}
	meters := make([]string, 0, len(uses))
	for m := range uses {
		meters = append(meters, m)
	}
	slices.Sort(meters)
	var parts []string
	numbers := map[string]float64{"grace_days": float64(v.graceDays())}
	var total float64
	var days int
	for _, m := range meters {
		u := uses[m]
		parts = append(parts, fmt.Sprintf("%s %s of %s on %d day(s) from %s to %s", formatQty(u.total), u.unit, m, len(u.days), u.firstDay, u.lastDay))
		numbers["after_grace."+m] = u.total
		total += u.total
		days = max(days, len(u.days))
	}
	numbers["after_grace"] = total
	numbers["days_with_use"] = float64(days)
	main := meters[0]
	asOf := uses[main].lastDay
	for _, m := range meters {
		asOf = max(asOf, uses[m].lastDay)
	}
	res.Outcome = VerificationUnverified
	res.Note = fmt.Sprintf("subscription %s was %s by the control plane on %s, yet after %d days of grace it still used %s",
		a.SubscriptionID, pastTense(a.Operation), a.ConfirmedAt.UTC().Format(vigil.DateLayout), v.graceDays(), strings.Join(parts, "; "))
	sig := &usage.Signal{
		Rule:         RuleUseAfterSuspension,
		Title:        "Use continuing after a confirmed " + string(a.Operation) + " (enforcement failure)",
		Severity:     "critical",
		Scope:        usage.ScopeSeries,
		Account:      a.AccountID,
		Subscription: a.SubscriptionID,
		Meter:        main,
		AsOf:         asOf.Date(),
		Explanation:  res.Note,
		Numbers:      numbers,
		Facts: map[string]any{
			"action_id": a.ID, "decision_id": a.DecisionID, "case_id": a.CaseID, "operation": string(a.Operation),
			"capabilities": a.Capabilities, "confirmed_at": a.ConfirmedAt.UTC().Format(time.RFC3339), "meters": meters,
		},
		RulesDigest: "enforce.Verifier",
	}
	sig.ID = usage.SignalID(sig.Rule, sig.Account, sig.Subscription, sig.Meter, asOf)
	res.Signal = sig
	return res, nil
}

// withdrawn reports whether an action withdraws a meter: every meter for
// suspend and terminate; for restrict, the meters named by a capability or
// below it (ai.speech_to_text, or storage.audio under storage).
func withdrawn(a *Action, meter string) bool {
	if a.Operation != OpRestrict {
		return true
	}
	for _, c := range a.Capabilities {
		if meter == c || strings.HasPrefix(meter, c+".") {
			return true
		}
	}
	return false
}

func pastTense(op Operation) string {
	switch op {
	case OpRestrict:
		return "restricted"
	case OpTerminate:
		return "terminated"
	}
	return "suspended"
}

func formatQty(q float64) string {
	if q == float64(int64(q)) {
		return fmt.Sprintf("%d", int64(q))
	}
	return fmt.Sprintf("%.2f", q)
}

func (v *Verifier) graceDays() int {
	if v.GraceDays <= 0 {
		return 3
	}
	return v.GraceDays
}

func (v *Verifier) monitorEvery() time.Duration {
	if v.MonitorEvery <= 0 {
		return 30 * 24 * time.Hour
	}
	return v.MonitorEvery
}

func (v *Verifier) actor() string {
	if v.Actor == "" {
		return "system:enforce"
	}
	return v.Actor
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now().UTC()
	}
	return v.Now().UTC()
}
