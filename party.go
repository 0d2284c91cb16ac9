package vigil

import (
	"regexp"
	"strings"
)

// PartyType says what kind of actor a party is. Armed-forces and security
// units are their own type because a unit's parent chain (unit of a brigade,
// of a ministry) matters for due diligence.
type PartyType string

const (
	PartyOrganization PartyType = "organization"
	PartyGovernment   PartyType = "government_body"
	PartyUnit         PartyType = "security_unit" // armed-forces, intelligence or police unit
	PartyCompany      PartyType = "company"
	PartyPerson       PartyType = "person"
)

// PartyTypes lists the accepted party types.
var PartyTypes = []PartyType{PartyOrganization, PartyGovernment, PartyUnit, PartyCompany, PartyPerson}

// Party is an organisation, government body, security unit, company or
// person: a customer, an intermediary, an end user or a parent body.
type Party struct {
	ID   string    `json:"id"`
	Type PartyType `json:"type"`
	Name string    `json:"name"`
	// Aliases are other names in any script: translations, acronyms, former
	// names, original-script spellings.
	Aliases []string `json:"aliases"`
	// Country is an ISO 3166-1 alpha-2 code, or an ISO 3166-2 subdivision
	// code (UA-43) because a conflict or an occupation often covers only part
	// of a country.
	Country     string       `json:"country"`
	Identifiers []Identifier `json:"identifiers"`
	// Sectors tag what the party does: military, intelligence, police,
	// border, prison, telecom, health, ... Free vocabulary, lower case.
	Sectors []string `json:"sectors"`
	Notes   string   `json:"notes"`
	Meta
}

// Identifier is a registration, tax, list or other number under a scheme
// (for example "lei", "vat", "ofac", "duns").
type Identifier struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}

func (p *Party) RecordKind() Kind     { return KindParty }
func (p *Party) RecordID() string     { return p.ID }
func (p *Party) SetRecordID(s string) { p.ID = s }
func (p *Party) RecordMeta() *Meta    { return &p.Meta }
func (p *Party) Refs() []Ref          { return nil }

// Validate checks the party's fields.
func (p *Party) Validate() error {
	if err := validateID("id", p.ID); err != nil {
		return err
	}
	if !oneOf(p.Type, PartyTypes) {
		return FieldError("type", "unknown party type %q (want one of %s)", p.Type, joinValues(PartyTypes))
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "must not be empty")
	}
	for _, a := range p.Aliases {
		if strings.TrimSpace(a) == "" {
			return FieldError("aliases", "empty alias")
		}
	}
	if err := ValidateTerritory(p.Country); err != nil {
		return &Error{Code: EINVALID, Field: "country", Message: err.(*Error).Message, Row: -1}
	}
	for _, id := range p.Identifiers {
		if id.Scheme == "" || id.Value == "" {
			return FieldError("identifiers", "identifier %q needs a scheme and a value, as scheme:value", id.Scheme+":"+id.Value)
		}
	}
	for _, s := range p.Sectors {
		if !tagPattern.MatchString(s) {
			return FieldError("sectors", "sector tag %q must be lower case letters, digits, '_', '-' or '.'", s)
		}
	}
	return nil
}

// LinkType is the relation a link states between two parties. Direction is
// always From -> To, read as a sentence: "From owns To", "From resells to
// To", "From is unit of To", "From acts for To".
type LinkType string

const (
	LinkOwns      LinkType = "owns"
	LinkControls  LinkType = "controls"
	LinkUnitOf    LinkType = "unit_of"
	LinkResellsTo LinkType = "resells_to"
	// LinkActsFor says From is an intermediary acting for To, the end user.
	LinkActsFor LinkType = "acts_for"
)

// LinkTypes lists the accepted link types.
var LinkTypes = []LinkType{LinkOwns, LinkControls, LinkUnitOf, LinkResellsTo, LinkActsFor}

// Link is a directed relation between two parties.
type Link struct {
	ID   string   `json:"id"`
	From string   `json:"from"`
	To   string   `json:"to"`
	Type LinkType `json:"type"`
	// Share is the ownership share in percent, for owns links (0 when
	// unknown).
	Share  float64 `json:"share"`
	Source string  `json:"source"` // where the link is known from, free text
	Meta
}

func (l *Link) RecordKind() Kind     { return KindLink }
func (l *Link) RecordID() string     { return l.ID }
func (l *Link) SetRecordID(s string) { l.ID = s }
func (l *Link) RecordMeta() *Meta    { return &l.Meta }
func (l *Link) Refs() []Ref {
	return []Ref{{Field: "from", Kind: KindParty, ID: l.From}, {Field: "to", Kind: KindParty, ID: l.To}}
}

// Validate checks the link's fields.
func (l *Link) Validate() error {
	if err := validateID("id", l.ID); err != nil {
		return err
	}
	if err := validateID("from", l.From); err != nil {
		return err
	}
	if err := validateID("to", l.To); err != nil {
		return err
	}
	if l.From == l.To {
		return FieldError("to", "a link cannot point from a party to itself (%s)", l.From)
	}
	if !oneOf(l.Type, LinkTypes) {
		return FieldError("type", "unknown link type %q (want one of %s)", l.Type, joinValues(LinkTypes))
	}
	if l.Share < 0 || l.Share > 100 {
		return FieldError("share", "share %v must be a percentage between 0 and 100", l.Share)
	}
	if l.Share != 0 && l.Type != LinkOwns {
		return FieldError("share", "only owns links carry a share")
	}
	return nil
}

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$`)
	tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
)

func validateID(field, id string) error {
	if id == "" {
		return FieldError(field, "must not be empty")
	}
	if !idPattern.MatchString(id) {
		return FieldError(field, "%q is not a valid id (letters, digits and . _ : @ / -, starting with a letter or digit, at most 128 characters)", id)
	}
	return nil
}

func oneOf[T ~string](v T, allowed []T) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
