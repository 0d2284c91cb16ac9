package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// DecisionResponse is a customer's recorded answer to an engage or
// condition decision (package casework), as the declarations enricher
// reads it: Relationship is the assessment the decision rests on, Kind what
// was asked (end_use_statement, end_use_assurance, audit_clause,
// suspension_clause) and Answer accepted, refused or vague.
type DecisionResponse struct {
	ID           string
	DecisionID   string
	Relationship string
	Kind         string
	Answer       string
	Note         string
	At           time.Time
}

// ResponseSource is what the declarations enricher reads: the responses
// recorded on decisions resting on the relationships (nil: on every
// relationship). The casework store (internal/sqlstore) implements it;
// package risk cannot name casework's types, as casework builds on risk.
type ResponseSource interface {
	DecisionResponses(ctx context.Context, relationshipIDs []string) ([]DecisionResponse, error)
}

// Declarations is the Enricher of the customer's declarations: the
// responses an analyst recorded to engage and condition decisions on the
// relationship become DeclarationFacts, the latest response of each kind
// standing for that kind. Accepted becomes "given" (for a suspension
// clause "present"), refused "refused" (for a suspension clause "absent",
// the leverage the policy looks for), vague "vague".
func Declarations(src ResponseSource) Enricher { return &declarationEnricher{src: src} }

type declarationEnricher struct {
	src ResponseSource
	// byRelationship is set for a full run: every response, read once.
	byRelationship map[string][]DecisionResponse
}

// PrepareFullRun reads every recorded response once.
func (d *declarationEnricher) PrepareFullRun(ctx context.Context) (Enricher, error) {
	all, err := d.src.DecisionResponses(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("decision responses: %w", err)
	}
	return &declarationEnricher{src: d.src, byRelationship: byRelationship(all)}, nil
}

func byRelationship(rs []DecisionResponse) map[string][]DecisionResponse {
	by := map[string][]DecisionResponse{}
	for _, r := range rs {
		by[r.Relationship] = append(by[r.Relationship], r)
	}
	return by
}

func (d *declarationEnricher) Enrich(ctx context.Context, facts []*Facts) error {
	by := d.byRelationship
	if by == nil {
		ids := make([]string, 0, len(facts))
		for _, f := range facts {
			ids = append(ids, f.Relationship)
		}
		if len(ids) == 0 {
			return nil
		}
		got, err := d.src.DecisionResponses(ctx, ids)
		if err != nil {
			return fmt.Errorf("decision responses: %w", err)
		}
		by = byRelationship(got)
	}
	for _, f := range facts {
		rs := slices.Clone(by[f.Relationship])
		if len(rs) == 0 {
			continue
		}
		// Latest first, so the first of each kind is the one in force.
		slices.SortStableFunc(rs, func(a, b DecisionResponse) int {
			if c := b.At.Compare(a.At); c != 0 {
				return c
			}
			return cmpString(b.ID, a.ID)
		})
		seen := map[string]bool{}
		for _, r := range rs {
			if seen[r.Kind] {
				continue
			}
			seen[r.Kind] = true
			f.Declarations = append(f.Declarations, DeclarationFact{ID: r.ID, Kind: r.Kind, Status: declarationStatus(r.Kind, r.Answer), Note: r.Note})
		}
		slices.SortFunc(f.Declarations, func(a, b DeclarationFact) int { return cmpString(a.Kind, b.Kind) })
	}
	return nil
}

// declarationStatus is the DeclarationFact status of an answer. Answers
// other than accepted and refused pass through as they are: the kinds about
// the contract itself (confidentiality, custom_engineering, embedded_staff),
// which flags 7 and 11 read, are answered requested, present or absent once
// casework accepts them (asked of the lead in REQUESTS.md; until then
// casework refuses those kinds and the two rules cannot fire from entered
// data, as docs/policy.md says).
func declarationStatus(kind, answer string) string {
	switch {
	case answer == "accepted" && kind == "suspension_clause":
		return "present"
	case answer == "accepted":
		return "given"
	case answer == "refused" && kind == "suspension_clause":
		return "absent"
	}
	return answer
}

// declarationChange is the change a recorded response stands for: the
// account of the relationship its decision rests on.
func declarationChange(ev *vigil.Event) (Change, bool) {
	if ev.Type != vigil.EventDecisionResponseRecorded {
		return Change{}, false
	}
	var p struct {
		AssessmentID string `json:"assessment_id"`
	}
	if json.Unmarshal(ev.Payload, &p) != nil {
		return Change{}, false
	}
	account, _, ok := SplitRelationshipID(p.AssessmentID)
	if !ok || account == "" {
		return Change{}, false
	}
	return Change{Accounts: []string{account}}, true
}
