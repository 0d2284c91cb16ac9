package risk_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/risk"
)

// BenchmarkRecomputeOneFactEnriched is BenchmarkRecomputeOneFact with every
// enricher the store feeds, on a portfolio with 1,000 open grievances
// triaged to parties and 200 condition decisions carrying a refusal: the
// incremental path reads every open grievance and every decision with a
// response once per recompute, which this measures.
func BenchmarkRecomputeOneFactEnriched(b *testing.B) {
	n := benchParties(b)
	db := copyDB(b, benchDB(b, n))
	p, err := risk.DefaultPolicyLoaded()
	must(b, err)
	e := risk.NewEngine(db, p, risk.Options{Logger: quiet(), Enrichers: risk.EnrichersFor(db)})
	if _, err := e.AssessAll(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	top, err := db.TopAssessments(ctx, risk.TopFilter{Limit: 2000})
	must(b, err)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		id := fmt.Sprintf("GB%05d", i)
		must(b, db.CreateGrievance(ctx, &grievance.Grievance{ID: id, Channel: grievance.ChannelWeb, Subject: "s", Description: "d",
			Status: grievance.StatusReceived, ReceivedAt: now, AckDue: now.AddDate(0, 0, 7), AnswerDue: now.AddDate(0, 0, 30)}, nil, "h"+id, "public"))
		_, err := db.TriageGrievance(ctx, id, grievance.Triage{PartyIDs: []string{top[i%len(top)].EndUserID}}, "officer", now)
		must(b, err)
	}
	must(b, db.CreateUser(ctx, &vigil.User{ID: "amira", Name: "Amira", Role: vigil.RoleAnalyst}, "bench"))
	for i := range 200 {
		r := top[(i*7)%len(top)]
		c := &casework.Case{Title: "bench", Priority: "high", AssessmentIDs: []string{r.ID}, Due: now.AddDate(0, 0, 30)}
		must(b, db.CreateCase(ctx, c, "amira"))
		d := &casework.Decision{CaseID: c.ID, Type: casework.DecisionCondition, Status: casework.DecisionApproved, Reasons: "r", Conditions: "c", AssessmentID: r.ID}
		must(b, db.CreateDecision(ctx, d, "amira"))
		_, err := db.RecordResponse(ctx, d.ID, &casework.Response{Kind: casework.AssuranceEndUse, Answer: casework.AnswerRefused}, "amira", now)
		must(b, err)
	}
	if _, err := e.AssessAll(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	var targets []string
	for _, r := range top {
		if r.EndUserID != r.CustomerID {
			targets = append(targets, r.EndUserID)
		}
	}
	i := 0
	var stored int
	for b.Loop() {
		b.StopTimer()
		i++
		src := &vigil.Source{ID: fmt.Sprintf("BENCH%07d", i), Title: "Benchmark report", Reliability: "A", Credibility: 1 + i%6,
			PartyIDs: []string{targets[i%len(targets)]}}
		must(b, db.Create(ctx, src, "bench"))
		b.StartTimer()
		sum, err := e.Recompute(ctx, risk.Change{Sources: []string{src.ID}}, "bench")
		must(b, err)
		stored += sum.Stored
	}
	b.ReportMetric(float64(stored)/float64(b.N), "stored/op")
}
