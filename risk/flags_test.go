package risk

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

var (
	calm     = ContextFact{Territory: "BV", Status: "none"}
	war      = ContextFact{Territory: "AQ", Status: "active_armed_conflict", HighRisk: true}
	occupied = ContextFact{Territory: "AQ-12", Status: "occupation", HighRisk: true}
)

// benign is a retail company buying compute for itself in a calm place:
// no red flag may fire on it.
func benign() *Facts {
	c := PartyFact{ID: "C1", Type: "company", Territory: "BV", Country: "BV", Sectors: []string{"retail"}, Role: "customer", Context: calm}
	f := &Facts{Relationship: "A1~C1", Account: AccountFact{ID: "A1"}, Customer: c, EndUser: c,
		Chain: []PartyFact{c}, Contexts: []ContextFact{calm},
		Services: []ServiceFact{{Service: "vm", Capabilities: []string{"compute"}, Status: "active", Region: "eu-west-1"}}}
	f.finish()
	return f
}

func caps(f *Facts, cs ...string) {
	f.Services = append(f.Services, ServiceFact{Service: "s", Capabilities: cs, Status: "active", Region: "eu-west-1"})
	f.finish()
}

func securityEndUser(f *Facts, ctx ContextFact, sectors ...string) {
	f.EndUser = PartyFact{ID: "U1", Type: "security_unit", Sectors: sectors, Role: "end_user", Context: ctx, Territory: ctx.Territory}
	f.Contexts = append(f.Contexts, ctx)
	f.ViaIntermediary = false
}

