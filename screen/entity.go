// Package screen matches parties against risk lists (sanctions, military
// end-user, UN and NGO lists) with multilingual, explainable fuzzy matching.
//
// The list importers (package screen/lists) turn each list format into
// Entities; the normaliser, candidate index and scorer in this package find
// and explain matches. Nothing here touches a database, so the batch mode
// (vigil screen) runs without one.
package screen

// Entity is one listed subject, in a form common to every list format.
type Entity struct {
	// ID is unique across lists: the list key, a colon, and the list's own
	// identifier (for example "ofac-sdn:12345" or "un:QDe.004").
	ID   string `json:"id"`
	List string `json:"list"`
	// Type is one of person, organization, company, vessel, aircraft, unknown.
	Type        string       `json:"type"`
	Names       []Name       `json:"names"` // Names[0] is the primary name.
	Countries   []string     `json:"countries,omitempty"`
	Identifiers []Identifier `json:"identifiers,omitempty"`
	// Parents names parent bodies or owners as the list gives them (a name or
	// another Entity's ID).
	Parents  []string `json:"parents,omitempty"`
	Programs []string `json:"programs,omitempty"`
	Remarks  string   `json:"remarks,omitempty"`
}

// Name is one name of an Entity, with where it came from.
type Name struct {
	Value string `json:"value"`
	// Kind is primary, aka, fka, nka, weak or original_script.
	Kind string `json:"kind"`
	Lang string `json:"lang,omitempty"`
}

// Identifier is a registration, tax, list or document number.
type Identifier struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}
