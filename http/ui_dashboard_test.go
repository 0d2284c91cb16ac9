package http

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/grievance"
)

// TestUIDashboardWork checks the dashboard's work sections: open cases
// by tier with the overdue ones counted, the next deadlines, and the
// grievances and stakeholder promises past their dates, without any
// grievance's content.
func TestUIDashboardWork(t *testing.T) {
	ctx := context.Background()
	// The server's clock runs 40 days ahead: the cases opened now (critical
	// ones are due in 7 days) and the grievance (7 days to acknowledge) are
	// overdue by then.
	later := time.Now().AddDate(0, 0, 40)
	e := newUIEnv(t, WithClock(func() time.Time { return later }))

	cs, err := casework.NewService(e.store, casework.Config{})
	if err != nil {
		t.Fatal(err)
	}
	auto, err := cs.OpenFromAssessments(ctx, 3, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(auto.Opened) == 0 {
		t.Fatal("the fixture portfolio opened no critical case")
	}
	gst, err := grievance.StoreOf(e.store)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := grievance.NewService(gst, grievance.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gs.Submit(ctx, grievance.Submission{Channel: grievance.ChannelWeb, Language: "en", Subject: "Secret subject of a grievance",
		Description: "Confidential detail"}); err != nil {
		t.Fatal(err)
	}
	eng := &grievance.Engagement{Kind: grievance.EngagementLetterIn, StakeholderType: grievance.StakeholderCivilSociety,
		Stakeholders: "Six rights organisations", Date: vigil.MustDate("2026-11-01"), Asked: "Review every contract"}
	if err := gs.RecordEngagement(ctx, eng, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := gs.Promise(ctx, eng.ID, "Answer the letter in writing", vigil.Date{Time: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 10)}, "test"); err != nil {
		t.Fatal(err)
	}

	c := e.client(t)
	e.signIn(t, c, "auditor", uiPassword)
	_, dash, _ := e.get(t, c, "/ui/")
	for _, want := range []string{"Open cases by tier", "Next deadlines", "overdue since", "/ui/cases/",
		"Overdue grievances and promises", "1 grievance is past a deadline.", "Six rights organisations: Answer the letter in writing"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(dash, "Secret subject") || strings.Contains(dash, "Confidential detail") {
		t.Error("the dashboard shows a grievance's content")
	}
	// Every critical case is overdue 40 days on: the overdue count of the
	// tier equals its open count.
	n := len(auto.Opened)
	if !strings.Contains(dash, "<strong class=\"overdue\">"+strconv.Itoa(n)+"</strong>") {
		t.Errorf("the dashboard does not count %d overdue critical cases", n)
	}
}
