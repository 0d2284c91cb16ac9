package risk

import (
	"encoding/json"
	"testing"
)

func TestQuickShowcase(t *testing.T) {
	p, err := DefaultPolicyLoaded()
	if err != nil {
		t.Fatal(err)
	}
	occ := ContextFact{Territory: "XX-12", Status: "occupation", HighRisk: true}
	f := &Facts{Relationship: "A1~P3", Account: AccountFact{ID: "A1"},
		Customer:        PartyFact{ID: "P1", Type: "company", Sectors: []string{"reseller"}, Context: ContextFact{Status: "none"}},
		EndUser:         PartyFact{ID: "P3", Type: "security_unit", Sectors: []string{"military", "intelligence"}, Context: occ},
		ViaIntermediary: true,
		Intermediaries:  []PartyFact{{ID: "P1"}, {ID: "P2"}},
		Contexts:        []ContextFact{occ},
		Services:        []ServiceFact{{Service: "object-storage", Status: "active", Capabilities: []string{"storage.object"}}, {Service: "speech-to-text", Status: "active", Capabilities: []string{"ai.speech_to_text"}}, {Service: "translation", Status: "active", Capabilities: []string{"ai.translation"}}},
	}
	f.finish()
	a, err := p.Assess(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(a, "", "  ")
	t.Log(string(b))
}
