package tlog_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// The screening store's surface: list versions, runs and decisions each
// write their events in the same transaction; the risk engine's read of
// match facts (risk.MatchSource) is a read.
func init() {
	extSurfaces = append(extSurfaces, screeningSurface, matchSourceSurface)
}

func screeningSurface(t *testing.T, ctx context.Context, store vigil.Store, now time.Time) extSurface {
	ss, err := screening.StoreOf(store)
	if err != nil {
		t.Fatal(err)
	}
	ent := screen.Entity{ID: "csv:1", List: "csv", Type: "organization", Names: []screen.Name{{Value: "Northern Signals Brigade 4471", Kind: "primary"}}}
	entry := screening.Entry{List: "cov", Version: 1, Hash: screening.EntityHash(ent), Entity: ent}
	version := func(v int, upsert []screening.Entry, remove []string, changes []screening.EntryChange) screening.NewVersion {
		return screening.NewVersion{Base: v - 1, Upsert: upsert, Remove: remove, Changes: changes,
			Version: screening.ListVersion{List: "cov", Version: v, Format: "csv", Kind: "watchlist", File: "cov.csv", FileDigest: fmt.Sprint("f", v),
				ContentDigest: fmt.Sprint("c", v), Entries: len(upsert), Added: len(upsert), Removed: len(remove), ImportedAt: now, ImportedBy: "tester"}}
	}
	matchID := screening.MatchID("P1", "cov", "csv:1")
	wantStatus := func(status string) func() error {
		return func() error {
			m, err := ss.GetMatch(ctx, matchID)
			if err == nil && m.Status != status {
				err = fmt.Errorf("match is %s, want %s", m.Status, status)
			}
			return err
		}
	}
	decide := func(status string) func() error {
		return func() error {
			_, err := ss.DecideMatch(ctx, screening.DecideRequest{MatchID: matchID, Status: status, Reason: "checked the registry", Actor: "amira", At: now})
			return err
		}
	}
	return extSurface{
		iface: reflect.TypeFor[screening.Store](),
		reads: []string{"Lists", "ListVersions", "ListChanges", "ListEntries", "EntriesSince", "ScreeningCursor", "GetMatch", "ListMatches"},
		cases: []extCase{
			{method: "SaveListVersion", what: "a first version", want: []string{vigil.EventListImported},
				run: func() error {
					return ss.SaveListVersion(ctx, version(1, []screening.Entry{entry}, nil,
						[]screening.EntryChange{{List: "cov", Version: 1, EntryID: ent.ID, Change: screening.ChangeAdded, Entity: ent}}))
				},
				check: func() error {
					es, err := ss.ListEntries(ctx, "cov")
					if err == nil && len(es) != 1 {
						err = fmt.Errorf("%d entries, want 1", len(es))
					}
					return err
				}},
			{method: "SaveRun", what: "a full run that finds one match", want: []string{vigil.EventScreeningRun, vigil.EventScreeningMatch},
				run: func() error {
					_, err := ss.SaveRun(ctx, screening.RunResult{All: true,
						Run:      screening.Run{ID: "SRCOV1", Mode: "full", StartedAt: now, FinishedAt: now, Actor: "tester", Lists: map[string]int{"cov": 1}, Parties: 1},
						Parties:  []screening.PartyState{{PartyID: "P1", Hash: "h1"}},
						Findings: []screening.Finding{{PartyID: "P1", PartyName: "Northern Signals Brigade 4471", PartyHash: "h1", Entry: entry, ListKind: "watchlist", Score: 0.97, Decision: screen.Match}}})
					return err
				},
				check: wantStatus(screening.StatusPending)},
			{method: "DecideMatch", what: "a confirmation", want: []string{vigil.EventScreeningConfirmed},
				run: decide(screening.StatusConfirmed), check: wantStatus(screening.StatusConfirmed)},
			{method: "DecideMatch", what: "a dismissal", want: []string{vigil.EventScreeningDismissed},
				run: decide(screening.StatusDismissed), check: wantStatus(screening.StatusDismissed)},
			{method: "SaveListVersion", what: "a version removing the entry", want: []string{vigil.EventListImported},
				run: func() error {
					return ss.SaveListVersion(ctx, version(2, nil, []string{ent.ID},
						[]screening.EntryChange{{List: "cov", Version: 2, EntryID: ent.ID, Change: screening.ChangeRemoved, Entity: ent}}))
				},
				check: func() error {
					es, err := ss.ListEntries(ctx, "cov")
					if err == nil && len(es) != 0 {
						err = fmt.Errorf("%d entries, want 0", len(es))
					}
					return err
				}},
		},
	}
}

func matchSourceSurface(t *testing.T, ctx context.Context, store vigil.Store, now time.Time) extSurface {
	return extSurface{iface: reflect.TypeFor[risk.MatchSource](), reads: []string{"ScreeningMatchFacts"}}
}
