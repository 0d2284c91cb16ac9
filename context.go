package vigil

// ConflictStatus is the situation of a country or territory, as the
// provider's sources describe it.
type ConflictStatus string

const (
	ConflictNone         ConflictStatus = "none"
	ConflictActive       ConflictStatus = "active_armed_conflict"
	ConflictOccupation   ConflictStatus = "occupation"
	ConflictPostConflict ConflictStatus = "post_conflict"
)

// ConflictStatuses lists the accepted statuses.
var ConflictStatuses = []ConflictStatus{ConflictNone, ConflictActive, ConflictOccupation, ConflictPostConflict}

// CountryContext is what the provider knows of one country or territory. Its
// ID is the ISO 3166-1 or 3166-2 code, so a row can cover a whole country or
// only an occupied region. Vigil ships none: contexts are data a provider
// imports and dates.
type CountryContext struct {
	ID     string         `json:"id"`
	Status ConflictStatus `json:"status"`
	// HighRisk marks a conflict-affected and high-risk area (CAHRA).
	HighRisk bool   `json:"high_risk"`
	Source   string `json:"source"`
	AsOf     Date   `json:"as_of"`
	Notes    string `json:"notes"`
	Meta
}

func (c *CountryContext) RecordKind() Kind     { return KindContext }
func (c *CountryContext) RecordID() string     { return c.ID }
func (c *CountryContext) SetRecordID(v string) { c.ID = v }
func (c *CountryContext) RecordMeta() *Meta    { return &c.Meta }
func (c *CountryContext) Refs() []Ref          { return nil }

// Validate checks the context's fields.
func (c *CountryContext) Validate() error {
	if c.ID == "" {
		return FieldError("id", "must not be empty: the ISO 3166 country or subdivision code")
	}
	if err := ValidateTerritory(c.ID); err != nil {
		return FieldError("id", "%s", err.(*Error).Message)
	}
	if !oneOf(c.Status, ConflictStatuses) {
		return FieldError("status", "unknown conflict status %q (want one of %s)", c.Status, joinValues(ConflictStatuses))
	}
	if c.Source == "" {
		return FieldError("source", "say where the context comes from")
	}
	if c.AsOf.IsZero() {
		return FieldError("as_of", "must be a date (YYYY-MM-DD)")
	}
	return nil
}
