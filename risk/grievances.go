package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

// Grievances is the Enricher of grievances (package grievance): every
// grievance not closed that an officer triaged to a party of the chain
// (customer, intermediaries, end user, parents) or to a subscription of
// the account becomes a GrievanceFact with status "open". A grievance
// triaged to a subscription is recorded against the customer, who holds
// it. Grievances carry no rights of their own yet, so Rights is empty.
//
// Open grievances are few next to relationships, and the store finds a
// grievance's parties only by scanning, so each enrichment reads every open
// grievance once, and a full run once for the whole run.
func Grievances(st grievance.Store) Enricher { return &grievanceEnricher{st: st} }

type grievanceEnricher struct {
	st grievance.Store
	// open is set for a full run: every open grievance, read once.
	open *openGrievances
}

type openGrievances struct {
	byParty        map[string][]*grievance.Grievance
	bySubscription map[string][]*grievance.Grievance
}

// PrepareFullRun reads every open grievance once.
func (g *grievanceEnricher) PrepareFullRun(ctx context.Context) (Enricher, error) {
	open, err := readOpenGrievances(ctx, g.st)
	if err != nil {
		return nil, err
	}
	return &grievanceEnricher{st: g.st, open: open}, nil
}

func readOpenGrievances(ctx context.Context, st grievance.Store) (*openGrievances, error) {
	out := &openGrievances{byParty: map[string][]*grievance.Grievance{}, bySubscription: map[string][]*grievance.Grievance{}}
	q := grievance.Query{Open: true, Limit: 1000}
	for {
		page, err := st.ListGrievances(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("open grievances: %w", err)
		}
		for _, gr := range page.Items {
			for _, p := range gr.PartyIDs {
				out.byParty[p] = append(out.byParty[p], gr)
			}
			for _, s := range gr.SubscriptionIDs {
				out.bySubscription[s] = append(out.bySubscription[s], gr)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

func (g *grievanceEnricher) Enrich(ctx context.Context, facts []*Facts) error {
	open := g.open
	if open == nil {
		var err error
		if open, err = readOpenGrievances(ctx, g.st); err != nil {
			return err
		}
	}
	if len(open.byParty)+len(open.bySubscription) == 0 {
		return nil
	}
	for _, f := range facts {
		for _, p := range f.Chain {
			for _, gr := range open.byParty[p.ID] {
				f.Grievances = append(f.Grievances, GrievanceFact{ID: gr.ID, PartyID: p.ID, Status: "open", Rights: []string{}})
			}
		}
		for _, s := range f.Services {
			for _, gr := range open.bySubscription[s.Subscription] {
				f.Grievances = append(f.Grievances, GrievanceFact{ID: gr.ID, PartyID: f.Customer.ID, Status: "open", Rights: []string{}})
			}
		}
		// A grievance about two chain parties is one grievance: it is
		// kept once, against the first party in id order.
		slices.SortFunc(f.Grievances, func(a, b GrievanceFact) int {
			if c := cmpString(a.ID, b.ID); c != 0 {
				return c
			}
			return cmpString(a.PartyID, b.PartyID)
		})
		f.Grievances = slices.CompactFunc(f.Grievances, func(a, b GrievanceFact) bool { return a.ID == b.ID })
	}
	return nil
}

// subjectEvents is the optional history lookup a grievance change uses to
// find the parties a grievance was triaged to before its last triage.
type subjectEvents interface {
	SubjectEvents(ctx context.Context, subject string, limit int) ([]*vigil.Event, error)
}

// changeOf is ChangeOf with the lookups grievance events need: a triage or
// a closing names a grievance, and the relationships to re-assess are those
// of every party and subscription it is triaged to now or was before (a
// re-triage moves the grievance away from a party, whose relationships
// lose the fact). Subscriptions are followed to their accounts.
func (e *Engine) changeOf(ctx context.Context, ev *vigil.Event) (Change, bool, error) {
	if c, ok := ChangeOf(ev); ok {
		return c, true, nil
	}
	if ev.Type != vigil.EventGrievanceTriaged && ev.Type != vigil.EventGrievanceClosed {
		return Change{}, false, nil
	}
	var p struct {
		GrievanceID     string   `json:"grievance_id"`
		PartyIDs        []string `json:"party_ids"`
		SubscriptionIDs []string `json:"subscription_ids"`
	}
	if json.Unmarshal(ev.Payload, &p) != nil || p.GrievanceID == "" {
		return Change{}, false, nil
	}
	parties, subs := p.PartyIDs, p.SubscriptionIDs
	if gs, ok := e.st.(grievance.Store); ok {
		g, err := gs.GetGrievance(ctx, p.GrievanceID)
		switch {
		case err == nil:
			parties, subs = append(parties, g.PartyIDs...), append(subs, g.SubscriptionIDs...)
		case vigil.ErrorCode(err) != vigil.ENOTFOUND:
			return Change{}, false, fmt.Errorf("grievance %s: %w", p.GrievanceID, err)
		}
	}
	if se, ok := e.st.(subjectEvents); ok {
		evs, err := se.SubjectEvents(ctx, "grievances/"+p.GrievanceID, 1000)
		if err != nil {
			return Change{}, false, fmt.Errorf("history of grievance %s: %w", p.GrievanceID, err)
		}
		for _, old := range evs {
			var t struct {
				PartyIDs        []string `json:"party_ids"`
				SubscriptionIDs []string `json:"subscription_ids"`
			}
			if old.Type == vigil.EventGrievanceTriaged && json.Unmarshal(old.Payload, &t) == nil {
				parties, subs = append(parties, t.PartyIDs...), append(subs, t.SubscriptionIDs...)
			}
		}
	}
	ch := Change{Parties: mergeIDs(nil, parties)}
	for _, id := range mergeIDs(nil, subs) {
		s, err := vigil.GetAs[*vigil.Subscription](ctx, e.st, vigil.KindSubscription, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue
		}
		if err != nil {
			return Change{}, false, fmt.Errorf("subscription %s of grievance %s: %w", id, p.GrievanceID, err)
		}
		ch.Accounts = append(ch.Accounts, s.AccountID)
	}
	ch.Accounts = mergeIDs(nil, ch.Accounts)
	if len(ch.Parties)+len(ch.Accounts) == 0 {
		return Change{}, false, nil
	}
	return ch, true, nil
}
