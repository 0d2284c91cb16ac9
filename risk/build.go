package risk

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
	"golang.org/x/sync/errgroup"
)

// view is the portfolio as the fact builder reads it. The full run reads
// everything into memory once (memView); an incremental recompute reads the
// few records it needs from the store (storeView). Both give the same facts.
type view interface {
	vigil.GraphStore
	party(ctx context.Context, id string) (*vigil.Party, error)
	subscriptions(ctx context.Context, accountID string) ([]*vigil.Subscription, error)
	service(ctx context.Context, id string) (*vigil.Service, error)
	// context returns the territory's row, or nil when there is none.
	context(ctx context.Context, territory string) (*vigil.CountryContext, error)
	// sources returns the sources linked to any of the parties.
	sources(ctx context.Context, partyIDs []string) ([]*vigil.Source, error)
}

// buildFacts returns the facts of every relationship of one account: one per
// end user reached through it.
func buildFacts(ctx context.Context, v view, acct *vigil.Account) ([]*Facts, error) {
	cust, err := v.party(ctx, acct.PartyID)
	if err != nil {
		return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
	}
	chain, err := portfolio.Walk(ctx, v, cust.ID)
	if err != nil {
		return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
	}
	ctxCache := map[string]ContextFact{}
	var ctxErr error
	ctxOf := func(territory string) ContextFact {
		if c, ok := ctxCache[territory]; ok {
			return c
		}
		c := unknownContext(territory)
		// The subdivision's own row wins; without one the country's row
		// applies, since a country at war is at war in its regions too.
		for t := range territoryRows(territory) {
			row, err := v.context(ctx, t)
			if err != nil {
				ctxErr = err
				break
			}
			if row != nil {
				c = contextFact(row)
				break
			}
		}
		ctxCache[territory] = c
		return c
	}

	var services []ServiceFact
	subs, err := v.subscriptions(ctx, acct.ID)
	if err != nil {
		return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
	}
	for _, s := range subs {
		svc, err := v.service(ctx, s.ServiceID)
		if err != nil {
			return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
		}
		caps := svc.Capabilities
		if caps == nil {
			caps = []string{}
		}
		services = append(services, ServiceFact{Subscription: s.ID, Service: svc.ID, Name: svc.Name, Capabilities: caps,
			Region: s.Region, Status: string(s.Status), StartedOn: s.StartedOn.String()})
	}

	endUsers := chain.EndUsers
	if len(endUsers) == 0 {
		endUsers = []portfolio.Step{{PartyID: cust.ID}}
	}
	customer := partyFact(cust, "customer", ctxOf)
	out := make([]*Facts, 0, len(endUsers))
	for _, step := range endUsers {
		f := &Facts{
			Relationship: RelationshipID(acct.ID, step.PartyID),
			Account:      AccountFact{ID: acct.ID, Name: acct.Name, BillingCountry: acct.BillingCountry, OpenedOn: acct.OpenedOn.String()},
			Customer:     customer,
			Services:     services,
		}
		parentSteps := chain.Parents
		if step.PartyID == cust.ID {
			f.EndUser = customer
			f.EndUser.Role = "end_user"
		} else {
			f.ViaIntermediary = true
			eu, err := v.party(ctx, step.PartyID)
			if err != nil {
				return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
			}
			f.EndUser = partyFact(eu, "end_user", ctxOf)
			im := customer
			im.Role = "intermediary"
			f.Intermediaries = append(f.Intermediaries, im)
			for _, l := range step.Via[:len(step.Via)-1] {
				p, err := v.party(ctx, l.To)
				if err != nil {
					return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
				}
				f.Intermediaries = append(f.Intermediaries, partyFact(p, "intermediary", ctxOf))
			}
			euChain, err := portfolio.Walk(ctx, v, eu.ID)
			if err != nil {
				return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
			}
			parentSteps = euChain.Parents
		}
		for _, ps := range parentSteps {
			p, err := v.party(ctx, ps.PartyID)
			if err != nil {
				return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
			}
			f.Parents = append(f.Parents, partyFact(p, "parent", ctxOf))
		}
		// The chain, each party once, and the contexts of its territories.
		// A chain holds a handful of parties, so the de-duplication below
		// scans short slices: a map each would be most of the allocations
		// of the full run.
		f.Chain = make([]PartyFact, 0, 2+len(f.Intermediaries)+len(f.Parents))
		f.deps = make([]string, 0, cap(f.Chain))
		add := func(p PartyFact) {
			if !slices.Contains(f.deps, p.ID) {
				f.Chain = append(f.Chain, p)
				f.deps = append(f.deps, p.ID)
			}
		}
		add(f.Customer)
		for _, p := range f.Intermediaries {
			add(p)
		}
		add(f.EndUser)
		for _, p := range f.Parents {
			add(p)
		}
		var seenT [8]string
		territories := seenT[:0]
		for _, p := range f.Chain {
			for t := range territoryRows(p.Territory) {
				if slices.Contains(territories, t) {
					continue
				}
				territories = append(territories, t)
				if row, err := v.context(ctx, t); err != nil {
					return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
				} else if row != nil {
					f.Contexts = append(f.Contexts, contextFact(row))
				}
			}
		}
		srcs, err := v.sources(ctx, f.deps)
		if err != nil {
			return nil, fmt.Errorf("facts of account %s: %w", acct.ID, err)
		}
		for _, s := range srcs {
			if !slices.ContainsFunc(f.Sources, func(have SourceFact) bool { return have.ID == s.ID }) {
				f.Sources = append(f.Sources, sourceFact(s))
			}
		}
		slices.SortFunc(f.Sources, func(a, b SourceFact) int { return cmpString(a.ID, b.ID) })
		f.finish()
		out = append(out, f)
	}
	if ctxErr != nil {
		return nil, fmt.Errorf("facts of account %s: %w", acct.ID, ctxErr)
	}
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// territoryRows yields the context rows that may describe a territory, most
// specific first: a subdivision's own row, then its country's.
func territoryRows(t string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if t == "" || !yield(t) {
			return
		}
		if c := vigil.CountryOf(t); c != t {
			yield(c)
		}
	}
}

