package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/enforce"
	"github.com/vigil-hrdd/vigil/enforce/controlplane"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/usage"
)

// demoGraceDays is the verification grace period of the demo case.
const demoGraceDays = 3

// demoCase takes the demo's showcase relationship (its top critical
// assessment) from alert to verified suspension and prints each step: a
// case opened through the casework service, a suspension proposed by an
// analyst and approved by a different approver (four eyes), planned,
// dispatched to a reference control plane on 127.0.0.1 that fails its
// first call (so the retry shows), confirmed, and verified against usage.
//
// The demo's world stands on its usage as-of day (the last day of the
// demo's year of usage): the control plane applies the suspension then,
// and the provider's metering of the following days is simulated from the
// control plane's own state (a suspended subscription meters nothing; the
// rest of the portfolio goes on as on the as-of day) before the verifier
// runs past the grace period. Events carry the real time of the run.
//
// Run again on the same database, it reports the case it took before.
func demoCase(ctx context.Context, s vigil.Store, w io.Writer) error {
	rs, ok := s.(risk.AssessmentStore)
	if !ok {
		return fmt.Errorf("demo case: the store %T keeps no assessments", s)
	}
	es, err := enforce.StoreOf(s)
	if err != nil {
		return err
	}
	us, err := usage.StoreOf(s)
	if err != nil {
		return err
	}
	svc, err := casework.NewService(s, casework.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	cs := svc.Store()
	top, err := rs.TopAssessments(ctx, risk.TopFilter{Limit: 1, MinTierRank: 1})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	if len(top) == 0 {
		fmt.Fprintln(w, "demo case: no relationship is assessed above the lowest tier; nothing to enforce")
		return nil
	}
	row := top[0]
	// The assessment trigger may have opened the case already: the demo
	// takes it up unless an earlier run decided on it.
	var existing *casework.Case
	if c, err := cs.OpenCaseFor(ctx, row.ID); err == nil {
		decs, err := cs.ListDecisions(ctx, casework.DecisionQuery{CaseID: c.ID})
		if err != nil {
			return err
		}
		if len(decs) > 0 {
			acts, err := es.ListActions(ctx, enforce.ActionQuery{CaseID: c.ID})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "demo case: %s about %s is %s (from an earlier run), %d enforcement action(s)\n", c.ID, row.ID, c.Status, len(acts))
			return nil
		}
		existing = c
	} else if vigil.ErrorCode(err) != vigil.ENOTFOUND {
		return err
	}
	fmt.Fprintf(w, "\ndemo case: from alert to verified suspension\n")
	fmt.Fprintf(w, "  alert: relationship %s (account %s, end user %s) is %s, priority %d, recommended action %s\n",
		row.ID, row.AccountID, row.EndUserID, row.Tier, row.Priority, row.Action)

	analyst, err := demoUser(ctx, s, "demo-analyst", "Demo Analyst", vigil.RoleAnalyst)
	if err != nil {
		return err
	}
	approver, err := demoUser(ctx, s, "demo-approver", "Demo Approver", vigil.RoleApprover)
	if err != nil {
		return err
	}
	var subs []string
	for after := ""; ; {
		page, err := s.List(ctx, vigil.KindSubscription, vigil.ListOptions{Filters: map[string]string{"account_id": row.AccountID}, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			if r.(*vigil.Subscription).Status == vigil.SubscriptionActive {
				subs = append(subs, r.RecordID())
			}
		}
		if after = page.Next; after == "" {
			break
		}
	}
	if len(subs) == 0 {
		fmt.Fprintf(w, "  account %s has no active subscription; nothing to suspend\n", row.AccountID)
		return nil
	}
	var c *casework.Case
	if existing != nil {
		c = existing
		var missing []string
		for _, id := range subs {
			if !slices.Contains(c.SubscriptionIDs, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			if c, err = svc.Link(ctx, analyst, existing.ID, existing.Version, casework.Links{SubscriptionIDs: missing}); err != nil {
				return fmt.Errorf("demo case: link: %w", err)
			}
		}
		fmt.Fprintf(w, "  case %s opened by the assessment trigger (%s, due %s); %s links %d active subscription(s)\n", c.ID, c.Priority, c.Due.Format(time.DateOnly), analyst.ID, len(subs))
	} else {
		c, err = svc.Open(ctx, analyst, casework.OpenRequest{
			Title:    fmt.Sprintf("%s risk through account %s (demo)", row.Tier, row.AccountID),
			Summary:  "Opened by the demo from the top assessment.",
			Priority: row.Tier,
			Links: casework.Links{PartyIDs: []string{row.CustomerID, row.EndUserID}, AccountIDs: []string{row.AccountID},
				SubscriptionIDs: subs, AssessmentIDs: []string{row.ID}},
		})
		if err != nil {
			return fmt.Errorf("demo case: open: %w", err)
		}
		fmt.Fprintf(w, "  case %s opened by %s (%s, due %s), linking %d subscription(s)\n", c.ID, analyst.ID, c.Priority, c.Due.Format(time.DateOnly), len(subs))
	}
	d, err := svc.Propose(ctx, analyst, casework.Proposal{CaseID: c.ID, Type: casework.DecisionSuspend, SubscriptionIDs: subs,
		// Public: the transparency report names this customer, to show the choice a provider makes case by case.
		Public:  true,
		Reasons: fmt.Sprintf("Assessment %s v%d: %s tier, recommended action %s; suspend the services at risk while the heightened review runs.", row.ID, row.Version, row.Tier, row.Action)})
	if err != nil {
		return fmt.Errorf("demo case: propose: %w", err)
	}
	fmt.Fprintf(w, "  suspension %s proposed by %s\n", d.ID, analyst.ID)
	if _, err := svc.Approve(ctx, analyst, d.ID, "approving my own proposal"); err == nil {
		return errors.New("demo case: the proposer approved their own suspension; the four-eyes rule failed")
	} else {
		fmt.Fprintf(w, "  four eyes: %s may not approve it (%s)\n", analyst.ID, vigil.ErrorMessage(err))
	}
	if d, err = svc.Approve(ctx, approver, d.ID, "Agreed: severe impact, weak leverage."); err != nil {
		return fmt.Errorf("demo case: approve: %w", err)
	}
	fmt.Fprintf(w, "  approved by %s\n", approver.ID)

	// The demo's world: its usage as-of day, noon.
	asOf, ok, err := es.LatestUsageDay(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("demo case: no usage stored; the demo's usage step must run first")
	}
	sim := asOf.Time().Add(12 * time.Hour)
	clock := func() time.Time { return sim }

	planner := &enforce.Planner{Cases: cs, Store: es, Portfolio: s, Now: clock}
	plan, err := planner.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  planned %d action(s), one per subscription, each with its idempotency key\n", plan.Actions)

	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	cp := controlplane.New(secret, controlplane.WithClock(clock))
	// The control plane serves what was in use on the as-of day.
	daily, err := us.DailyUsage(ctx, usage.DailyQuery{From: asOf, To: asOf})
	if err != nil {
		return err
	}
	for _, dl := range daily {
		if _, known := cp.Subscription(dl.Subscription); !known {
			cp.Register(dl.Subscription, "active")
		}
	}
	for _, id := range subs {
		if _, known := cp.Subscription(id); !known {
			cp.Register(id, "active")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo case: control plane: %w", err)
	}
	hs := &http.Server{Handler: cp, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/actions"
	fmt.Fprintf(w, "  reference control plane listening on %s (HMAC-SHA256 signed calls; it will fail its first call)\n", url)
	cp.FailNext(1)
	disp := &enforce.Dispatcher{Store: es, Adapter: &enforce.Webhook{URL: url, Secret: secret, Now: clock, Client: &http.Client{Timeout: 10 * time.Second}},
		Owner: "demo", Now: clock, BaseBackoff: time.Minute, Logger: slog.New(slog.DiscardHandler)}
	for round := 1; round <= 5; round++ {
		sum, err := disp.RunOnce(ctx)
		if err != nil {
			return err
		}
		if sum.Sent > 0 {
			fmt.Fprintf(w, "  dispatch round %d: %d sent, %d confirmed, %d to retry, %d failed\n", round, sum.Sent, sum.Confirmed, sum.Retrying, sum.Failed)
		}
		left, err := es.ListActions(ctx, enforce.ActionQuery{DecisionID: d.ID})
		if err != nil {
			return err
		}
		var next time.Time
		for _, a := range left {
			if a.Status != enforce.StatusConfirmed && a.Status != enforce.StatusFailed && (next.IsZero() || a.NextAttemptAt.Before(next)) {
				next = a.NextAttemptAt
			}
		}
		if next.IsZero() {
			break
		}
		if next.After(sim) {
			sim = next // wait out the backoff
		}
	}
	acts, err := es.ListActions(ctx, enforce.ActionQuery{DecisionID: d.ID})
	if err != nil {
		return err
	}
	for _, a := range acts {
		sub, err := vigil.GetAs[*vigil.Subscription](ctx, s, vigil.KindSubscription, a.SubscriptionID)
		if err != nil {
			return err
		}
		ref := a.Reference
		if ref == "" {
			ref = a.LastError
		}
		fmt.Fprintf(w, "    %s: %s after %d attempt(s) (%s); subscription %s is now %s in Vigil\n", a.ID, a.Status, a.Attempts, ref, a.SubscriptionID, sub.Status)
	}

	// The days after: the provider's meters report what the control
	// plane still serves, as on the as-of day.
	days := usage.Day(demoGraceDays + 1)
	var recs []usage.Record
	for _, dl := range daily {
		if !cp.Serves(dl.Subscription, dl.Meter) {
			continue
		}
		for d := asOf + 1; d <= asOf+days; d++ {
			recs = append(recs, usage.Record{Key: fmt.Sprintf("demo-after-%s-%s-%s-%s", dl.Subscription, dl.Meter, dl.Region, d), Subscription: dl.Subscription,
				Meter: dl.Meter, Quantity: dl.Quantity, Unit: dl.Unit, Start: d.Time(), End: (d + 1).Time(), Region: dl.Region})
		}
	}
	ing, err := us.IngestUsage(ctx, usage.IngestRequest{Source: &usage.SliceSource{Records: recs}, Actor: "demo", Origin: "demo: metering after the suspension"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  metering of the %d days after %s simulated from the control plane's state: %d records (suspended subscriptions meter nothing)\n",
		days, asOf, ing.Created)
	sim = (asOf + days + 1).Time().Add(6 * time.Hour)
	v := &enforce.Verifier{Store: es, Usage: us, GraceDays: demoGraceDays, Now: clock, Actor: "system:enforce"}
	vs, err := v.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  verification on %s (grace %d days): %d verified, %d not verified, %d waiting\n", sim.Format(time.DateOnly), demoGraceDays, vs.Verified, vs.Unverified, vs.Waiting)
	for _, f := range vs.Findings {
		fmt.Fprintf(w, "    %s\n", f)
	}
	c, err = cs.GetCase(ctx, c.ID)
	if err != nil {
		return err
	}
	entries, err := cs.CaseEntries(ctx, c.ID)
	if err != nil {
		return err
	}
	var steps []string
	for _, e := range entries {
		steps = append(steps, string(e.Type))
	}
	fmt.Fprintf(w, "  case %s is now %s; its history: %s\n", c.ID, c.Status, strings.Join(steps, " → "))
	return nil
}

// demoUser returns the demo's user of a role, creating it the first time.
func demoUser(ctx context.Context, s vigil.Store, id, name string, role vigil.Role) (*vigil.User, error) {
	u, err := s.GetUser(ctx, id)
	if err == nil {
		return u, nil
	}
	if vigil.ErrorCode(err) != vigil.ENOTFOUND {
		return nil, err
	}
	u = &vigil.User{ID: id, Name: name, Role: role, CreatedAt: time.Now().UTC()}
	if err := s.CreateUser(ctx, u, "demo"); err != nil {
		return nil, err
	}
	return u, nil
}