func fired(t *testing.T, p *Policy, f *Facts) []string {
	t.Helper()
	a, err := p.Assess(f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, fl := range a.Flags {
		ids = append(ids, fl.ID)
	}
	return ids
}

// TestEachRedFlagFiresAndDoesNot gives every red flag of the default
// policy a case where it fires and a near miss where it must not.
func TestEachRedFlagFiresAndDoesNot(t *testing.T) {
	p, err := DefaultPolicyLoaded()
	if err != nil {
		t.Fatal(err)
	}
	if got := fired(t, p, benign()); len(got) != 0 {
		t.Fatalf("benign relationship fires %v", got)
	}
	cases := []struct {
		flag      string
		fires     func(*Facts)
		nearMiss  func(*Facts)
		missNotes string
	}{
		{"security-body",
			func(f *Facts) { securityEndUser(f, calm, "police") },
			func(f *Facts) { f.EndUser.Sectors = []string{"health", "telecom"} },
			"civilian sectors"},
		{"security-body-in-conflict",
			func(f *Facts) { securityEndUser(f, occupied, "military", "intelligence") },
			func(f *Facts) { securityEndUser(f, ContextFact{Territory: "AQ", Status: "post_conflict"}, "military") },
			"a military unit in a post-conflict area"},
		{"conflict-area",
			func(f *Facts) { f.Contexts = append(f.Contexts, war) },
			func(f *Facts) { f.Contexts = append(f.Contexts, ContextFact{Territory: "AQ", Status: "post_conflict"}) },
			"post-conflict and not high-risk"},
		{"prior-misuse",
			func(f *Facts) {
				f.Sources = []SourceFact{{ID: "S1", Reliability: "B", Credibility: 2, Grade: "B2"}}
			},
			func(f *Facts) {
				f.Sources = []SourceFact{{ID: "S1", Reliability: "C", Credibility: 2, Grade: "C2"}, {ID: "S2", Reliability: "A", Credibility: 3, Grade: "A3"}}
			},
			"sources below B2"},
		{"civilian-front",
			func(f *Facts) {
				f.Parents = []PartyFact{{ID: "M1", Type: "government_body", Sectors: []string{"military"}, Context: calm}}
			},
			func(f *Facts) {
				f.Parents = []PartyFact{{ID: "M1", Type: "government_body", Sectors: []string{"health"}, Context: calm}}
			},
			"a civilian parent"},
		{"bulk-communications-processing",
			func(f *Facts) { caps(f, "storage.object", "ai.speech_to_text", "ai.translation") },
			func(f *Facts) { caps(f, "storage.object", "ai.translation") },
			"storage and translation without speech-to-text"},
		{"surveillance-capability",
			func(f *Facts) { caps(f, "ai.face_recognition") },
			func(f *Facts) { caps(f, "ai.ocr", "ai.image_analysis") },
			"OCR and image labels"},
		{"mass-surveillance-by-security-body",
			func(f *Facts) { securityEndUser(f, calm, "police"); caps(f, "analytics.geolocation") },
			func(f *Facts) { caps(f, "storage.object", "ai.speech_to_text", "ai.translation") },
			"the same pipeline for a civilian end user"},
		{"custom-engineering",
			func(f *Facts) {
				f.Declarations = []DeclarationFact{{ID: "D1", Kind: "embedded_staff", Status: "present"}}
			},
			func(f *Facts) {
				f.Declarations = []DeclarationFact{{ID: "D1", Kind: "custom_engineering", Status: "refused"}}
			},
			"customisation declined"},
		{"usage-surge-after-escalation",
			func(f *Facts) {
				f.Signals = []SignalFact{{ID: "G1", Kind: "surge", Factor: 200, AfterEscalation: true}}
			},
			func(f *Facts) {
				f.Signals = []SignalFact{{ID: "G1", Kind: "surge", Factor: 200, AfterEscalation: false}}
			},
			"a surge unrelated to an escalation"},
		{"data-residency-shift",
			func(f *Facts) {
				f.Signals = []SignalFact{{ID: "G2", Kind: "residency_shift", Region: "me-central-1", ToRegion: "eu-west-1"}}
			},
			func(f *Facts) { f.Signals = []SignalFact{{ID: "G2", Kind: "surge", Factor: 1.1}} },
			"a small surge, no move"},
		{"hidden-end-user",
			func(f *Facts) {
				f.ViaIntermediary = true
				f.Intermediaries = []PartyFact{f.Customer}
				f.EndUser = PartyFact{ID: "E1", Type: "company", Sectors: []string{"retail"}, Context: calm}
			},
			func(f *Facts) { f.Customer.Sectors = []string{"it_services"} },
			"an IT company buying for itself"},
		{"refused-assurances",
			func(f *Facts) {
				f.Declarations = []DeclarationFact{{ID: "D2", Kind: "audit_clause", Status: "refused"}}
			},
			func(f *Facts) { f.Declarations = []DeclarationFact{{ID: "D2", Kind: "audit_clause", Status: "given"}} },
			"an audit clause agreed"},
		{"list-match-confirmed",
			func(f *Facts) {
				f.Matches = []MatchFact{{ID: "M1", PartyID: "C1", List: "entity-list", Entry: "E9", Status: "confirmed"}}
			},
			func(f *Facts) {
				f.Matches = []MatchFact{{ID: "M1", PartyID: "C1", List: "entity-list", Entry: "E9", Status: "dismissed"}}
			},
			"a dismissed match"},
		{"list-match-pending",
			func(f *Facts) {
				f.Matches = []MatchFact{{ID: "M1", PartyID: "C1", List: "entity-list", Entry: "E9", Status: "pending"}}
			},
			func(f *Facts) {
				f.Matches = []MatchFact{{ID: "M1", PartyID: "C1", List: "entity-list", Entry: "E9", Status: "dismissed"}}
			},
			"a dismissed match"},
		{"open-grievance",
			func(f *Facts) { f.Grievances = []GrievanceFact{{ID: "G1", PartyID: "C1", Status: "open"}} },
			func(f *Facts) { f.Grievances = []GrievanceFact{{ID: "G1", PartyID: "C1", Status: "closed"}} },
			"a closed grievance"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.flag] = true
		t.Run(c.flag, func(t *testing.T) {
			f := benign()
			c.fires(f)
			f.finish()
			if got := fired(t, p, f); !slices.Contains(got, c.flag) {
				t.Errorf("does not fire: %v", got)
			}
			f = benign()
			c.nearMiss(f)
			f.finish()
			if got := fired(t, p, f); slices.Contains(got, c.flag) {
				t.Errorf("fires on %s: %v", c.missNotes, got)
			}
		})
	}
	for _, fr := range p.flags {
		if !covered[fr.rule.ID] {
			t.Errorf("red flag %s has no firing test", fr.rule.ID)
		}
	}
	// Every flag number of section 3 that the facts can express is
	// covered by the default policy (all eleven).
	numbers := map[int]bool{}
	for _, fr := range p.flags {
		numbers[fr.meta.Flag] = true
	}
	for n := 1; n <= 11; n++ {
		if !numbers[n] {
			t.Errorf("no rule for red flag %d of section 3", n)
		}
	}
}

// TestScoringFollowsTheModel checks the numbers of section 2 on cases.
func TestScoringFollowsTheModel(t *testing.T) {
	p, err := DefaultPolicyLoaded()
	if err != nil {
		t.Fatal(err)
	}
	// One mild flag: not severe, likelihood as the flag says, low tier.
	f := benign()
	f.Customer.Sectors = []string{"reseller"}
	f.EndUser.Sectors = f.Customer.Sectors
	a, err := p.Assess(f)
	if err != nil {
		t.Fatal(err)
	}
	if a.Severity != 8 || a.Severe || a.Likelihood != 2 || a.Priority != 16 || a.Tier != "medium" || a.Action != "engage" {
		t.Fatalf("one mild flag: %+v", a.Derivation)
	}
	// A severe flag with likelihood 1 stays out of the override; at
	// likelihood 2 it goes to the top tier whatever the priority.
	p2 := *p
	p2.Scoring.Tiers = append([]Tier{}, p.Scoring.Tiers...)
	p2.Scoring.Tiers[0].MinPriority = 100000
	f = benign()
	f.Sources = []SourceFact{{ID: "S1", Reliability: "A", Credibility: 1, Grade: "A1"}}
	a, err = p2.Assess(f)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Severe || a.Likelihood != 3 || a.Tier != "critical" || !strings.Contains(a.Derivation[6], "UNGP 24") {
		t.Fatalf("severe override: tier %s, %v", a.Tier, a.Derivation)
	}
	// Involvement and leverage never lower the tier or the priority: the
	// same facts through an intermediary (weak leverage) keep them.
	g := benign()
	securityEndUser(g, occupied, "military")
	caps(g, "storage.object", "ai.speech_to_text", "ai.translation")
	direct, err := p.Assess(g)
	if err != nil {
		t.Fatal(err)
	}
	g.ViaIntermediary = true
	g.Customer.Sectors = []string{"it_services"}
	via, err := p.Assess(g)
	if err != nil {
		t.Fatal(err)
	}
	if via.Priority < direct.Priority || via.TierRank < direct.TierRank || direct.Action != "restrict_capability" || via.Action != "suspend" {
		t.Fatalf("direct %d %s %s, via %d %s %s", direct.Priority, direct.Tier, direct.Action, via.Priority, via.Tier, via.Action)
	}
	// Measures already in place and still critical: terminate.
	for i := range g.Services {
		g.Services[i].Status = "suspended"
	}
	g.Capabilities = []string{"storage.object", "ai.speech_to_text", "ai.translation"} // as assessed before suspension
	a, err = p.Assess(g)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Escalated || a.Action != "terminate" {
		t.Fatalf("escalated: %v %s", a.Escalated, a.Action)
	}
}

// TestDigestCoversEveryFact changes every leaf of a full fact set, one at a
// time, and checks that the digest changes: a fact left out of the digest
// would let a changed relationship keep a stale assessment. Fields derived
// from others (the roles from Chain, capabilities and regions from
// Services) are changed through their source.
func TestDigestCoversEveryFact(t *testing.T) {
	full := func() *Facts {
		f := benign()
		securityEndUser(f, occupied, "military")
		f.Intermediaries = []PartyFact{f.Customer}
		f.Parents = []PartyFact{{ID: "M1", Sectors: []string{"x"}, Context: calm}}
		f.Chain = []PartyFact{f.Customer, f.EndUser, f.Parents[0]}
		f.Sources = []SourceFact{{ID: "S", PartyIDs: []string{"C1"}}}
		f.Matches = []MatchFact{{ID: "M"}}
		f.Signals = []SignalFact{{ID: "G"}}
		f.Grievances = []GrievanceFact{{ID: "G", Rights: []string{"privacy"}}}
		f.Declarations = []DeclarationFact{{ID: "D"}}
		return f
	}
	base, _ := digestFacts(full())
	derived := map[string]bool{"Customer": true, "EndUser": true, "Intermediaries": true, "Parents": true, "Capabilities": true, "Regions": true}
	// One mutator per leaf, each applied to a fresh fact set.
	var paths []string
	var mutators []func(*Facts)
	var collect func(path string, v reflect.Value, at func(*Facts) reflect.Value)
	collect = func(path string, v reflect.Value, at func(*Facts) reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				fld := v.Type().Field(i)
				if !fld.IsExported() || (path == "" && derived[fld.Name]) {
					continue
				}
				collect(path+"."+fld.Name, v.Field(i), func(f *Facts) reflect.Value { return at(f).Field(i) })
			}
		case reflect.Slice:
			if v.Len() > 0 {
				collect(path+"[0]", v.Index(0), func(f *Facts) reflect.Value { return at(f).Index(0) })
			}
		default:
			paths = append(paths, path)
			mutators = append(mutators, func(f *Facts) {
				x := at(f)
				switch x.Kind() {
				case reflect.String:
					x.SetString(x.String() + "?")
				case reflect.Bool:
					x.SetBool(!x.Bool())
				case reflect.Int, reflect.Int64:
					x.SetInt(x.Int() + 1)
				case reflect.Float64:
					x.SetFloat(x.Float() + 1)
				}
			})
		}
	}
	collect("", reflect.ValueOf(full()).Elem(), func(f *Facts) reflect.Value { return reflect.ValueOf(f).Elem() })
	for i, m := range mutators {
		f := full()
		m(f)
		if d, _ := digestFacts(f); d == base {
			t.Errorf("changing %s leaves the digest unchanged", paths[i])
		}
	}
	if len(paths) < 60 {
		t.Fatalf("only %d leaves checked", len(paths))
	}
}

// BenchmarkAssessFacts is the scoring of one relationship alone, without
// building its facts or storing it: a benign one (no flag fires) and the
// showcase (seven fire, with their explanations).
func BenchmarkAssessFacts(b *testing.B) {
	p, err := DefaultPolicyLoaded()
	if err != nil {
		b.Fatal(err)
	}
	show := benign()
	securityEndUser(show, occupied, "military", "intelligence")
	show.ViaIntermediary = true
	caps(show, "storage.object", "ai.speech_to_text", "ai.translation")
	for name, f := range map[string]*Facts{"benign": benign(), "showcase": show} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Assess(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