// memView is the whole portfolio in memory, for the full run.
type memView struct {
	parties   map[string]*vigil.Party
	links     map[string][]*vigil.Link // by party id, both ends
	subs      map[string][]*vigil.Subscription
	services  map[string]*vigil.Service
	contexts  map[string]*vigil.CountryContext
	sourcesBy map[string][]*vigil.Source
	accounts  []*vigil.Account
}

func (m *memView) LinksOf(_ context.Context, ids []string) ([]*vigil.Link, error) {
	var out []*vigil.Link
	for _, id := range ids {
		out = append(out, m.links[id]...)
	}
	if len(ids) > 1 {
		slices.SortFunc(out, func(a, b *vigil.Link) int { return cmpString(a.ID, b.ID) })
		out = slices.CompactFunc(out, func(a, b *vigil.Link) bool { return a.ID == b.ID })
	}
	return out, nil
}

func (m *memView) party(_ context.Context, id string) (*vigil.Party, error) {
	p, ok := m.parties[id]
	if !ok {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no party with id %q", id)
	}
	return p, nil
}

func (m *memView) subscriptions(_ context.Context, id string) ([]*vigil.Subscription, error) {
	return m.subs[id], nil
}

func (m *memView) service(_ context.Context, id string) (*vigil.Service, error) {
	s, ok := m.services[id]
	if !ok {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no service with id %q", id)
	}
	return s, nil
}

func (m *memView) context(_ context.Context, t string) (*vigil.CountryContext, error) {
	return m.contexts[t], nil
}

func (m *memView) sources(_ context.Context, partyIDs []string) ([]*vigil.Source, error) {
	var out []*vigil.Source
	for _, id := range partyIDs {
		out = append(out, m.sourcesBy[id]...)
	}
	return out, nil
}

