package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
	"golang.org/x/sync/errgroup"
)

// Enricher adds the facts another package owns to relationships before they
// are scored: screening adds Matches, usage adds Signals, grievance intake
// adds Grievances, contract records add Declarations. An enricher sees the
// facts of many relationships at once so it can read its data in bulk; it
// must be safe for concurrent use, as the full run enriches from several
// goroutines.
type Enricher interface {
	Enrich(ctx context.Context, facts []*Facts) error
}

// EnricherFunc adapts a function to Enricher.
type EnricherFunc func(ctx context.Context, facts []*Facts) error

// Enrich calls f.
func (f EnricherFunc) Enrich(ctx context.Context, facts []*Facts) error { return f(ctx, facts) }

// Options configure an Engine.
type Options struct {
	Enrichers []Enricher
	Logger    *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Workers is how many goroutines score in the full run; GOMAXPROCS
	// when 0.
	Workers int
	// BatchSize is how many assessments one transaction stores; 5000 when
	// 0.
	BatchSize int
}

// Engine assesses relationships and stores the results. It holds the
// policy in force and swaps it only when a new one loads cleanly.
type Engine struct {
	st  Store
	pol atomic.Pointer[Policy]
	opt Options
	log *slog.Logger
}

// NewEngine returns an engine over the store with the policy in force.
func NewEngine(st Store, p *Policy, opt Options) *Engine {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 5000
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{st: st, opt: opt, log: log}
	e.pol.Store(p)
	return e
}

// Policy returns the policy in force.
func (e *Engine) Policy() *Policy { return e.pol.Load() }

// ReloadPolicy loads a policy file and puts it in force. When the file does
// not load, the policy in force stays and the error names file, line and
// cause.
func (e *Engine) ReloadPolicy(name string, data []byte) (*Policy, error) {
	p, err := LoadPolicy(name, data)
	if err != nil {
		e.log.Warn("risk policy refused; the previous one stays in force", "file", name, "in_force", e.Policy().Version(), "err", err)
		return nil, fmt.Errorf("policy not reloaded, %s stays in force: %w", e.Policy().Version(), err)
	}
	e.pol.Store(p)
	e.log.Info("risk policy in force", "file", name, "version", p.Version(), "digest", p.Set.Digest)
	return p, nil
}

// Summary says what one run did.
type Summary struct {
	Scope         string         `json:"scope"` // all, or incremental
	PolicyVersion string         `json:"policy_version"`
	PolicyDigest  string         `json:"policy_digest"`
	Accounts      int            `json:"accounts"`
	Relationships int            `json:"relationships"`
	Stored        int            `json:"stored"`    // new versions written
	Unchanged     int            `json:"unchanged"` // same facts, same policy
	Retired       int            `json:"retired"`
	TierChanges   int            `json:"tier_changes"`
	ByTier        map[string]int `json:"by_tier"`
	Duration      time.Duration  `json:"duration_ns"`
}

// TierChange is the payload of an assessment.tier_changed event.
type TierChange struct {
	Relationship  string `json:"relationship"`
	Version       int    `json:"version"`
	From          string `json:"from"` // "" for a new relationship
	To            string `json:"to"`
	Priority      int    `json:"priority"`
	Action        string `json:"action"`
	PolicyVersion string `json:"policy_version"`
}

// result is one scored relationship on its way to the store: a is nil when
// its facts and policy are those of its current version (it was not scored
// again), row is nil when nothing changed, ev nil when the tier did not
// change.
type result struct {
	id     string
	tier   string
	a      *Assessment
	digest string
	row    *Row
	ev     *vigil.Event
}

