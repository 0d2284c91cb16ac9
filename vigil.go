// Package vigil holds Vigil's domain: the portfolio of a cloud and AI
// provider (parties, links, accounts, subscriptions, services, country
// contexts and sources), the users who work on it, the events that prove what
// was done, and the storage contract that the sqlite and postgres packages
// implement.
//
// This package imports no storage, HTTP or CLI code; those live at the edges
// (sqlite/, postgres/, http/, cmd/vigil/) so the domain can be tested and
// reused on its own.
package vigil

import "time"

// Kind names one collection of portfolio records. The same names are used by
// the CLI (vigil import parties ...), the API (/api/v1/parties) and the
// storage tables.
type Kind string

const (
	KindParty        Kind = "parties"
	KindLink         Kind = "links"
	KindAccount      Kind = "accounts"
	KindSubscription Kind = "subscriptions"
	KindService      Kind = "services"
	KindContext      Kind = "contexts"
	KindSource       Kind = "sources"
)

// Kinds lists every portfolio kind in dependency order: a kind only refers to
// kinds before it, so importing in this order never meets a dangling
// reference.
var Kinds = []Kind{KindService, KindContext, KindParty, KindLink, KindAccount, KindSubscription, KindSource}

// ParseKind accepts a kind name in plural or singular form.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if s == string(k) || s == k.Singular() {
			return k, nil
		}
	}
	return "", Errorf(EINVALID, "unknown kind %q (want one of parties, links, accounts, subscriptions, services, contexts, sources)", s)
}

// Singular is the kind's name for one record, as used in event types.
func (k Kind) Singular() string {
	switch k {
	case KindParty:
		return "party"
	case KindLink:
		return "link"
	case KindAccount:
		return "account"
	case KindSubscription:
		return "subscription"
	case KindService:
		return "service"
	case KindContext:
		return "context"
	case KindSource:
		return "source"
	}
	return string(k)
}

// Meta records who created or last changed a record and when. Stores set it;
// values supplied by callers are ignored.
type Meta struct {
	// omitzero keeps the stored documents (which hold no metadata, it has
	// columns of its own) free of empty keys.
	CreatedAt time.Time `json:"created_at,omitzero"`
	CreatedBy string    `json:"created_by,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitzero"`
}

// Record is implemented by every portfolio type (through a pointer), so that
// import, export, storage and the API can treat the seven kinds alike.
type Record interface {
	RecordKind() Kind
	RecordID() string
	SetRecordID(string)
	RecordMeta() *Meta
	// Validate checks the record on its own (not its references) and returns
	// a *Error with code EINVALID naming the offending field.
	Validate() error
	// Refs lists the other records this one points to, so stores can refuse
	// dangling references with an error naming the field.
	Refs() []Ref
}

// Ref is a reference from one record's field to a record of another kind.
type Ref struct {
	Field string
	Kind  Kind
	ID    string
}
