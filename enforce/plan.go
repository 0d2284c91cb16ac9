package enforce

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
)

// Planner turns approved decisions into actions (see the package comment).
type Planner struct {
	Cases     casework.Store
	Store     Store
	Portfolio vigil.RecordStore
	// Actor names the planner in events ("system:enforce" by default).
	Actor string
	Now   func() time.Time
}

// PlanSummary says what a planning run did.
type PlanSummary struct {
	Decisions int `json:"decisions"`
	Actions   int `json:"actions"`
}

// Run plans every approved decision whose enforcement is not planned.
// Running it again, or concurrently, writes nothing new: the store marks
// the decision planned in the transaction that stores its actions, and
// refuses a second plan of it.
func (p *Planner) Run(ctx context.Context) (PlanSummary, error) {
	var sum PlanSummary
	ds, err := p.Cases.ListDecisions(ctx, casework.DecisionQuery{Status: casework.DecisionApproved, Unplanned: true})
	if err != nil {
		return sum, fmt.Errorf("plan enforcement: %w", err)
	}
	// A decision that cannot be planned (a subscription missing from the
	// portfolio, say) stays in the outbox and is reported; it does not
	// hold back the others.
	var errs []error
	for _, d := range ds {
		if _, acts := OperationOf(d.Type); !acts || d.EnforcementPlanned || d.Status != casework.DecisionApproved {
			continue
		}
		plan, err := p.PlanOf(ctx, d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n, err := p.Store.PlanActions(ctx, plan, p.actor())
		if err != nil {
			errs = append(errs, fmt.Errorf("plan enforcement of decision %s: %w", d.ID, err))
			continue
		}
		if n > 0 {
			sum.Decisions++
			sum.Actions += n
		}
	}
	return sum, errors.Join(errs...)
}

// PlanOf builds the actions of one approved decision: one per
// subscription, each with its idempotency key.
func (p *Planner) PlanOf(ctx context.Context, d *casework.Decision) (Plan, error) {
	op, ok := OperationOf(d.Type)
	if !ok {
		return Plan{}, vigil.Errorf(vigil.EINVALID, "decision %s (%s) does not act on the control plane", d.ID, d.Type)
	}
	if len(d.SubscriptionIDs) == 0 {
		return Plan{}, vigil.FieldError("subscription_ids", "decision %s (%s) names no subscription to act on", d.ID, d.Type)
	}
	if op == OpRestrict && len(d.Capabilities) == 0 {
		return Plan{}, vigil.FieldError("capabilities", "restrict decision %s names no capability to withdraw", d.ID)
	}
	now := p.now()
	plan := Plan{Decision: d}
	subs := slices.Clone(d.SubscriptionIDs)
	slices.Sort(subs)
	for _, id := range slices.Compact(subs) {
		sub, err := vigil.GetAs[*vigil.Subscription](ctx, p.Portfolio, vigil.KindSubscription, id)
		if err != nil {
			return Plan{}, fmt.Errorf("plan enforcement of decision %s: subscription %s: %w", d.ID, id, err)
		}
		key := KeyOf(d.ID, id, op)
		a := &Action{
			ID: ActionIDOf(key), Key: key, DecisionID: d.ID, CaseID: d.CaseID,
			SubscriptionID: id, AccountID: sub.AccountID, Operation: op,
			Capabilities: []string{}, Status: StatusQueued, NextAttemptAt: now,
			CreatedAt: now, CreatedBy: p.actor(), UpdatedAt: now,
		}
		if op == OpRestrict {
			a.Capabilities = slices.Clone(d.Capabilities)
		}
		plan.Actions = append(plan.Actions, a)
	}
	return plan, nil
}

func (p *Planner) actor() string {
	if p.Actor == "" {
		return "system:enforce"
	}
	return p.Actor
}

func (p *Planner) now() time.Time {
	if p.Now == nil {
		return time.Now().UTC()
	}
	return p.Now().UTC()
}
