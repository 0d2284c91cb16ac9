package casework

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil"
)

// AssuranceKind is what an engage or condition decision asked of the
// customer. The names are those of package risk's declaration facts, so a
// recorded response becomes a fact the policy's rules read as it stands.
type AssuranceKind string

const (
	// AssuranceEndUseStatement: a statement of who uses the services and
	// for what.
	AssuranceEndUseStatement AssuranceKind = "end_use_statement"
	// AssuranceEndUse: a binding assurance that the services are not used
	// for the harm of concern.
	AssuranceEndUse AssuranceKind = "end_use_assurance"
	// AssuranceAuditClause: a clause letting the provider audit the end use.
	AssuranceAuditClause AssuranceKind = "audit_clause"
	// AssuranceSuspensionClause: a clause letting the provider suspend the
	// service on evidence of misuse, which is leverage.
	AssuranceSuspensionClause AssuranceKind = "suspension_clause"
)

// AssuranceKinds lists the accepted kinds.
var AssuranceKinds = []AssuranceKind{AssuranceEndUseStatement, AssuranceEndUse, AssuranceAuditClause, AssuranceSuspensionClause}

// Answer is how the customer answered what was asked.
type Answer string

const (
	AnswerAccepted Answer = "accepted" // gave the statement or signed the clause
	AnswerRefused  Answer = "refused"
	AnswerVague    Answer = "vague" // answered without saying anything that binds
)

// Answers lists the accepted answers.
var Answers = []Answer{AnswerAccepted, AnswerRefused, AnswerVague}

// Response is the customer's answer to an engage or condition decision,
// recorded by an analyst. A decision may collect several, one per thing
// asked or a later answer to the same; the latest of a kind counts.
type Response struct {
	ID         string        `json:"id"`
	Kind       AssuranceKind `json:"kind"`
	Answer     Answer        `json:"response"`
	Note       string        `json:"note,omitempty"`
	RecordedBy string        `json:"recorded_by"`
	RecordedAt time.Time     `json:"recorded_at"`
}

// Check reports what a response lacks, as a field error.
func (r *Response) Check() error {
	if !slices.Contains(AssuranceKinds, r.Kind) {
		return vigil.FieldError("kind", "unknown kind %q (want one of %v)", r.Kind, AssuranceKinds)
	}
	if !slices.Contains(Answers, r.Answer) {
		return vigil.FieldError("response", "unknown response %q (want one of %v)", r.Answer, Answers)
	}
	if utf8.RuneCountInString(r.Note) > maxComment {
		return vigil.FieldError("note", "is longer than %d characters: attach it as a file", maxComment)
	}
	return nil
}

// TakesResponses reports whether the customer answers decisions of this
// type: engage and condition ask something of it; the others act.
func (t DecisionType) TakesResponses() bool {
	return t == DecisionEngage || t == DecisionCondition
}

// ResponseRequest is a customer's response as an analyst records it.
type ResponseRequest struct {
	Kind   AssuranceKind `json:"kind"`
	Answer Answer        `json:"response"`
	Note   string        `json:"note,omitempty"`
}

// RecordResponse records the customer's answer to an approved engage or
// condition decision. The store writes it with a case entry and a
// decision.response_recorded event, which makes the risk engine re-assess
// the relationship the decision rests on.
func (s *Service) RecordResponse(ctx context.Context, actor *vigil.User, decisionID string, req ResponseRequest) (*Decision, error) {
	if err := need(actor, vigil.PermWorkCases, "record customers' responses"); err != nil {
		return nil, err
	}
	r := &Response{Kind: AssuranceKind(strings.TrimSpace(string(req.Kind))), Answer: Answer(strings.TrimSpace(string(req.Answer))), Note: strings.TrimSpace(req.Note)}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return s.store.RecordResponse(ctx, decisionID, r, actor.ID, s.cfg.Now())
}