// loadAll reads the whole portfolio into a memView, each kind on its own
// goroutine (and connection), since decoding the stored JSON is most of the
// cost and the kinds do not depend on each other.
func loadAll(ctx context.Context, st vigil.RecordStore) (*memView, error) {
	m := &memView{
		parties: map[string]*vigil.Party{}, links: map[string][]*vigil.Link{}, subs: map[string][]*vigil.Subscription{},
		services: map[string]*vigil.Service{}, contexts: map[string]*vigil.CountryContext{}, sourcesBy: map[string][]*vigil.Source{},
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, kind := range vigil.Kinds {
		// Each kind fills its own map, so the goroutines share nothing.
		g.Go(func() error {
			scan := func(fn func(vigil.Record)) error { return each(gctx, st, kind, fn) }
			if ps, ok := st.(PortfolioScanner); ok && kind != vigil.KindService && kind != vigil.KindContext && kind != vigil.KindSource {
				scan = func(fn func(vigil.Record)) error {
					return ps.ScanPortfolio(gctx, kind, func(r vigil.Record) error { fn(r); return nil })
				}
			}
			err := scan(func(r vigil.Record) {
				switch r := r.(type) {
				case *vigil.Party:
					m.parties[r.ID] = r
				case *vigil.Link:
					m.links[r.From] = append(m.links[r.From], r)
					m.links[r.To] = append(m.links[r.To], r)
				case *vigil.Account:
					m.accounts = append(m.accounts, r)
				case *vigil.Subscription:
					m.subs[r.AccountID] = append(m.subs[r.AccountID], r)
				case *vigil.Service:
					m.services[r.ID] = r
				case *vigil.CountryContext:
					m.contexts[r.ID] = r
				case *vigil.Source:
					for _, p := range r.PartyIDs {
						m.sourcesBy[p] = append(m.sourcesBy[p], r)
					}
				}
			})
			if err != nil {
				return fmt.Errorf("load %s: %w", kind, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return m, nil
}

// each calls fn on every record of a kind, in id order.
func each(ctx context.Context, st vigil.RecordStore, kind vigil.Kind, fn func(vigil.Record)) error {
	opt := vigil.ListOptions{Limit: 1000}
	for {
		page, err := st.List(ctx, kind, opt)
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			fn(r)
		}
		if page.Next == "" {
			return nil
		}
		opt.After = page.Next
	}
}

// storeView reads what one recompute needs from the store, remembering what
// it read so each record is read once.
type storeView struct {
	st       vigil.Store
	parties  map[string]*vigil.Party
	services map[string]*vigil.Service
	contexts map[string]*vigil.CountryContext
	srcs     map[string][]*vigil.Source
	links    map[string][]*vigil.Link
}

func newStoreView(st vigil.Store) *storeView {
	return &storeView{st: st, parties: map[string]*vigil.Party{}, services: map[string]*vigil.Service{},
		contexts: map[string]*vigil.CountryContext{}, srcs: map[string][]*vigil.Source{}, links: map[string][]*vigil.Link{}}
}

func (s *storeView) LinksOf(ctx context.Context, ids []string) ([]*vigil.Link, error) {
	var missing []string
	for _, id := range ids {
		if _, ok := s.links[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ls, err := s.st.LinksOf(ctx, missing)
		if err != nil {
			return nil, err
		}
		asked := make(map[string]bool, len(missing))
		for _, id := range missing {
			s.links[id] = []*vigil.Link{}
			asked[id] = true
		}
		for _, l := range ls {
			for _, end := range []string{l.From, l.To} {
				if asked[end] {
					s.links[end] = append(s.links[end], l)
				}
			}
		}
	}
	var out []*vigil.Link
	for _, id := range ids {
		out = append(out, s.links[id]...)
	}
	slices.SortFunc(out, func(a, b *vigil.Link) int { return cmpString(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b *vigil.Link) bool { return a.ID == b.ID }), nil
}

func (s *storeView) party(ctx context.Context, id string) (*vigil.Party, error) {
	if p, ok := s.parties[id]; ok {
		return p, nil
	}
	p, err := vigil.GetAs[*vigil.Party](ctx, s.st, vigil.KindParty, id)
	if err != nil {
		return nil, err
	}
	s.parties[id] = p
	return p, nil
}

func (s *storeView) subscriptions(ctx context.Context, accountID string) ([]*vigil.Subscription, error) {
	var out []*vigil.Subscription
	opt := vigil.ListOptions{Filters: map[string]string{"account_id": accountID}, Limit: 1000}
	for {
		page, err := s.st.List(ctx, vigil.KindSubscription, opt)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			out = append(out, r.(*vigil.Subscription))
		}
		if page.Next == "" {
			return out, nil
		}
		opt.After = page.Next
	}
}

func (s *storeView) service(ctx context.Context, id string) (*vigil.Service, error) {
	if v, ok := s.services[id]; ok {
		return v, nil
	}
	v, err := vigil.GetAs[*vigil.Service](ctx, s.st, vigil.KindService, id)
	if err != nil {
		return nil, err
	}
	s.services[id] = v
	return v, nil
}

func (s *storeView) context(ctx context.Context, t string) (*vigil.CountryContext, error) {
	if v, ok := s.contexts[t]; ok {
		return v, nil
	}
	v, err := vigil.GetAs[*vigil.CountryContext](ctx, s.st, vigil.KindContext, t)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		v, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.contexts[t] = v
	return v, nil
}

func (s *storeView) sources(ctx context.Context, partyIDs []string) ([]*vigil.Source, error) {
	var missing []string
	for _, id := range partyIDs {
		if _, ok := s.srcs[id]; !ok {
			missing = append(missing, id)
			s.srcs[id] = nil
		}
	}
	if len(missing) > 0 {
		found, err := s.findSources(ctx, missing)
		if err != nil {
			return nil, err
		}
		asked := make(map[string]bool, len(missing))
		for _, id := range missing {
			asked[id] = true
		}
		for _, src := range found {
			for _, p := range src.PartyIDs {
				if asked[p] {
					s.srcs[p] = append(s.srcs[p], src)
				}
			}
		}
	}
	var out []*vigil.Source
	for _, id := range partyIDs {
		out = append(out, s.srcs[id]...)
	}
	return out, nil
}

// findSources reads the sources of several parties, in one query when the
// store can (a source's parties are a list column, so each party costs a
// scan of the sources otherwise).
func (s *storeView) findSources(ctx context.Context, partyIDs []string) ([]*vigil.Source, error) {
	if sf, ok := s.st.(SourceFinder); ok {
		return sf.SourcesOfParties(ctx, partyIDs)
	}
	var out []*vigil.Source
	for _, id := range partyIDs {
		opt := vigil.ListOptions{Filters: map[string]string{"party_id": id}, Limit: 1000}
		for {
			page, err := s.st.List(ctx, vigil.KindSource, opt)
			if err != nil {
				return nil, err
			}
			for _, r := range page.Items {
				out = append(out, r.(*vigil.Source))
			}
			if page.Next == "" {
				break
			}
			opt.After = page.Next
		}
	}
	return out, nil
}
