package report_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/report"
)

// Only approved decisions marked public, decided within the period, name
// their customer; every other decision stays a count.
func checkNamedDecisions(t *testing.T, s store) {
	ctx := context.Background()
	writePortfolio(t, s)
	cs, ok := any(s).(casework.Store)
	if !ok {
		t.Fatalf("%T keeps no cases", s)
	}
	must(t, s.CreateUser(ctx, &vigil.User{ID: "analyst", Name: "analyst", Role: vigil.RoleAnalyst}, "tester"))
	must(t, s.CreateUser(ctx, &vigil.User{ID: "approver", Name: "approver", Role: vigil.RoleApprover}, "tester"))
	decide := func(party string, public bool, status casework.DecisionStatus, when string) {
		t.Helper()
		c := &casework.Case{Title: "about " + party, Priority: "critical", PartyIDs: []string{party}}
		must(t, cs.CreateCase(ctx, c, "analyst"))
		d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionEngage, Reasons: "engage first", Public: public, Status: casework.DecisionProposed}
		must(t, cs.CreateDecision(ctx, d, "analyst"))
		_, err := cs.DecideDecision(ctx, d.ID, status, "approver", "reasons given", at(when))
		must(t, err)
	}
	decide("E00", true, casework.DecisionApproved, "2026-05-02T10:00:00Z")  // named
	decide("E01", false, casework.DecisionApproved, "2026-05-03T10:00:00Z") // counted only
	decide("E02", true, casework.DecisionRejected, "2026-05-04T10:00:00Z")  // not a decision taken
	decide("E03", true, casework.DecisionApproved, "2025-12-31T23:00:00Z")  // another period

	p, err := report.ParsePeriod("2026")
	must(t, err)
	doc, err := report.Build(ctx, s, report.Options{Period: p, Now: at("2026-12-05T08:00:00Z")})
	must(t, err)
	if len(doc.Named) != 1 || doc.Named[0].Type != "engage" || strings.Join(doc.Named[0].Parties, ",") != "End user E00" {
		t.Fatalf("named decisions = %+v, want only the public engagement of E00", doc.Named)
	}
	for _, lang := range report.Languages {
		r, err := report.Render(doc, report.TemplateUNGP, lang, "md")
		must(t, err)
		body := string(r.Body)
		if !strings.Contains(body, "End user E00") {
			t.Errorf("%s report does not name the public decision's customer", lang)
		}
		for _, hidden := range []string{"End user E01", "End user E02", "End user E03"} {
			if strings.Contains(body, hidden) {
				t.Errorf("%s report names %s, whose decision is not public in the period", lang, hidden)
			}
		}
	}
}

func TestNamedDecisionsSQLite(t *testing.T) { checkNamedDecisions(t, openSQLite(t)) }

func TestNamedDecisionsPostgres(t *testing.T) {
	checkNamedDecisions(t, pgtest.Open(t, "report_named"))
}
