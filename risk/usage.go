package risk

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/usage"
)

// FullRunPreparer is an Enricher that reads its data differently for a full
// run: once, in bulk, rather than per batch of relationships. AssessAll
// calls PrepareFullRun and uses the enricher it returns for that run only,
// so the bulk data never outlives the run and goes stale.
type FullRunPreparer interface {
	PrepareFullRun(ctx context.Context) (Enricher, error)
}

// UsageSignals is the Enricher of usage signals (package usage): each
// signal of a relationship's account becomes a SignalFact. The usage rules
// map to signal kinds the risk rules name: sudden-growth is a surge (with
// the week-on-week factor), data-moved-region a residency_shift; other
// rules keep their id as kind. A signal is after an escalation when a
// context of the relationship in armed conflict or occupation is dated (as
// of) on or before the signal's day: the context row's date is the only
// escalation date the portfolio knows.
func UsageSignals(st usage.Store) Enricher { return &usageEnricher{st: st} }

type usageEnricher struct {
	st usage.Store
	// byAccount is set for a full run: every signal, read once.
	byAccount map[string][]*usage.Signal
}

// PrepareFullRun reads every stored signal once.
func (u *usageEnricher) PrepareFullRun(ctx context.Context) (Enricher, error) {
	all := map[string][]*usage.Signal{}
	q := usage.SignalQuery{Limit: 1000}
	for {
		page, err := u.st.ListSignals(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("usage signals: %w", err)
		}
		for _, s := range page.Items {
			all[s.Account] = append(all[s.Account], s)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	return &usageEnricher{st: u.st, byAccount: all}, nil
}

func (u *usageEnricher) Enrich(ctx context.Context, facts []*Facts) error {
	var mu sync.Mutex // the per-account cache of an incremental run
	cache := map[string][]*usage.Signal{}
	signalsOf := func(account string) ([]*usage.Signal, error) {
		if u.byAccount != nil {
			return u.byAccount[account], nil
		}
		mu.Lock()
		defer mu.Unlock()
		if s, ok := cache[account]; ok {
			return s, nil
		}
		var out []*usage.Signal
		q := usage.SignalQuery{Account: account, Limit: 1000}
		for {
			page, err := u.st.ListSignals(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("usage signals of %s: %w", account, err)
			}
			out = append(out, page.Items...)
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		cache[account] = out
		return out, nil
	}
	for _, f := range facts {
		sigs, err := signalsOf(f.Account.ID)
		if err != nil {
			return err
		}
		for _, s := range sigs {
			f.Signals = append(f.Signals, signalFact(s, f.Contexts))
		}
		slices.SortFunc(f.Signals, func(a, b SignalFact) int { return cmpString(a.ID, b.ID) })
	}
	return nil
}

func signalFact(s *usage.Signal, contexts []ContextFact) SignalFact {
	kind := s.Rule
	switch s.Rule {
	case "sudden-growth":
		kind = "surge"
	case "data-moved-region":
		kind = "residency_shift"
	}
	at := s.AsOf.String()
	after := false
	for _, c := range contexts {
		if (c.Status == "active_armed_conflict" || c.Status == "occupation") && c.AsOf != "" && c.AsOf <= at {
			after = true
		}
	}
	return SignalFact{ID: s.ID, AccountID: s.Account, Kind: kind, Metric: s.Meter, Factor: growthFactor(s.Numbers),
		AfterEscalation: after, At: at}
}

// growthFactor is this week's use over last week's, from the numbers a
// signal carries; a series that was zero last week counts as a thousandfold
// growth, the largest a factor means here.
func growthFactor(n map[string]float64) float64 {
	total, prev := n["week.total"], n["week.previous"]
	switch {
	case prev > 0:
		return total / prev
	case total > 0:
		return 1000
	}
	return 0
}

// EnrichersFor returns the enrichers a store can feed: usage signals,
// screening matches, grievances and the customer's declarations (responses
// recorded on casework decisions), each when the store keeps them.
func EnrichersFor(st Store) []Enricher {
	var out []Enricher
	if us, ok := st.(usage.Store); ok {
		out = append(out, UsageSignals(us))
	}
	if ms, ok := st.(MatchSource); ok {
		out = append(out, ScreeningMatches(ms))
	}
	if gs, ok := st.(grievance.Store); ok {
		out = append(out, Grievances(gs))
	}
	if rs, ok := st.(ResponseSource); ok {
		out = append(out, Declarations(rs))
	}
	return out
}
