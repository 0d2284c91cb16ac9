package risk

import (
	"slices"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// Facts is everything a rule may look at for one relationship: one account
// (the contract) and one end user reached through it. The json names are
// the names rules use (end_user.sectors, contexts, ...), and the same names
// appear in explanations, so a reader can match an explanation to a rule.
//
// Lists are never nil: a rule can call .exists() on any of them, and a list
// whose data does not exist yet (screening matches before screening has run)
// is simply empty.
type Facts struct {
	// Relationship is the id of the relationship, "<account>~<end user>".
	Relationship string      `json:"relationship"`
	Account      AccountFact `json:"account"`
	// Customer holds the account; EndUser is who the services finally
	// serve (the customer itself when it resells to nobody).
	Customer PartyFact `json:"customer"`
	EndUser  PartyFact `json:"end_user"`
	// Intermediaries are the parties between the customer and the end
	// user, the customer included when it is not the end user: resellers,
	// integrators, sovereign-cloud operators.
	Intermediaries []PartyFact `json:"intermediaries"`
	// ViaIntermediary is true when the end user is not the customer.
	ViaIntermediary bool `json:"via_intermediary"`
	// Parents are the bodies that own, control or command the end user,
	// transitively (a unit's brigade and ministry).
	Parents []PartyFact `json:"parents"`
	// Chain is every party above: customer, intermediaries, end user and
	// parents, each once.
	Chain []PartyFact `json:"chain"`
	// Contexts are the context rows of every territory a chain party is
	// in, subdivision rows and their country's row both.
	Contexts []ContextFact `json:"contexts"`
	// Services are the account's subscriptions; Capabilities and Regions
	// the union over its active and restricted ones.
	Services     []ServiceFact `json:"services"`
	Capabilities []string      `json:"capabilities"`
	Regions      []string      `json:"regions"`
	// Sources are the evidence documents linked to any chain party.
	Sources []SourceFact `json:"sources"`
	// Matches, Signals, Grievances and Declarations are filled by other
	// packages through an Enricher (screening, usage signals, grievance
	// intake, contract records); empty until those exist.
	Matches      []MatchFact       `json:"matches"`
	Signals      []SignalFact      `json:"signals"`
	Grievances   []GrievanceFact   `json:"grievances"`
	Declarations []DeclarationFact `json:"declarations"`

	// deps are the party ids the facts were built from, for the
	// dependency index of incremental recompute.
	deps []string
}

// PartyFact is one party as rules see it.
type PartyFact struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Territory is the party's code as stored (a country or a
	// subdivision); Country its ISO 3166-1 part.
	Territory string   `json:"territory"`
	Country   string   `json:"country"`
	Sectors   []string `json:"sectors"`
	// Role is customer, intermediary, end_user or parent.
	Role string `json:"role"`
	// Context is the conflict context of the party's territory: the
	// subdivision's row when there is one, else the country's row, else
	// status "unknown".
	Context ContextFact `json:"context"`
}

// ContextFact is a country or territory's context.
type ContextFact struct {
	Territory string `json:"territory"`
	Status    string `json:"status"`
	HighRisk  bool   `json:"high_risk"`
	Source    string `json:"source"`
	AsOf      string `json:"as_of"`
}

// AccountFact is the contract.
type AccountFact struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	BillingCountry string `json:"billing_country"`
	OpenedOn       string `json:"opened_on"`
}

// ServiceFact is one subscription with its catalogue entry.
type ServiceFact struct {
	Subscription string   `json:"subscription"`
	Service      string   `json:"service"`
	Name         string   `json:"name"`
	Capabilities []string `json:"capabilities"`
	Region       string   `json:"region"`
	Status       string   `json:"status"`
	StartedOn    string   `json:"started_on"`
}

// SourceFact is one linked source with its Admiralty grade: Reliability A
// (completely reliable) to F, Credibility 1 (confirmed) to 6.
type SourceFact struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Publisher   string   `json:"publisher"`
	URL         string   `json:"url"`
	PublishedOn string   `json:"published_on"`
	Reliability string   `json:"reliability"`
	Credibility int      `json:"credibility"`
	Grade       string   `json:"grade"`
	PartyIDs    []string `json:"party_ids"`
}

// MatchFact is a screening match of a chain party against a list entry.
type MatchFact struct {
	ID      string `json:"id"`
	PartyID string `json:"party_id"`
	List    string `json:"list"`  // the list's id, e.g. us-entity-list
	Entry   string `json:"entry"` // the entry's id on that list
	// Kind is what the list is about: sanctions, military_end_user,
	// entity_list, ...
	Kind   string  `json:"kind"`
	Status string  `json:"status"` // pending, confirmed, dismissed
	Score  float64 `json:"score"`
}

