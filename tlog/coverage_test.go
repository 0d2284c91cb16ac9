package tlog_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/tlog"
)

// TestEveryStateChangeReachesTheLog enumerates the methods of vigil.Store
// by reflection. Each is either a read, the outbox's own bookkeeping, or a
// state change; every state change is exercised on the real SQLite store and
// must leave at least one event that the relay logs and that proves. A
// method added to the contract without being classified here fails the test,
// so no state-changing path can bypass the proof log unnoticed.
func TestEveryStateChangeReachesTheLog(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { testEveryStateChange(t, kind) })
	}
}

func testEveryStateChange(t *testing.T, kind string) {
	ctx := context.Background()
	dir := t.TempDir()
	store := openStoreKind(t, kind, dir)
	signer := mustSigner(t)
	l := mustOpenLog(t, filepath.Join(dir, "log"), signer)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	v := mustVerifier(t, signer)
	now := time.Now()

	reads := []string{"Get", "List", "Count", "LinksOf", "GetUser", "ListUsers", "UserByTokenHash", "GetEvent", "PendingEvents", "ListEvents", "Ping", "Close"}
	outbox := []string{"MarkLogged"} // records log indexes; logging it would recurse
	party := &vigil.Party{ID: "P1", Type: vigil.PartyCompany, Name: "Acme Cloud", Country: "DE"}
	token := &vigil.Token{ID: "T1", UserID: "u1", Name: "ci", CreatedAt: now}
	_, token.Hash = vigil.NewTokenSecret()
	changes := map[string]func() error{
		"Create": func() error { return store.Create(ctx, party, "tester") },
		"Update": func() error {
			p := *party
			p.Notes = "reviewed"
			return store.Update(ctx, &p, "tester")
		},
		"Import": func() error {
			_, err := store.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Actor: "tester", File: "parties.csv",
				Source: &vigil.SliceSource[*vigil.Party]{Records: []*vigil.Party{{ID: "P2", Type: vigil.PartyPerson, Name: "J. Doe", Country: "FR"}}}})
			return err
		},
		"CreateUser": func() error {
			return store.CreateUser(ctx, &vigil.User{ID: "u1", Name: "Una", Email: "una@example.org", Role: vigil.RoleAnalyst, CreatedAt: now}, "tester")
		},
		"CreateToken": func() error { return store.CreateToken(ctx, token, "tester") },
		"RevokeToken": func() error { return store.RevokeToken(ctx, token.ID, "tester") },
		"RecordEvent": func() error {
			ev, err := vigil.NewEvent("decision.recorded", "decisions/D1", "tester", now, map[string]string{"outcome": "refuse"})
			if err != nil {
				return err
			}
			return relay.Record(ctx, ev)
		},
		"RecordEvents": func() error {
			var evs []*vigil.Event
			for i := range 3 {
				ev, err := vigil.NewEvent("grievance.step", "grievances/G1", "tester", now, map[string]int{"step": i})
				if err != nil {
					return err
				}
				evs = append(evs, ev)
			}
			return store.RecordEvents(ctx, evs)
		},
	}

	st := reflect.TypeFor[vigil.Store]()
	var order []string
	for i := range st.NumMethod() {
		name := st.Method(i).Name
		_, isChange := changes[name]
		if !isChange && !slices.Contains(reads, name) && !slices.Contains(outbox, name) {
			t.Errorf("vigil.Store.%s is not classified: if it changes state it must write an event; add it to this test", name)
		}
		if isChange {
			order = append(order, name)
		}
	}
	// Dependencies first: the user before its token, the token before its
	// revocation, the record before its update.
	want := []string{"Create", "Update", "Import", "CreateUser", "CreateToken", "RevokeToken", "RecordEvent", "RecordEvents"}
	slices.SortFunc(order, func(a, b string) int { return slices.Index(want, a) - slices.Index(want, b) })

	f, _ := tlog.NewFetcher(l.Dir(), nil)
	var after int64
	for _, name := range order {
		if err := changes[name](); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		evs, err := store.ListEvents(ctx, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			t.Fatalf("%s changed state without writing an event", name)
		}
		after = evs[len(evs)-1].Seq
		if _, err := relay.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			logged, err := store.GetEvent(ctx, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, err := tlog.Prove(ctx, f, v, logged)
			if err != nil {
				t.Fatalf("%s: event %s (%s): %v", name, ev.ID, ev.Type, err)
			}
			if _, err := tlog.Check(b, v); err != nil {
				t.Fatalf("%s: event %s (%s): %v", name, ev.ID, ev.Type, err)
			}
			t.Logf("%s -> %s logged at %d", name, ev.Type, logged.LeafIndex)
		}
	}
}
