package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vigil-hrdd/vigil"
)

// MatchSource is what the screening enricher reads: the pending and
// confirmed screening matches of parties (nil: of every party). The
// screening store (internal/sqlstore) implements it.
type MatchSource interface {
	ScreeningMatchFacts(ctx context.Context, partyIDs []string) ([]MatchFact, error)
}

// ScreeningMatches is the Enricher of screening matches: the pending and
// confirmed matches of every chain party (customer, intermediaries, end
// user, parents) become the relationship's Matches.
func ScreeningMatches(src MatchSource) Enricher { return &matchEnricher{src: src} }

type matchEnricher struct {
	src MatchSource
	// byParty is set for a full run: every match, read once.
	byParty map[string][]MatchFact
}

// PrepareFullRun reads every match once.
func (m *matchEnricher) PrepareFullRun(ctx context.Context) (Enricher, error) {
	all, err := m.src.ScreeningMatchFacts(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("screening matches: %w", err)
	}
	by := map[string][]MatchFact{}
	for _, f := range all {
		by[f.PartyID] = append(by[f.PartyID], f)
	}
	return &matchEnricher{src: m.src, byParty: by}, nil
}

func (m *matchEnricher) Enrich(ctx context.Context, facts []*Facts) error {
	by := m.byParty
	if by == nil {
		var ids []string
		seen := map[string]bool{}
		for _, f := range facts {
			for _, p := range f.Chain {
				if !seen[p.ID] {
					seen[p.ID] = true
					ids = append(ids, p.ID)
				}
			}
		}
		if len(ids) == 0 {
			return nil
		}
		got, err := m.src.ScreeningMatchFacts(ctx, ids)
		if err != nil {
			return fmt.Errorf("screening matches: %w", err)
		}
		by = map[string][]MatchFact{}
		for _, f := range got {
			by[f.PartyID] = append(by[f.PartyID], f)
		}
	}
	for _, f := range facts {
		for _, p := range f.Chain {
			f.Matches = append(f.Matches, by[p.ID]...)
		}
		slices.SortFunc(f.Matches, func(a, b MatchFact) int { return cmpString(a.ID, b.ID) })
		f.Matches = slices.CompactFunc(f.Matches, func(a, b MatchFact) bool { return a.ID == b.ID })
	}
	return nil
}

// screeningChange is the change a screening event stands for: the
// parties whose matches it found, decided, cleared or delisted.
func screeningChange(ev *vigil.Event) (Change, bool) {
	switch ev.Type {
	case vigil.EventScreeningMatch, vigil.EventScreeningConfirmed, vigil.EventScreeningDismissed, vigil.EventScreeningRun, vigil.EventListImported:
	default:
		return Change{}, false
	}
	var p struct {
		PartyID string   `json:"party_id"`
		Parties []string `json:"parties"`
	}
	// A run's "parties" is a count, so it is decoded on its own.
	if ev.Type == vigil.EventScreeningRun {
		var r struct {
			ChangedParties []string `json:"changed_parties"`
		}
		if json.Unmarshal(ev.Payload, &r) != nil || len(r.ChangedParties) == 0 {
			return Change{}, false
		}
		return Change{Parties: r.ChangedParties}, true
	}
	if json.Unmarshal(ev.Payload, &p) != nil {
		return Change{}, false
	}
	ids := p.Parties
	if p.PartyID != "" {
		ids = append(ids, p.PartyID)
	}
	if len(ids) == 0 {
		return Change{}, false
	}
	return Change{Parties: ids}, true
}
