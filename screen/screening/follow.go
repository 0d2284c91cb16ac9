package screening

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/vigil-hrdd/vigil"
)

// maxNarrowed is how many changed parties a followed batch of events may
// name before the run screens the whole portfolio's changes instead: past
// it, reading every party once is cheaper than reading each by id.
const maxNarrowed = 1000

// Trigger is what an outbox event asks of screening.
type Trigger struct {
	// Parties were created or changed one by one (their ids), or are at
	// either end of a changed link (a unit's parent body is part of what is
	// screened of it).
	Parties []string
	// All: a list version was stored or an import changed parties or
	// links, so the changes are found by comparing every party's screened
	// content and every list's screened version (a delta run).
	All bool
}

// TriggerOf reads what an event asks of screening; false when nothing.
// Screening's own events (runs, matches, decisions) ask nothing, so a
// follower never feeds on its own records.
func TriggerOf(ev *vigil.Event) (Trigger, bool) {
	switch ev.Type {
	case vigil.EventListImported:
		return Trigger{All: true}, true
	case "import.completed":
		var sum struct {
			Kind             vigil.Kind
			Created, Updated int64
		}
		if json.Unmarshal(ev.Payload, &sum) != nil || sum.Created+sum.Updated == 0 {
			return Trigger{}, false
		}
		if sum.Kind != vigil.KindParty && sum.Kind != vigil.KindLink {
			return Trigger{}, false
		}
		return Trigger{All: true}, true
	case vigil.RecordEventType(vigil.KindParty, "created"), vigil.RecordEventType(vigil.KindParty, "updated"):
		// Not vigil.RecordEventPayload: its Record is an interface, which
		// JSON cannot fill.
		var p struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(ev.Payload, &p) != nil || p.ID == "" {
			return Trigger{}, false
		}
		return Trigger{Parties: []string{p.ID}}, true
	case vigil.RecordEventType(vigil.KindLink, "created"), vigil.RecordEventType(vigil.KindLink, "updated"):
		var p struct {
			Record vigil.Link `json:"record"`
		}
		if json.Unmarshal(ev.Payload, &p) != nil || p.Record.From == "" {
			return Trigger{}, false
		}
		return Trigger{Parties: []string{p.Record.From, p.Record.To}}, true
	}
	return Trigger{}, false
}

// ScreenSince reads the outbox after sequence number after and screens
// what its events changed: the parties created or changed one by one
// (narrowed delta run), or, after a list version or an import of parties
// or links, every change (delta run). It returns the last sequence number
// read, to pass next time, and the run (nil when none was needed). Until a
// list is stored there is nothing to screen against; the first list's
// import then runs a full screening. Runs compare stored contents, so
// reading the same events twice (after a crash before the caller saved the
// sequence number) screens nothing twice.
func (s *Service) ScreenSince(ctx context.Context, after int64, actor string) (int64, *Run, error) {
	last := after
	var tr Trigger
	for {
		evs, err := s.recs.ListEvents(ctx, last, 1000)
		if err != nil {
			return after, nil, fmt.Errorf("screening since event %d: %w", after, err)
		}
		for _, ev := range evs {
			if t, ok := TriggerOf(ev); ok {
				tr.All = tr.All || t.All
				if !tr.All && len(tr.Parties) <= maxNarrowed {
					tr.Parties = append(tr.Parties, t.Parties...)
				}
			}
			last = ev.Seq
		}
		if len(evs) < 1000 {
			break
		}
	}
	if len(tr.Parties) > maxNarrowed {
		tr.All = true
	}
	if !tr.All && len(tr.Parties) == 0 {
		return last, nil, nil
	}
	ls, err := s.st.Lists(ctx)
	if err != nil {
		return after, nil, err
	}
	if len(ls) == 0 {
		return last, nil, nil
	}
	req := RunRequest{Delta: true, Actor: actor}
	if !tr.All {
		slices.Sort(tr.Parties)
		req.Parties = slices.Compact(tr.Parties)
	}
	run, err := s.Run(ctx, req)
	if err != nil {
		return after, nil, err
	}
	return last, run, nil
}
