package enforce

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Dispatcher sends due actions to the control plane through an Adapter.
// Several dispatchers may run against one database: each leases the
// actions it sends, so no action is sent by two at once.
type Dispatcher struct {
	Store   Store
	Adapter Adapter
	// Owner names this dispatcher in leases; unique per process.
	Owner string
	// Lease is how long an action is held while it is sent (default 2
	// minutes); it must outlast CallTimeout.
	Lease time.Duration
	// Batch is how many actions one run leases (default 20).
	Batch int
	// MaxAttempts: after this many calls without an answer the action
	// fails (default 8). Calls answered "pending" do not count against it.
	MaxAttempts int
	// Backoff before attempt n+1 is BaseBackoff*2^(n-1), capped at
	// MaxBackoff, of which a random half is jitter (defaults 30 seconds
	// and 1 hour).
	BaseBackoff, MaxBackoff time.Duration
	// PendingRecheck is when to ask again about an action the control
	// plane accepted but has not confirmed (default 1 hour).
	PendingRecheck time.Duration
	// CallTimeout bounds one Apply (default 30 seconds).
	CallTimeout time.Duration
	Actor       string
	Now         func() time.Time
	// Jitter returns a number in [0, 1); math/rand/v2 by default.
	Jitter func() float64
	Logger *slog.Logger
}

// DispatchSummary says what a dispatch run did.
type DispatchSummary struct {
	Sent      int `json:"sent"`
	Confirmed int `json:"confirmed"`
	Pending   int `json:"pending"`
	Retrying  int `json:"retrying"`
	Failed    int `json:"failed"`
}

// RunOnce leases the due actions and sends each once.
func (d *Dispatcher) RunOnce(ctx context.Context) (DispatchSummary, error) {
	var sum DispatchSummary
	if d.Owner == "" {
		return sum, vigil.Errorf(vigil.EINVALID, "a dispatcher needs an owner name for its leases")
	}
	acts, err := d.Store.LeaseActions(ctx, d.Owner, d.now(), d.lease(), d.batch())
	if err != nil {
		return sum, fmt.Errorf("lease enforcement actions: %w", err)
	}
	for _, a := range acts {
		if err := d.send(ctx, a, &sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (d *Dispatcher) send(ctx context.Context, a *Action, sum *DispatchSummary) error {
	sum.Sent++
	callCtx, cancel := context.WithTimeout(ctx, d.callTimeout())
	res, err := d.Adapter.Apply(callCtx, *a)
	cancel()
	log := d.logger().With("action", a.ID, "operation", a.Operation, "subscription", a.SubscriptionID, "attempt", a.Attempts)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: leave the lease to expire; the next run
			// sends again under the same idempotency key.
			return ctx.Err()
		}
		if a.Status == StatusPending {
			// Accepted before: keep waiting for its confirmation.
			sum.Retrying++
			return ignoreLost(d.Store.ReleaseAction(ctx, a.ID, d.Owner, Release{Pending: true, NextAttemptAt: d.now().Add(d.Backoff(1)), LastError: err.Error()}))
		}
		if a.Attempts >= d.maxAttempts() {
			log.Warn("enforcement action failed: out of attempts", "err", err)
			sum.Failed++
			_, ferr := d.Store.FailAction(ctx, a.ID, d.Owner, fmt.Sprintf("no answer after %d attempts: %v", a.Attempts, err), d.actor())
			return ignoreLost(ferr)
		}
		next := d.now().Add(d.Backoff(a.Attempts))
		log.Info("enforcement action will be retried", "err", err, "next_attempt_at", next)
		sum.Retrying++
		return ignoreLost(d.Store.ReleaseAction(ctx, a.ID, d.Owner, Release{NextAttemptAt: next, LastError: err.Error()}))
	}
	switch res.Outcome {
	case OutcomeConfirmed:
		at := res.AppliedAt
		if at.IsZero() {
			at = d.now()
		}
		sum.Confirmed++
		log.Info("enforcement action confirmed", "reference", res.Reference)
		_, err := d.Store.ConfirmAction(ctx, a.ID, Confirmation{Reference: res.Reference, At: at}, d.actor())
		return err
	case OutcomeRefused:
		sum.Failed++
		log.Warn("enforcement action refused by the control plane", "message", res.Message)
		_, err := d.Store.FailAction(ctx, a.ID, d.Owner, "refused by the control plane: "+res.Message, d.actor())
		return ignoreLost(err)
	case OutcomePending:
		// Accepted: the change may take days (a termination's notice), so
		// asking again never exhausts the attempts; the callback, or a
		// later answer, settles it.
		sum.Pending++
		return ignoreLost(d.Store.ReleaseAction(ctx, a.ID, d.Owner, Release{Pending: true, Reference: res.Reference,
			NextAttemptAt: d.now().Add(d.pendingRecheck()), LastError: ""}))
	}
	return fmt.Errorf("action %s: adapter answered unknown outcome %q", a.ID, res.Outcome)
}

// ignoreLost: a lease lost meanwhile (ECONFLICT) means another dispatcher
// or a callback settled the action; there is nothing left to do here.
func ignoreLost(err error) error {
	if vigil.ErrorCode(err) == vigil.ECONFLICT {
		return nil
	}
	return err
}

// Backoff is the wait after the attempt-th failed call: exponential,
// capped, with the upper half random so that many actions failing
// together do not retry together.
func (d *Dispatcher) Backoff(attempt int) time.Duration {
	base, maxB := d.BaseBackoff, d.MaxBackoff
	if base <= 0 {
		base = 30 * time.Second
	}
	if maxB <= 0 {
		maxB = time.Hour
	}
	b := base
	for i := 1; i < attempt && b < maxB; i++ {
		b *= 2
	}
	b = min(b, maxB)
	j := d.Jitter
	if j == nil {
		j = rand.Float64
	}
	return b/2 + time.Duration(j()*float64(b/2))
}

func (d *Dispatcher) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease <= 0 {
		return 2 * time.Minute
	}
	return d.Lease
}

func (d *Dispatcher) batch() int {
	if d.Batch <= 0 {
		return 20
	}
	return d.Batch
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts <= 0 {
		return 8
	}
	return d.MaxAttempts
}

func (d *Dispatcher) pendingRecheck() time.Duration {
	if d.PendingRecheck <= 0 {
		return time.Hour
	}
	return d.PendingRecheck
}

func (d *Dispatcher) callTimeout() time.Duration {
	if d.CallTimeout <= 0 {
		return 30 * time.Second
	}
	return d.CallTimeout
}

func (d *Dispatcher) actor() string {
	if d.Actor == "" {
		return "system:enforce"
	}
	return d.Actor
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}