// SignalFact is a usage signal derived from metadata (never content).
type SignalFact struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	// Kind: surge, residency_shift, data_egress, ...
	Kind   string  `json:"kind"`
	Metric string  `json:"metric"`
	Factor float64 `json:"factor"`
	Region string  `json:"region"`
	// ToRegion is where data moved, for residency signals.
	ToRegion string `json:"to_region"`
	// AfterEscalation is true when the signal started after an escalation
	// in a context the relationship involves.
	AfterEscalation bool   `json:"after_escalation"`
	At              string `json:"at"`
}

// GrievanceFact is a grievance about the relationship or a chain party.
type GrievanceFact struct {
	ID      string   `json:"id"`
	PartyID string   `json:"party_id"`
	Status  string   `json:"status"` // open, closed, ...
	Rights  []string `json:"rights"`
}

// DeclarationFact is something the customer declared, refused or agreed to
// in the contract: an end-use assurance, an audit clause, a confidentiality
// demand, custom engineering.
type DeclarationFact struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`   // end_use_statement, end_use_assurance, audit_clause, confidentiality, custom_engineering, embedded_staff, suspension_clause
	Status string `json:"status"` // given, refused, vague, requested, present, absent
	Note   string `json:"note"`
}

// RelationshipID joins an account and an end user. '~' cannot occur in a
// Vigil id, so the join is unambiguous, and it needs no escaping in a URL.
func RelationshipID(accountID, endUserID string) string { return accountID + "~" + endUserID }

// SplitRelationshipID is the inverse of RelationshipID.
func SplitRelationshipID(id string) (account, endUser string, ok bool) {
	return strings.Cut(id, "~")
}

func partyFact(p *vigil.Party, role string, ctxOf func(string) ContextFact) PartyFact {
	sectors := p.Sectors
	if sectors == nil {
		sectors = []string{}
	}
	return PartyFact{ID: p.ID, Type: string(p.Type), Name: p.Name, Territory: p.Country, Country: vigil.CountryOf(p.Country),
		Sectors: sectors, Role: role, Context: ctxOf(p.Country)}
}

func sourceFact(s *vigil.Source) SourceFact {
	ids := s.PartyIDs
	if ids == nil {
		ids = []string{}
	}
	return SourceFact{ID: s.ID, Title: s.Title, Publisher: s.Publisher, URL: s.URL, PublishedOn: s.PublishedOn.String(),
		Reliability: s.Reliability, Credibility: s.Credibility, Grade: s.Grade(), PartyIDs: ids}
}

func contextFact(c *vigil.CountryContext) ContextFact {
	return ContextFact{Territory: c.ID, Status: string(c.Status), HighRisk: c.HighRisk, Source: c.Source, AsOf: c.AsOf.String()}
}

// unknownContext is the context of a territory without a row: rules that
// look for conflict do not fire, which is why the demo and a provider's
// import must cover the territories they care about.
func unknownContext(territory string) ContextFact {
	return ContextFact{Territory: territory, Status: "unknown"}
}

// finish sorts the derived lists and replaces nil lists by empty ones.
func (f *Facts) finish() {
	// Sorted and compacted slices rather than sets: an account has a few
	// services, and finish runs for every relationship of the full run.
	caps, regions := []string{}, []string{}
	for _, s := range f.Services {
		if s.Status != string(vigil.SubscriptionActive) && s.Status != string(vigil.SubscriptionRestricted) {
			continue
		}
		caps = append(caps, s.Capabilities...)
		regions = append(regions, s.Region)
	}
	slices.Sort(caps)
	slices.Sort(regions)
	f.Capabilities = slices.Clip(slices.Compact(caps))
	f.Regions = slices.Clip(slices.Compact(regions))
	if f.Intermediaries == nil {
		f.Intermediaries = []PartyFact{}
	}
	if f.Parents == nil {
		f.Parents = []PartyFact{}
	}
	if f.Chain == nil {
		f.Chain = []PartyFact{}
	}
	if f.Contexts == nil {
		f.Contexts = []ContextFact{}
	}
	if f.Services == nil {
		f.Services = []ServiceFact{}
	}
	if f.Sources == nil {
		f.Sources = []SourceFact{}
	}
	if f.Matches == nil {
		f.Matches = []MatchFact{}
	}
	if f.Signals == nil {
		f.Signals = []SignalFact{}
	}
	if f.Grievances == nil {
		f.Grievances = []GrievanceFact{}
	}
	if f.Declarations == nil {
		f.Declarations = []DeclarationFact{}
	}
}
