package vigil

import (
	"context"
	"io"
	"time"
)

// Store is Vigil's storage contract. The sqlite and postgres packages
// implement it, and storetest holds the conformance suite both must pass.
//
// Every method that changes state writes an Event to the outbox in the same
// transaction as the change, so the proof log (package tlog) sees every change
// exactly once, even across a crash.
type Store interface {
	RecordStore
	GraphStore
	UserStore
	EventStore
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// RecordStore reads and writes portfolio records of every kind.
type RecordStore interface {
	// Get returns the record of kind with id, or ENOTFOUND.
	Get(ctx context.Context, kind Kind, id string) (Record, error)
	// List returns one page of records in id order. Filters a kind does not
	// know give EINVALID.
	List(ctx context.Context, kind Kind, opt ListOptions) (Page, error)
	// Create stores a new record; ECONFLICT when the id exists, EINVALID for
	// a bad field or a reference to a missing record.
	Create(ctx context.Context, rec Record, actor string) error
	// Update replaces an existing record's fields; ENOTFOUND when it does
	// not exist. Created* metadata is kept.
	Update(ctx context.Context, rec Record, actor string) error
	// Import upserts every record the source yields by id, all or nothing:
	// on any error nothing is written. Records equal to the stored ones are
	// left untouched (and counted unchanged), so re-running an import
	// changes nothing. An EINVALID error's Row is the 0-based position of the
	// offending record in the source.
	Import(ctx context.Context, req ImportRequest) (ImportSummary, error)
	// Count returns how many records of kind there are.
	Count(ctx context.Context, kind Kind) (int64, error)
}

// GraphStore answers the link queries that walk from a customer to its end
// users and parent bodies.
type GraphStore interface {
	// LinksOf returns every link that starts or ends at one of the parties.
	LinksOf(ctx context.Context, partyIDs []string) ([]*Link, error)
}

// ListOptions selects one page of records.
type ListOptions struct {
	// Filters are field=value pairs; each kind accepts its own fields (see
	// FilterFields). A value in a list-valued field (aliases, sectors,
	// capabilities, party_ids) matches when the list contains it.
	Filters map[string]string
	// Query is a case-insensitive substring of the record's name or title.
	Query string
	// After is the cursor returned as Page.Next; empty for the first page.
	After string
	// Limit is the page size: 1..1000, default 100.
	Limit int
}

// Page is one page of a listing.
type Page struct {
	Items []Record
	// Next is the cursor of the following page, empty on the last one.
	Next string
}

// FilterFields lists, per kind, the fields ListOptions.Filters accepts.
var FilterFields = map[Kind][]string{
	KindParty:        {"type", "country", "sector"},
	KindLink:         {"from", "to", "type"},
	KindAccount:      {"party_id", "billing_country"},
	KindSubscription: {"account_id", "service_id", "region", "status"},
	KindService:      {"capability"},
	KindContext:      {"status", "high_risk"},
	KindSource:       {"party_id", "reliability", "publisher"},
}

// ImportRequest is one file's worth of records for Store.Import.
type ImportRequest struct {
	Kind   Kind
	Source RecordSource
	Actor  string
	// File and SHA256 identify the imported file in the import's event.
	// When the Source implements Digester, its digest, asked for after the
	// last record, replaces SHA256: a file read once is hashed as it goes.
	File   string
	SHA256 string
}

// Digester is a RecordSource that knows the SHA-256 of what it read.
type Digester interface {
	SHA256() string
}

// Digest is the file digest an import's event records.
func (r ImportRequest) Digest() string {
	if d, ok := r.Source.(Digester); ok {
		return d.SHA256()
	}
	return r.SHA256
}

// RecordSource yields records one at a time; Next returns io.EOF after the
// last one. Importers stream files through it so memory stays flat.
type RecordSource interface {
	Next() (Record, error)
}

// SliceSource is a RecordSource over records already in memory.
type SliceSource[T Record] struct {
	Records []T
	i       int
}

// Next returns the next record or io.EOF.
func (s *SliceSource[T]) Next() (Record, error) {
	if s.i >= len(s.Records) {
		return nil, io.EOF
	}
	s.i++
	return s.Records[s.i-1], nil
}

// ImportSummary counts what an import did.
type ImportSummary struct {
	Kind      Kind  `json:"kind"`
	Created   int64 `json:"created"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	// EventID is the id of the import's event in the proof log's outbox.
	EventID string `json:"event_id"`
}

// Total is the number of records the import read.
func (s ImportSummary) Total() int64 { return s.Created + s.Updated + s.Unchanged }

// UserStore keeps users and their API tokens.
type UserStore interface {
	// CreateUser stores a new user; ECONFLICT when the id exists.
	CreateUser(ctx context.Context, u *User, actor string) error
	// GetUser returns the user or ENOTFOUND.
	GetUser(ctx context.Context, id string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	// CreateToken stores the token, whose Hash (never the secret) is set.
	CreateToken(ctx context.Context, t *Token, actor string) error
	// UserByTokenHash returns the user holding an unexpired, unrevoked token
	// with that hash, or EUNAUTHORIZED.
	UserByTokenHash(ctx context.Context, hash string, now time.Time) (*User, error)
	// RevokeToken revokes a token by id; ENOTFOUND when none.
	RevokeToken(ctx context.Context, id string, actor string) error
}

// EventStore is the outbox of the proof log: events are written by the
// state-changing methods, then a relay appends them to the log and marks them.
type EventStore interface {
	// RecordEvent writes a standalone event (one that changes no other
	// table) to the outbox.
	RecordEvent(ctx context.Context, ev *Event) error
	// RecordEvents writes several standalone events in one transaction, all
	// or none; the proof log's relay uses it to group-commit concurrent
	// Record calls.
	RecordEvents(ctx context.Context, evs []*Event) error
	// GetEvent returns the event or ENOTFOUND.
	GetEvent(ctx context.Context, id string) (*Event, error)
	// PendingEvents returns up to limit events not yet in the log, in
	// outbox order.
	PendingEvents(ctx context.Context, limit int) ([]*Event, error)
	// MarkLogged records the log index each event got. It is idempotent.
	MarkLogged(ctx context.Context, marks []LogMark) error
	// ListEvents returns events in outbox order after the sequence number
	// after (0 for the start), at most limit.
	ListEvents(ctx context.Context, after int64, limit int) ([]*Event, error)
}

// LogMark ties an outbox event to its index in the proof log.
type LogMark struct {
	Seq       int64
	LeafIndex int64
}

// WebStore keeps what the web UI needs beyond Store: password sign-in with
// lock-out, browser sessions (stored by the hash of their secret, never the
// secret), and the few summaries its pages show that a listing cannot give
// cheaply. The SQL stores implement it; storetest.RunWeb checks them.
type WebStore interface {
	// SetPassword stores a user's password hash (an encoded argon2id or
	// bcrypt hash, never the password) and clears any lock-out; ENOTFOUND
	// when the user does not exist.
	SetPassword(ctx context.Context, userID, hash, actor string) error
	// Credential returns a user's sign-in state, or ENOTFOUND when the
	// user has no password.
	Credential(ctx context.Context, userID string) (*Credential, error)
	// RecordLoginFailure counts a failed sign-in. When the count reaches
	// maxFailures the user is locked until now+lockFor and the count starts
	// again. It returns the state after the failure.
	RecordLoginFailure(ctx context.Context, userID string, now time.Time, maxFailures int, lockFor time.Duration) (*Credential, error)
	// CreateSession stores a new session and clears the user's failure
	// count: a successful sign-in.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the live session with that secret hash, or
	// EUNAUTHORIZED when it is unknown, ended, idle past IdleUntil or past
	// its absolute ExpiresAt.
	SessionByHash(ctx context.Context, hash string, now time.Time) (*Session, error)
	// TouchSession moves a session's idle deadline; ENOTFOUND when it is
	// not live.
	TouchSession(ctx context.Context, id string, seen, idleUntil time.Time) error
	// EndSession ends a session (sign-out, or a reason such as
	// "password_changed"); ENOTFOUND when it is not live.
	EndSession(ctx context.Context, id, actor, reason string) error
	// SubjectEvents returns the newest events about one subject (such as
	// "parties/P1"), newest first, at most limit.
	SubjectEvents(ctx context.Context, subject string, limit int) ([]*Event, error)
	// PartyCounts counts parties by country and sector list.
	PartyCounts(ctx context.Context) ([]PartyCount, error)
	// RiskCells summarises current, live risk assessments by the end
	// user's country and the capability of each subscribed service.
	RiskCells(ctx context.Context) ([]RiskCell, error)
}

// Credential is a user's password sign-in state.
type Credential struct {
	UserID   string
	Hash     string
	Failures int
	// LockedUntil is zero when the user is not locked out.
	LockedUntil time.Time
	ChangedAt   time.Time
}

// Session is a signed-in browser. Only the SHA-256 of its secret is
// stored: the secret has 256 random bits, so a slow hash would add nothing.
type Session struct {
	ID        string
	UserID    string
	Hash      string
	CreatedAt time.Time
	SeenAt    time.Time
	// IdleUntil moves with each request; ExpiresAt never moves.
	IdleUntil time.Time
	ExpiresAt time.Time
}

// PartyCount is how many parties share a country and a sector list.
type PartyCount struct {
	Country string
	Sectors []string
	N       int64
}

// RiskCell is the highest tier of the current assessments of relationships
// whose end user is in Country and whose account subscribes to a service
// with Capability, and how many there are.
type RiskCell struct {
	Country    string
	Capability string
	Tier       string
	TierRank   int
	N          int64
}
