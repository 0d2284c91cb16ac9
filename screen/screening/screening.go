// Package screening keeps risk lists and the portfolio's matches against
// them: stored list versions (what each import added, changed and
// removed), portfolio runs that screen every party with the matcher of
// package screen (all of them, or only what changed since the last run),
// and the analysts' review of each match. A dismissal holds until the
// party or the list entry changes; then the match comes back for review.
//
// It lives beside package screen rather than inside it because it builds on
// the list importers (screen/lists), which themselves import screen. The
// Store is implemented once for SQLite and PostgreSQL by internal/sqlstore
// and checked by storetest.RunScreening.
package screening

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen"
)

// Match statuses. Pending and confirmed matches are facts of the risk
// assessment; the others are history.
const (
	StatusPending   = "pending"   // found, awaiting an analyst
	StatusConfirmed = "confirmed" // an analyst confirmed it
	StatusDismissed = "dismissed" // an analyst dismissed it; holds while neither side changes
	StatusCleared   = "cleared"   // no longer found after the party or the entry changed
	StatusDelisted  = "delisted"  // the entry left the list
)

// Statuses lists every match status.
var Statuses = []string{StatusPending, StatusConfirmed, StatusDismissed, StatusCleared, StatusDelisted}

// ListVersion is one stored version of a list.
type ListVersion struct {
	List    string `json:"list"`
	Version int    `json:"version"`
	Format  string `json:"format"`
	// Kind is what the list is about (sanctions, military_end_user,
	// entity_list, ...): risk rules read it.
	Kind string `json:"kind"`
	File string `json:"file"`
	// FileDigest is the SHA-256 of the file (or of the files of a
	// directory) as read; ContentDigest that of the parsed entries.
	FileDigest    string    `json:"file_digest"`
	ContentDigest string    `json:"content_digest"`
	Entries       int       `json:"entries"`
	Added         int       `json:"added"`
	Changed       int       `json:"changed"`
	Removed       int       `json:"removed"`
	ImportedAt    time.Time `json:"imported_at"`
	ImportedBy    string    `json:"imported_by"`
	// Current is true for the list's current version.
	Current bool `json:"current"`
	// ScreenedVersion is, for the current version, the version the last
	// portfolio run screened against (0: never).
	ScreenedVersion int `json:"screened_version,omitempty"`
	// SuggestedLinks are ownership and directorship edges between entries
	// (FollowTheMoney lists): candidates for portfolio links, never
	// written to the portfolio without a user asking.
	SuggestedLinks []SuggestedLink `json:"suggested_links,omitempty"`
}

// SuggestedLink is an edge a list gives between two of its entries.
type SuggestedLink struct {
	From     string `json:"from"`
	FromName string `json:"from_name,omitempty"`
	To       string `json:"to"`
	ToName   string `json:"to_name,omitempty"`
	Type     string `json:"type"` // owns or directs
	Share    string `json:"share,omitempty"`
}

// Entry is one current entry of a stored list.
type Entry struct {
	List    string        `json:"list"`
	Version int           `json:"version"` // the version that added or last changed it
	Hash    string        `json:"hash"`
	Entity  screen.Entity `json:"entity"`
}

// EntryChange is what one version did to one entry.
type EntryChange struct {
	List    string         `json:"list"`
	Version int            `json:"version"`
	EntryID string         `json:"entry_id"`
	Change  string         `json:"change"` // added, changed or removed
	Fields  []string       `json:"fields,omitempty"`
	Entity  screen.Entity  `json:"entity"` // after the change; before it for a removal
	Old     *screen.Entity `json:"old,omitempty"`
}

// Change kinds of EntryChange.
const (
	ChangeAdded   = "added"
	ChangeChanged = "changed"
	ChangeRemoved = "removed"
)

// NewVersion is one import to store: the version's record, the entries
// to write (added and changed ones), the ids to remove and the change
// log. Base is the version it was computed against; the store refuses it
// with a conflict if another import stored a version meanwhile.
type NewVersion struct {
	Version ListVersion
	Base    int
	Upsert  []Entry
	Remove  []string
	Changes []EntryChange
}

