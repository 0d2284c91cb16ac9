package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/risk"
)

// demoGrievances gives the demo's grievance channel and engagement record
// something to show: three grievances at different stages (one linked to
// the showcase case and answered, one acknowledged, one just received),
// and a letter from civil-society organisations with a promise to answer
// by a date, as in the public case that motivates Vigil. All text is
// invented and names no real party; the submissions are anonymous, so no
// contact details (and no grievance key) are involved.
func demoGrievances(ctx context.Context, g *globals, s vigil.Store, w io.Writer) error {
	gs, err := grievance.StoreOf(s)
	if err != nil {
		return err
	}
	cfg, err := g.grievanceConfig()
	if err != nil {
		return err
	}
	svc, err := grievance.NewService(gs, cfg)
	if err != nil {
		return err
	}
	officer, err := demoUser(ctx, s, "demo-officer", "Demo Grievance Officer", vigil.RoleGrievanceOfficer)
	if err != nil {
		return err
	}
	var caseIDs, partyIDs []string
	if rs, ok := s.(risk.AssessmentStore); ok {
		top, err := rs.TopAssessments(ctx, risk.TopFilter{Limit: 1, MinTierRank: 1})
		if err != nil {
			return err
		}
		if len(top) > 0 {
			partyIDs = []string{top[0].EndUserID}
			if cs, err := casework.StoreOf(s); err == nil {
				if c, err := cs.OpenCaseFor(ctx, top[0].ID); err == nil {
					caseIDs = []string{c.ID}
				}
			}
		}
	}
	submissions := []grievance.Submission{
		{Channel: grievance.ChannelWeb, Language: "en", Subject: "Recorded calls of our town transcribed abroad",
			Description: "Residents believe their phone calls are stored and transcribed on a commercial cloud by a security unit that controls the area.",
			About:       "A security unit in an occupied district"},
		{Channel: grievance.ChannelWeb, Language: "fr", Subject: "Reconnaissance faciale aux points de contrôle",
			Description: "Des habitants signalent des contrôles d’identité par reconnaissance faciale à chaque passage."},
		{Channel: grievance.ChannelAPI, Language: "en", Subject: "Former contractor: translation at scale for a ministry",
			Description: "A former contractor reports bulk translation of intercepted messages through an integrator."},
	}
	var ids []string
	for _, sub := range submissions {
		rc, err := svc.Submit(ctx, sub)
		if err != nil {
			return fmt.Errorf("demo grievance: %w", err)
		}
		ids = append(ids, rc.ID)
	}
	steps := []func() error{
		func() error {
			_, err := svc.Acknowledge(ctx, ids[0], "We received your grievance and opened a review of the service concerned.", officer.ID)
			return err
		},
		func() error {
			_, err := svc.Triage(ctx, ids[0], grievance.Triage{PartyIDs: partyIDs, CaseIDs: caseIDs, Note: "Matches the showcase case."}, officer.ID)
			return err
		},
		func() error {
			_, err := svc.Answer(ctx, ids[0], "The subscriptions concerned were suspended after review; usage telemetry confirms the services stopped.", officer.ID)
			return err
		},
		func() error {
			_, err := svc.Close(ctx, ids[0], grievance.OutcomeUpheld, true, "Led to the suspension decided in the linked case.", officer.ID)
			return err
		},
		func() error {
			_, err := svc.Acknowledge(ctx, ids[1], "Nous avons bien reçu votre réclamation.", officer.ID)
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo grievance: %w", err)
		}
	}
	eng := &grievance.Engagement{Kind: grievance.EngagementLetterIn, StakeholderType: grievance.StakeholderCivilSociety,
		Stakeholders: "Six human-rights organisations (joint letter)", Date: vigil.Date{Time: time.Now().UTC().Truncate(24 * time.Hour)},
		Asked:    "Review every contract with military and government authorities in conflict-affected areas, suspend services that contribute to abuses, and disclose what was done.",
		PartyIDs: partyIDs, CaseIDs: caseIDs}
	if err := svc.RecordEngagement(ctx, eng, officer.ID); err != nil {
		return fmt.Errorf("demo engagement: %w", err)
	}
	due := vigil.Date{Time: eng.Date.Time.AddDate(0, 0, 21)}
	if _, err := svc.Promise(ctx, eng.ID, "Answer the letter in writing, with the outcome of the contract review.", due, officer.ID); err != nil {
		return fmt.Errorf("demo promise: %w", err)
	}
	fmt.Fprintf(w, "grievances: %d received (one answered and closed with action, one acknowledged, one new); 1 letter from civil society with a promise due %s\n",
		len(ids), due.Format("2006-01-02"))
	return nil
}
