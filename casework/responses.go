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

	// The kinds below are not assurances asked of the customer but what
	// engagement found out about the relationship (red flags 7 and 11 of
	// the frameworks): they take the answers requested, present or absent.

	// AssuranceConfidentiality: the customer demands confidentiality about
	// the relationship beyond the ordinary.
	AssuranceConfidentiality AssuranceKind = "confidentiality"
	// AssuranceCustomEngineering: the services are customised for the
	// customer in unusual ways.
	AssuranceCustomEngineering AssuranceKind = "custom_engineering"
	// AssuranceEmbeddedStaff: the provider's engineers work inside the
	// customer or its unit.
	AssuranceEmbeddedStaff AssuranceKind = "embedded_staff"
)

// AssuranceKinds lists the accepted kinds.
var AssuranceKinds = []AssuranceKind{AssuranceEndUseStatement, AssuranceEndUse, AssuranceAuditClause, AssuranceSuspensionClause,
	AssuranceConfidentiality, AssuranceCustomEngineering, AssuranceEmbeddedStaff}

// findingKinds are the kinds that record a finding, not an answer.
var findingKinds = []AssuranceKind{AssuranceConfidentiality, AssuranceCustomEngineering, AssuranceEmbeddedStaff}

// IsFinding reports whether a kind records what engagement found
// (requested, present, absent) rather than the customer's answer.
func (k AssuranceKind) IsFinding() bool { return slices.Contains(findingKinds, k) }

// Answer is how the customer answered what was asked.
type Answer string

const (
	AnswerAccepted Answer = "accepted" // gave the statement or signed the clause
	AnswerRefused  Answer = "refused"
	AnswerVague    Answer = "vague" // answered without saying anything that binds
)

// Answers to the finding kinds (IsFinding). The latest response of a kind
// stands, so absent clears an earlier requested or present.
const (
	AnswerRequested Answer = "requested" // the customer asks for it
	AnswerPresent   Answer = "present"   // it is in place
	AnswerAbsent    Answer = "absent"    // not asked for, withdrawn or ended
)

// Answers lists the accepted answers to assurances; FindingAnswers those
// to findings.
var (
	Answers        = []Answer{AnswerAccepted, AnswerRefused, AnswerVague}
	FindingAnswers = []Answer{AnswerRequested, AnswerPresent, AnswerAbsent}
)

// AnswersTo lists the answers a kind takes.
func AnswersTo(k AssuranceKind) []Answer {
	if k.IsFinding() {
		return FindingAnswers
	}
	return Answers
}

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
	if want := AnswersTo(r.Kind); !slices.Contains(want, r.Answer) {
		return vigil.FieldError("response", "response %q does not fit %s (want one of %v)", r.Answer, r.Kind, want)
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