// Match is a party found similar to a list entry.
type Match struct {
	ID          string             `json:"id"`
	PartyID     string             `json:"party_id"`
	PartyName   string             `json:"party_name"`
	List        string             `json:"list"`
	ListKind    string             `json:"list_kind"`
	ListVersion int                `json:"list_version"`
	EntryID     string             `json:"entry_id"`
	EntryName   string             `json:"entry_name"`
	Entry       screen.Entity      `json:"entry"`
	Score       float64            `json:"score"`
	Decision    screen.Decision    `json:"decision"` // match or review, as the matcher decided
	Status      string             `json:"status"`
	Explanation screen.Explanation `json:"explanation"`
	PartyHash   string             `json:"party_hash"`
	EntryHash   string             `json:"entry_hash"`
	RunID       string             `json:"run_id"`
	FoundAt     time.Time          `json:"found_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	DecidedBy   string             `json:"decided_by,omitempty"`
	DecidedAt   time.Time          `json:"decided_at,omitempty,omitzero"`
	Reason      string             `json:"reason,omitempty"`
}

// Finding is one candidate of a run: a party, an entry and the
// matcher's result.
type Finding struct {
	PartyID     string
	PartyName   string
	PartyHash   string
	Entry       Entry
	ListKind    string
	Score       float64
	Decision    screen.Decision
	Explanation screen.Explanation
}

// EntryKey names an entry of a stored list.
type EntryKey struct {
	List string `json:"list"`
	ID   string `json:"id"`
}

// PartyState is the screened content of a party.
type PartyState struct {
	PartyID string
	Hash    string
}

// Cursor is what the last runs covered: each party's screened content and
// each list's screened version.
type Cursor struct {
	Parties map[string]string // party id -> hash
	Lists   map[string]int    // list -> screened version
}

// Run is the record of one portfolio run.
type Run struct {
	ID         string         `json:"id"`
	Mode       string         `json:"mode"` // full or delta
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt time.Time      `json:"finished_at"`
	Actor      string         `json:"actor"`
	Lists      map[string]int `json:"lists"` // the versions screened against
	// PartiesScreened were screened against every entry;
	// EntriesScreened (new or changed entries) against every party.
	Parties         int `json:"parties"`
	PartiesScreened int `json:"parties_screened"`
	EntriesScreened int `json:"entries_screened"`
	Found           int `json:"found"`    // new matches
	Reopened        int `json:"reopened"` // dismissed matches back for review
	Updated         int `json:"updated"`  // pending matches rescored
	Held            int `json:"held"`     // dismissals that still hold
	Cleared         int `json:"cleared"`  // pending matches no longer found
}

// RunResult is what a run stores in one transaction.
type RunResult struct {
	Run Run
	// All: every party was screened against every entry, so every pending
	// match not found again is cleared. Otherwise the scope is Parties
	// (screened against every entry) and Entries (against every party).
	All bool
	// Parties are the screened contents to record: in a delta run every
	// party screened against every entry, in a full run those whose
	// content changed since they were last recorded.
	Parties  []PartyState
	Entries  []EntryKey
	Findings []Finding
}

// MatchFilter selects matches.
type MatchFilter struct {
	Status   string   // "" any
	PartyIDs []string // empty: any party
	List     string
	EntryID  string
	// MinScore keeps matches scoring at least this.
	MinScore float64
	Limit    int // default 100
	// After is the cursor of the previous page (the queue is ordered by
	// score then id).
	After string
}

// MatchPage is one page of matches.
type MatchPage struct {
	Items []*Match `json:"items"`
	Next  string   `json:"next,omitempty"`
}

// DecideRequest confirms or dismisses a match.
type DecideRequest struct {
	MatchID string
	Status  string // confirmed or dismissed
	Reason  string
	Actor   string
	At      time.Time
}

// Store keeps lists, matches and runs; every method that changes state
// writes its event to the outbox in the same transaction.
type Store interface {
	// SaveListVersion stores a new version of a list (list.imported
	// event); matches on removed entries become delisted.
	SaveListVersion(ctx context.Context, v NewVersion) error
	// Lists returns the current version of every list, by name.
	Lists(ctx context.Context) ([]ListVersion, error)
	// ListVersions returns every version of a list, newest first, with
	// suggested links.
	ListVersions(ctx context.Context, list string) ([]ListVersion, error)
	// ListChanges returns what a version added, changed and removed.
	ListChanges(ctx context.Context, list string, version int) ([]EntryChange, error)
	// ListEntries returns the current entries of a list ("": of every
	// list), in list then id order.
	ListEntries(ctx context.Context, list string) ([]Entry, error)
	// EntriesSince returns the current entries added or changed after the
	// given version of each list (lists absent from the map: all).
	EntriesSince(ctx context.Context, versions map[string]int) ([]Entry, error)
	// ScreeningCursor returns what the last runs covered.
	ScreeningCursor(ctx context.Context) (*Cursor, error)
	// SaveRun reconciles a run's findings with the stored matches (see
	// Reconcile), records the screened parties and list versions and the
	// run, and writes screening.match_found and screening.run events.
	SaveRun(ctx context.Context, r RunResult) (*Run, error)
	// GetMatch returns one match, or ENOTFOUND.
	GetMatch(ctx context.Context, id string) (*Match, error)
	// ListMatches returns matches by score (highest first), then id.
	ListMatches(ctx context.Context, f MatchFilter) (MatchPage, error)
	// DecideMatch confirms or dismisses a pending (or earlier decided)
	// match, with a screening.match_confirmed or _dismissed event.
	DecideMatch(ctx context.Context, d DecideRequest) (*Match, error)
}

// StoreOf returns the screening store of a vigil.Store.
func StoreOf(s vigil.Store) (Store, error) {
	if st, ok := s.(Store); ok {
		return st, nil
	}
	return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no screening lists", s)
}

// EntityHash is the content hash of a list entry.
func EntityHash(e screen.Entity) string {
	b, _ := json.Marshal(e)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// QueryHash is the content hash of what is screened of a party: its
// names, country, type, identifiers and parents. Notes or sectors do not
// count, so editing them keeps a dismissal.
func QueryHash(q screen.Query) string {
	q.ID = ""
	b, _ := json.Marshal(q)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MatchID is the stable id of a (party, list, entry) pair.
func MatchID(partyID, list, entryID string) string {
	sum := sha256.Sum256([]byte(partyID + "\x00" + list + "\x00" + entryID))
	return "SM" + hex.EncodeToString(sum[:8])
}

// EntityName is an entity's primary name.
func EntityName(e screen.Entity) string {
	if len(e.Names) > 0 {
		return e.Names[0].Value
	}
	return e.ID
}