// AssessAll assesses every relationship of the portfolio. Relationships
// whose facts and policy are unchanged are not stored again, so a second
// run over an unchanged portfolio writes only its summary event.
func (e *Engine) AssessAll(ctx context.Context, actor string) (Summary, error) {
	start := time.Now()
	p := e.Policy()
	mem, err := loadAll(ctx, e.st)
	if err != nil {
		return Summary{}, fmt.Errorf("assess all: %w", err)
	}
	prev := map[string]State{}
	if err := e.st.CurrentStates(ctx, func(s State) error { prev[s.ID] = s; return nil }); err != nil {
		return Summary{}, fmt.Errorf("assess all: %w", err)
	}
	e.log.Debug("risk: portfolio loaded", "accounts", len(mem.accounts), "parties", len(mem.parties), "previous", len(prev), "took", time.Since(start))

	enrichers := make([]Enricher, len(e.opt.Enrichers))
	for i, en := range e.opt.Enrichers {
		enrichers[i] = en
		if fp, ok := en.(FullRunPreparer); ok {
			if enrichers[i], err = fp.PrepareFullRun(ctx); err != nil {
				return Summary{}, fmt.Errorf("assess all: %w", err)
			}
		}
	}
	sum := Summary{Scope: "all", PolicyVersion: p.Version(), PolicyDigest: p.Set.Digest, Accounts: len(mem.accounts), ByTier: map[string]int{}}
	const chunk = 256
	results := make(chan []result, e.opt.Workers*2)
	// The writer stores one batch while the next is collected and the
	// workers go on scoring: with the store call on the collecting
	// goroutine, the workers stood still for every commit and the run
	// used one core of two.
	batches := make(chan SaveBatch, 1)
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	var workers sync.WaitGroup
	for range e.opt.Workers {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			vc := newValueCache()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(mem.accounts) {
					return nil
				}
				hi := min(lo+chunk, len(mem.accounts))
				out, err := e.score(gctx, p, mem, enrichers, mem.accounts[lo:hi], prev, vc)
				if err != nil {
					return err
				}
				for i := range out {
					if err := e.prepare(p, prev, &out[i], actor); err != nil {
						return err
					}
				}
				select {
				case results <- out:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
		})
	}
	go func() { workers.Wait(); close(results) }()

	seen := make(map[string]bool, len(prev))
	var batch SaveBatch
	g.Go(func() error {
		defer close(batches)
		for out := range results {
			for _, r := range out {
				seen[r.id] = true
				collect(&batch, &sum, r)
				if len(batch.Rows)+len(batch.Events) >= e.opt.BatchSize {
					select {
					case batches <- batch:
					case <-gctx.Done():
						return gctx.Err()
					}
					batch = SaveBatch{}
				}
			}
		}
		return nil
	})
	g.Go(func() error {
		for b := range batches {
			if err := e.st.SaveAssessments(gctx, b); err != nil {
				return fmt.Errorf("assess all: %w", err)
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return Summary{}, err
	}
	for id, s := range prev {
		if !seen[id] && !s.Retired {
			batch.Retire = append(batch.Retire, id)
			sum.Retired++
		}
	}
	slices.Sort(batch.Retire)
	sum.Duration = time.Since(start)
	if err := e.finish(ctx, &batch, &sum, actor, nil); err != nil {
		return Summary{}, fmt.Errorf("assess all: %w", err)
	}
	e.log.Info("risk: assessed all", "relationships", sum.Relationships, "stored", sum.Stored, "unchanged", sum.Unchanged,
		"retired", sum.Retired, "tier_changes", sum.TierChanges, "took", sum.Duration)
	return sum, nil
}

// score builds, enriches and assesses the relationships of some accounts.
// A relationship whose facts digest, under the same policy, is that of its
// current version in prev is not assessed again: its result carries the
// digest and tier only, so a run over an unchanged portfolio evaluates no
// rule and encodes nothing.
func (e *Engine) score(ctx context.Context, p *Policy, v view, enrichers []Enricher, accounts []*vigil.Account, prev map[string]State, vc *valueCache) ([]result, error) {
	var facts []*Facts
	for _, a := range accounts {
		fs, err := buildFacts(ctx, v, a)
		if err != nil {
			return nil, err
		}
		facts = append(facts, fs...)
	}
	for _, en := range enrichers {
		if err := en.Enrich(ctx, facts); err != nil {
			return nil, fmt.Errorf("enrich facts: %w", err)
		}
	}
	out := make([]result, 0, len(facts))
	var scratch []byte
	if vc == nil {
		vc = newValueCache()
	}
	for _, f := range facts {
		f.finish() // an enricher may have left a list nil
		var d string
		d, scratch = appendDigest(f, scratch)
		digest := d + ":" + p.Set.Digest
		if old, had := prev[f.Relationship]; had && !old.Retired && old.Digest == digest {
			out = append(out, result{id: f.Relationship, tier: old.Tier, digest: digest})
			continue
		}
		a, err := p.assess(f, vc)
		if err != nil {
			return nil, err
		}
		out = append(out, result{id: a.ID, tier: a.Tier, a: a, digest: digest})
	}
	return out, ctx.Err()
}

// prepare decides whether a result changed and, if so, encodes its row and,
// when its tier changed, its event. It reads prev only, so the full run's
// workers call it in parallel.
func (e *Engine) prepare(p *Policy, prev map[string]State, r *result, actor string) error {
	a := r.a
	if a == nil {
		return nil // unchanged, not scored again
	}
	old, had := prev[a.ID]
	if had && !old.Retired && old.Digest == r.digest {
		return nil
	}
	now := e.opt.Now().UTC()
	a.Version = old.Version + 1
	a.FactsDigest = r.digest
	a.AssessedAt, a.AssessedBy = now, actor
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode assessment %s: %w", a.ID, err)
	}
	r.row = &Row{ID: a.ID, Version: a.Version, AccountID: a.AccountID, CustomerID: a.CustomerID, EndUserID: a.EndUserID,
		Tier: a.Tier, TierRank: a.TierRank, Priority: a.Priority, Action: a.Action, PolicyVersion: a.PolicyVersion,
		Digest: r.digest, AssessedAt: now, AssessedBy: actor, Current: true, Doc: doc}
	from := ""
	if had && !old.Retired {
		from = old.Tier
	}
	// A first assessment is an event only in the top tier, which demands
	// a heightened review; below it, a change of tier is.
	top := p.Scoring.Tiers[0].Name
	if from != a.Tier && (from != "" || a.Tier == top) {
		ev, err := vigil.NewEvent("assessment.tier_changed", "assessments/"+a.ID, actor, now, TierChange{
			Relationship: a.ID, Version: a.Version, From: from, To: a.Tier, Priority: a.Priority, Action: a.Action, PolicyVersion: a.PolicyVersion})
		if err != nil {
			return err
		}
		r.ev = ev
	}
	return nil
}

// collect adds a prepared result to the batch and the summary.
func collect(b *SaveBatch, sum *Summary, r result) {
	sum.Relationships++
	sum.ByTier[r.tier]++
	if r.row == nil {
		sum.Unchanged++
		return
	}
	b.Rows = append(b.Rows, *r.row)
	sum.Stored++
	if r.ev != nil {
		b.Events = append(b.Events, r.ev)
		sum.TierChanges++
	}
}

// finish stores the last batch with the run's summary event.
func (e *Engine) finish(ctx context.Context, b *SaveBatch, sum *Summary, actor string, ch *Change) error {
	payload := map[string]any{"summary": sum}
	if ch != nil {
		payload["change"] = ch
	}
	ev, err := vigil.NewEvent("risk.assessed", "assessments", actor, e.opt.Now(), payload)
	if err != nil {
		return err
	}
	b.Events = append(b.Events, ev)
	return e.st.SaveAssessments(ctx, *b)
}

// Change names facts that changed. Any field may be empty.
type Change struct {
	// All says that facts changed that no list names: an import changes
	// records without an event each, so it asks for a full run (which
	// stores only the relationships whose facts did change).
	All         bool     `json:"all,omitempty"`
	Parties     []string `json:"parties,omitempty"`
	Accounts    []string `json:"accounts,omitempty"`
	Territories []string `json:"territories,omitempty"`
	Services    []string `json:"services,omitempty"`
	Sources     []string `json:"sources,omitempty"`
}

// ChangeOf returns the change a record event (party.updated,
// source.created, ...) stands for, so an outbox reader can feed Recompute.
// ok is false for events that change no fact.
func ChangeOf(ev *vigil.Event) (Change, bool) {
	var p struct {
		Kind   vigil.Kind      `json:"kind"`
		ID     string          `json:"id"`
		Record json.RawMessage `json:"record"`
	}
	if ev.Type == "import.completed" {
		var sum struct{ Created, Updated int64 }
		if err := json.Unmarshal(ev.Payload, &sum); err != nil || sum.Created+sum.Updated == 0 {
			return Change{}, false
		}
		return Change{All: true}, true
	}
	if c, ok := screeningChange(ev); ok {
		return c, true
	}
	if c, ok := declarationChange(ev); ok {
		return c, true
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil || p.ID == "" {
		return Change{}, false
	}
	rec, err := vigil.NewRecord(p.Kind)
	if err != nil || json.Unmarshal(p.Record, rec) != nil {
		return Change{}, false
	}
	switch r := rec.(type) {
	case *vigil.Party:
		return Change{Parties: []string{r.ID}}, true
	case *vigil.Link:
		return Change{Parties: []string{r.From, r.To}}, true
	case *vigil.Account:
		return Change{Accounts: []string{r.ID}}, true
	case *vigil.Subscription:
		return Change{Accounts: []string{r.AccountID}}, true
	case *vigil.Service:
		return Change{Services: []string{r.ID}}, true
	case *vigil.CountryContext:
		return Change{Territories: []string{r.ID}}, true
	case *vigil.Source:
		return Change{Parties: r.PartyIDs, Sources: []string{r.ID}}, true
	}
	return Change{}, false
}

// Recompute re-assesses only the relationships that depend on the changed
// facts: those of accounts held by the changed parties, by anyone who
// resells to them or acts for them, and by anyone under them (units,
// subsidiaries), transitively.
func (e *Engine) Recompute(ctx context.Context, ch Change, actor string) (Summary, error) {
	start := time.Now()
	accounts, err := e.affectedAccounts(ctx, ch)
	if err != nil {
		return Summary{}, fmt.Errorf("recompute: %w", err)
	}
	sum, err := e.assessAccounts(ctx, accounts, actor, &ch)
	if err != nil {
		return Summary{}, fmt.Errorf("recompute: %w", err)
	}
	sum.Duration = time.Since(start)
	e.log.Debug("risk: recomputed", "accounts", len(accounts), "stored", sum.Stored, "tier_changes", sum.TierChanges, "took", sum.Duration)
	return sum, nil
}

// AssessParty re-assesses every relationship the party takes part in.
func (e *Engine) AssessParty(ctx context.Context, partyID, actor string) (Summary, error) {
	if _, err := e.st.Get(ctx, vigil.KindParty, partyID); err != nil {
		return Summary{}, err
	}
	return e.Recompute(ctx, Change{Parties: []string{partyID}}, actor)
}

func (e *Engine) assessAccounts(ctx context.Context, accountIDs []string, actor string, ch *Change) (Summary, error) {
	p := e.Policy()
	sum := Summary{Scope: "incremental", PolicyVersion: p.Version(), PolicyDigest: p.Set.Digest, Accounts: len(accountIDs), ByTier: map[string]int{}}
	states, err := e.st.CurrentStatesOf(ctx, accountIDs)
	if err != nil {
		return sum, err
	}
	prev := make(map[string]State, len(states))
	for _, s := range states {
		prev[s.ID] = s
	}
	v := newStoreView(e.st)
	var accts []*vigil.Account
	for _, id := range accountIDs {
		a, err := vigil.GetAs[*vigil.Account](ctx, e.st, vigil.KindAccount, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue // its relationships are retired below
		}
		if err != nil {
			return sum, err
		}
		accts = append(accts, a)
	}
	results, err := e.score(ctx, p, v, e.opt.Enrichers, accts, prev, nil)
	if err != nil {
		return sum, err
	}
	var b SaveBatch
	seen := map[string]bool{}
	for i := range results {
		seen[results[i].id] = true
		if err := e.prepare(p, prev, &results[i], actor); err != nil {
			return sum, err
		}
		collect(&b, &sum, results[i])
	}
	for _, s := range states {
		if !seen[s.ID] && !s.Retired {
			b.Retire = append(b.Retire, s.ID)
			sum.Retired++
		}
	}
	if err := e.finish(ctx, &b, &sum, actor, ch); err != nil {
		return sum, err
	}
	return sum, nil
}

// affectedAccounts finds the accounts whose relationships can read one of
// the changed facts.
func (e *Engine) affectedAccounts(ctx context.Context, ch Change) ([]string, error) {
	parties := map[string]bool{}
	for _, id := range ch.Parties {
		parties[id] = true
	}
	for _, t := range ch.Territories {
		ids, err := e.st.PartiesIn(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			parties[id] = true
		}
	}
	for _, id := range ch.Sources {
		s, err := vigil.GetAs[*vigil.Source](ctx, e.st, vigil.KindSource, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range s.PartyIDs {
			parties[p] = true
		}
	}
	// A parent's facts reach the relationships of everything under it;
	// an end user's reach every customer that resells or acts for it.
	below, err := e.walk(ctx, keys(parties), func(l *vigil.Link, from string) (string, bool) {
		switch l.Type {
		case vigil.LinkUnitOf:
			return l.From, l.To == from
		case vigil.LinkOwns, vigil.LinkControls:
			return l.To, l.From == from
		}
		return "", false
	})
	if err != nil {
		return nil, err
	}
	up, err := e.walk(ctx, below, func(l *vigil.Link, from string) (string, bool) {
		if l.Type == vigil.LinkResellsTo || l.Type == vigil.LinkActsFor {
			return l.From, l.To == from
		}
		return "", false
	})
	if err != nil {
		return nil, err
	}
	accounts, err := e.st.AccountsOf(ctx, up)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, a := range accounts {
		set[a] = true
	}
	for _, a := range ch.Accounts {
		set[a] = true
	}
	for _, s := range ch.Services {
		ids, err := e.st.AccountsWithService(ctx, s)
		if err != nil {
			return nil, err
		}
		for _, a := range ids {
			set[a] = true
		}
	}
	return keys(set), nil
}

// walk returns the start parties and every party reached from them along
// links next accepts, breadth first, within portfolio.MaxDepth levels.
func (e *Engine) walk(ctx context.Context, start []string, next func(*vigil.Link, string) (string, bool)) ([]string, error) {
	seen := map[string]bool{}
	for _, s := range start {
		seen[s] = true
	}
	frontier := start
	for depth := 0; depth < portfolio.MaxDepth && len(frontier) > 0; depth++ {
		links, err := e.st.LinksOf(ctx, frontier)
		if err != nil {
			return nil, err
		}
		var nf []string
		for _, from := range frontier {
			for _, l := range links {
				if to, ok := next(l, from); ok && !seen[to] {
					seen[to] = true
					nf = append(nf, to)
				}
			}
		}
		frontier = nf
	}
	return keys(seen), nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Preview assesses one relationship from the store as it is now, under the
// policy in force, without storing anything: the answer for a relationship
// never assessed yet, or a what-if after an edit. Its Version is 0.
func (e *Engine) Preview(ctx context.Context, relationshipID string) (*Assessment, error) {
	accountID, endUser, ok := SplitRelationshipID(relationshipID)
	if !ok {
		return nil, vigil.FieldError("id", "%q is not a relationship id (ACCOUNT~END_USER)", relationshipID)
	}
	acct, err := vigil.GetAs[*vigil.Account](ctx, e.st, vigil.KindAccount, accountID)
	if err != nil {
		return nil, err
	}
	p := e.Policy()
	results, err := e.score(ctx, p, newStoreView(e.st), e.opt.Enrichers, []*vigil.Account{acct}, nil, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.a.EndUserID == endUser {
			r.a.FactsDigest = r.digest
			return r.a, nil
		}
	}
	return nil, vigil.Errorf(vigil.ENOTFOUND, "account %s serves no end user %s", accountID, endUser)
}

// Merge adds another change's facts to c.
func (c *Change) Merge(o Change) {
	c.All = c.All || o.All
	c.Parties = mergeIDs(c.Parties, o.Parties)
	c.Accounts = mergeIDs(c.Accounts, o.Accounts)
	c.Territories = mergeIDs(c.Territories, o.Territories)
	c.Services = mergeIDs(c.Services, o.Services)
	c.Sources = mergeIDs(c.Sources, o.Sources)
}

func mergeIDs(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// RecomputeSince re-assesses what the record events of the outbox after
// sequence number after changed, in one recompute, and returns the last
// sequence number it read, to pass next time. Events that change no fact
// (assessments, users, tokens) are skipped. An import that changed records
// has one event for the file, not one per record, so it leads to a full run.
func (e *Engine) RecomputeSince(ctx context.Context, after int64, actor string) (int64, Summary, error) {
	var ch Change
	last := after
	for {
		evs, err := e.st.ListEvents(ctx, last, 1000)
		if err != nil {
			return after, Summary{}, fmt.Errorf("recompute since %d: %w", after, err)
		}
		for _, ev := range evs {
			c, ok, err := e.changeOf(ctx, ev)
			if err != nil {
				return after, Summary{}, fmt.Errorf("recompute since %d: %w", after, err)
			}
			if ok {
				ch.Merge(c)
			}
			last = ev.Seq
		}
		if len(evs) < 1000 {
			break
		}
	}
	var sum Summary
	var err error
	if !ch.All && len(ch.Parties)+len(ch.Accounts)+len(ch.Territories)+len(ch.Services)+len(ch.Sources) == 0 {
		// Nothing a fact depends on changed: no run, and no event, so a
		// follower polling the outbox does not feed on its own records.
		return last, sum, nil
	}
	if ch.All {
		sum, err = e.AssessAll(ctx, actor)
	} else {
		sum, err = e.Recompute(ctx, ch, actor)
	}
	if err != nil {
		return after, Summary{}, err
	}
	return last, sum, nil
}
