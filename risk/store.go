package risk

import (
	"context"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Store is what the risk engine needs from storage: the portfolio
// (vigil.Store) and the assessments. internal/sqlstore implements it for
// SQLite and PostgreSQL; storetest.RunRisk checks both.
type Store interface {
	vigil.Store
	AssessmentStore
}

// AssessmentStore keeps versioned assessments.
type AssessmentStore interface {
	// SaveAssessments writes, in one transaction, a new current version of
	// each row (the previous one stays as history), retires relationships
	// that no longer exist, and writes the events (tier changes, run
	// summaries) to the outbox.
	SaveAssessments(ctx context.Context, b SaveBatch) error
	// CurrentStates calls fn for the current version of every
	// relationship, retired ones included, in id order.
	CurrentStates(ctx context.Context, fn func(State) error) error
	// CurrentStatesOf returns the current versions of the relationships of
	// the accounts.
	CurrentStatesOf(ctx context.Context, accountIDs []string) ([]State, error)
	// GetAssessment returns one version of a relationship's assessment
	// (version 0: the current one), or ENOTFOUND.
	GetAssessment(ctx context.Context, id string, version int) (*Row, error)
	// AssessmentVersions lists every version of a relationship, newest
	// first, without their documents.
	AssessmentVersions(ctx context.Context, id string) ([]Row, error)
	// TopAssessments returns current assessments by tier then priority,
	// highest first, without their documents; Filter narrows them.
	TopAssessments(ctx context.Context, f TopFilter) ([]Row, error)
	// PartiesIn returns the parties whose country is the territory or, for
	// a country, one of its subdivisions.
	PartiesIn(ctx context.Context, territory string) ([]string, error)
	// AccountsOf returns the accounts held by the parties.
	AccountsOf(ctx context.Context, partyIDs []string) ([]string, error)
	// AccountsWithService returns the accounts subscribing to a service.
	AccountsWithService(ctx context.Context, serviceID string) ([]string, error)
}

// PortfolioScanner is an optional fast path for the full run: a store that
// can hand over parties, links, accounts and subscriptions with only the
// fields the facts need, without decoding every stored document. Records
// may come in any order, except accounts, which come in id order.
type PortfolioScanner interface {
	ScanPortfolio(ctx context.Context, kind vigil.Kind, fn func(vigil.Record) error) error
}

// SourceFinder is an optional fast path for incremental recompute: the
// sources linked to any of several parties, in one query.
type SourceFinder interface {
	SourcesOfParties(ctx context.Context, partyIDs []string) ([]*vigil.Source, error)
}

// State is the current version of a relationship, as much as a recompute
// needs to decide whether anything changed.
type State struct {
	ID        string
	AccountID string
	Version   int
	Tier      string
	Digest    string
	// Retired relationships keep their last version as current, flagged,
	// so that the version count goes on if they come back.
	Retired bool
}

// Row is one stored version of an assessment.
type Row struct {
	ID            string    `json:"id"`
	Version       int       `json:"version"`
	AccountID     string    `json:"account_id"`
	CustomerID    string    `json:"customer_id"`
	EndUserID     string    `json:"end_user_id"`
	Tier          string    `json:"tier"`
	TierRank      int       `json:"tier_rank"`
	Priority      int       `json:"priority"`
	Action        string    `json:"action"`
	PolicyVersion string    `json:"policy_version"`
	Digest        string    `json:"digest"`
	AssessedAt    time.Time `json:"assessed_at"`
	AssessedBy    string    `json:"assessed_by"`
	Current       bool      `json:"current"`
	// Retired is true for the last version of a relationship that no
	// longer exists (its end user changed or its account went away).
	Retired bool `json:"retired"`
	// Doc is the Assessment as JSON.
	Doc []byte `json:"-"`
}

// SaveBatch is one transaction's worth of writes.
type SaveBatch struct {
	Rows []Row
	// Retire lists relationships that no longer exist: their current
	// version is flagged retired.
	Retire []string
	Events []*vigil.Event
}

// TopFilter selects current assessments.
type TopFilter struct {
	Limit int
	// MinTierRank keeps assessments at or above a tier (0: all).
	MinTierRank int
	PartyID     string // customer or end user
	AccountID   string
}
