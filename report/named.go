package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
)

// NamedDecision is an approved decision its approvers marked public: the
// report names the customer it concerns. Every other decision is only
// counted, because naming a customer is a choice a provider makes case by
// case (contract confidentiality, the safety of people inside the
// customer), not something the report may assume.
type NamedDecision struct {
	DecisionID   string    `json:"decision_id"`
	Type         string    `json:"type"`
	DecidedAt    time.Time `json:"decided_at"`
	Parties      []string  `json:"parties"` // names, as recorded
	Capabilities []string  `json:"capabilities,omitempty"`
}

// decisionSource is what naming decisions reads; stores that keep no cases
// give a report without named decisions.
type decisionSource interface {
	ListDecisions(ctx context.Context, q casework.DecisionQuery) ([]*casework.Decision, error)
	GetCase(ctx context.Context, id string) (*casework.Case, error)
}

// namedDecisions lists the public decisions approved within the period, in
// the order they were decided.
func namedDecisions(ctx context.Context, s Store, p Period) ([]NamedDecision, error) {
	src, ok := s.(decisionSource)
	if !ok {
		return nil, nil
	}
	ds, err := src.ListDecisions(ctx, casework.DecisionQuery{Status: casework.DecisionApproved})
	if err != nil {
		return nil, fmt.Errorf("report: read decisions: %w", err)
	}
	var out []NamedDecision
	for _, d := range ds {
		if !d.Public || d.DecidedAt == nil || d.DecidedAt.Before(p.From) || !d.DecidedAt.Before(p.To) {
			continue
		}
		c, err := src.GetCase(ctx, d.CaseID)
		if err != nil {
			return nil, fmt.Errorf("report: decision %s: read case %s: %w", d.ID, d.CaseID, err)
		}
		n := NamedDecision{DecisionID: d.ID, Type: string(d.Type), DecidedAt: d.DecidedAt.UTC(), Capabilities: slices.Clone(d.Capabilities)}
		for _, id := range c.PartyIDs {
			name := id
			if party, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, id); err == nil {
				name = party.Name
			} else if vigil.ErrorCode(err) != vigil.ENOTFOUND {
				return nil, fmt.Errorf("report: decision %s: read party %s: %w", d.ID, id, err)
			}
			n.Parties = append(n.Parties, name)
		}
		out = append(out, n)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DecidedAt.Equal(out[j].DecidedAt) {
			return out[i].DecidedAt.Before(out[j].DecidedAt)
		}
		return out[i].DecisionID < out[j].DecisionID
	})
	return out, nil
}
