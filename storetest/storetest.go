// Package storetest is the conformance suite of the vigil.Store contract.
// Every store implementation runs it from its own tests, so SQLite and
// PostgreSQL behave the same.
package storetest

import (
	"context"
	"errors"
	"fmt"

	"slices"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
)

// Opener returns a new, empty store for one test. The store is closed by
// the suite.
type Opener func(t *testing.T) vigil.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store)
	}{
		{"CreateGetUpdate", testCreateGetUpdate},
		{"CreateRefusesDuplicatesAndBadInput", testCreateRefuses},
		{"EmptyListsHaveOneForm", testEmptyListsHaveOneForm},
		{"ListFiltersAndPages", testList},
		{"ImportIsIdempotent", testImportIdempotent},
		{"ImportIsAllOrNothing", testImportAllOrNothing},
		{"ImportRefusesDanglingReferences", testImportRefs},
		{"EveryChangeWritesAnEvent", testEvents},
		{"OutboxMarks", testOutbox},
		{"UsersAndTokens", testUsersTokens},
		{"WalkResellerChains", testWalk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) *vigil.Error {
	t.Helper()
	if got := vigil.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	var e *vigil.Error
	errors.As(err, &e)
	return e
}

func party(id, name, country string, sectors ...string) *vigil.Party {
	return &vigil.Party{ID: id, Type: vigil.PartyGovernment, Name: name, Country: country, Sectors: sectors, Aliases: []string{}, Identifiers: []vigil.Identifier{}}
}

func day(s string) vigil.Date { return vigil.MustDate(s) }

// seed writes a small portfolio: a service, three parties, a link, an
// account and a subscription.
func seed(t *testing.T, s vigil.Store) {
	t.Helper()
	must(t, s.Create(ctx, &vigil.Service{ID: "svc-stt", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}}, "tester"))
	must(t, s.Create(ctx, party("P1", "Ministry of Works", "NO", "government"), "tester"))
	must(t, s.Create(ctx, party("P2", "Border Police", "NO-03", "police", "border"), "tester"))
	must(t, s.Create(ctx, party("P3", "Integrator Ltd", "BB"), "tester"))
	must(t, s.Create(ctx, &vigil.Link{ID: "L1", From: "P2", To: "P1", Type: vigil.LinkUnitOf}, "tester"))
	must(t, s.Create(ctx, &vigil.Account{ID: "A1", PartyID: "P3", Name: "Integrator main"}, "tester"))
	must(t, s.Create(ctx, &vigil.Subscription{ID: "S1", AccountID: "A1", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: day("2025-01-02"), Status: vigil.SubscriptionActive}, "tester"))
}

func testCreateGetUpdate(t *testing.T, s vigil.Store) {
	seed(t, s)
	p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P2")
	must(t, err)
	if p.Name != "Border Police" || p.Country != "NO-03" || !slices.Equal(p.Sectors, []string{"police", "border"}) {
		t.Fatalf("got %+v", p)
	}
	if p.CreatedBy != "tester" || p.CreatedAt.IsZero() || p.UpdatedBy != "tester" {
		t.Fatalf("metadata not set: %+v", p.Meta)
	}
	created := p.CreatedAt
	p.Name = "Border Guard Service"
	p.Aliases = []string{"BGS", "Служба охраны границы"}
	must(t, s.Update(ctx, p, "editor"))
	got, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P2")
	must(t, err)
	if got.Name != "Border Guard Service" || !slices.Equal(got.Aliases, p.Aliases) {
		t.Fatalf("update not stored: %+v", got)
	}
	if got.UpdatedBy != "editor" || got.CreatedBy != "tester" || !got.CreatedAt.Equal(created) {
		t.Fatalf("metadata after update: %+v", got.Meta)
	}
	sub, err := vigil.GetAs[*vigil.Subscription](ctx, s, vigil.KindSubscription, "S1")
	must(t, err)
	if sub.StartedOn != day("2025-01-02") || sub.Status != vigil.SubscriptionActive {
		t.Fatalf("subscription: %+v", sub)
	}
	_, err = s.Get(ctx, vigil.KindParty, "nope")
	wantCode(t, err, vigil.ENOTFOUND)
	wantCode(t, s.Update(ctx, party("nope", "X", "NO"), "editor"), vigil.ENOTFOUND)
	n, err := s.Count(ctx, vigil.KindParty)
	must(t, err)
	if n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
}

func testEmptyListsHaveOneForm(t *testing.T, s vigil.Store) {
	// Created with nil lists (as an API client omitting them would).
	must(t, s.Create(ctx, &vigil.Party{ID: "N1", Type: vigil.PartyCompany, Name: "No lists"}, "tester"))
	p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "N1")
	must(t, err)
	if p.Aliases == nil || p.Sectors == nil || p.Identifiers == nil {
		t.Fatalf("nil lists came back: %+v", p)
	}
	// The same record imported with empty lists is unchanged.
	sum, err := importParties(t, s, []*vigil.Party{{ID: "N1", Type: vigil.PartyCompany, Name: "No lists", Aliases: []string{}, Sectors: []string{}, Identifiers: []vigil.Identifier{}}})
	must(t, err)
	if sum.Unchanged != 1 {
		t.Fatalf("nil and empty lists hash differently: %+v", sum)
	}
}

func testCreateRefuses(t *testing.T, s vigil.Store) {
	seed(t, s)
	wantCode(t, s.Create(ctx, party("P1", "Again", "NO"), "tester"), vigil.ECONFLICT)
	e := wantCode(t, s.Create(ctx, party("P9", "Bad country", "ZZZ"), "tester"), vigil.EINVALID)
	if e.Field != "country" {
		t.Fatalf("field = %q, want country", e.Field)
	}
	e = wantCode(t, s.Create(ctx, &vigil.Link{ID: "L9", From: "P1", To: "P404", Type: vigil.LinkOwns}, "tester"), vigil.EINVALID)
	if e.Field != "to" {
		t.Fatalf("field = %q, want to", e.Field)
	}
	if _, err := s.Get(ctx, vigil.KindLink, "L9"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatalf("refused link was stored: %v", err)
	}
}

func testList(t *testing.T, s vigil.Store) {
	var parties []*vigil.Party
	for i := range 25 {
		country := "NO"
		if i%5 == 0 {
			country = "BB"
		}
		sectors := []string{"telecom"}
		if i%2 == 0 {
			sectors = []string{"military", "intelligence"}
		}
		parties = append(parties, party(fmt.Sprintf("P%03d", i), fmt.Sprintf("Unit %d_x", i), country, sectors...))
	}
	_, err := s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: parties}, Actor: "tester"})
	must(t, err)

	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		page, err := s.List(ctx, vigil.KindParty, vigil.ListOptions{Limit: 10, After: after})
		must(t, err)
		for _, r := range page.Items {
			ids = append(ids, r.RecordID())
		}
		if page.Next == "" {
			if pages != 2 {
				t.Fatalf("got %d pages, want 3", pages+1)
			}
			break
		}
		after = page.Next
	}
	if len(ids) != 25 || !slices.IsSorted(ids) || ids[0] != "P000" {
		t.Fatalf("paged ids: %v", ids)
	}

	count := func(opt vigil.ListOptions) int {
		t.Helper()
		opt.Limit = 1000
		page, err := s.List(ctx, vigil.KindParty, opt)
		must(t, err)
		return len(page.Items)
	}
	if n := count(vigil.ListOptions{Filters: map[string]string{"country": "BB"}}); n != 5 {
		t.Errorf("country=BB: %d, want 5", n)
	}
	if n := count(vigil.ListOptions{Filters: map[string]string{"sector": "military"}}); n != 13 {
		t.Errorf("sector=military: %d, want 13", n)
	}
	if n := count(vigil.ListOptions{Filters: map[string]string{"sector": "milit"}}); n != 0 {
		t.Errorf("sector=milit matched %d: list filters must match whole tags", n)
	}
	if n := count(vigil.ListOptions{Filters: map[string]string{"sector": "military", "country": "BB"}}); n != 3 {
		t.Errorf("sector=military&country=BB: %d, want 3", n)
	}
	if n := count(vigil.ListOptions{Query: "UNIT 1"}); n != 11 {
		t.Errorf("q=UNIT 1: %d, want 11", n)
	}
	if n := count(vigil.ListOptions{Query: "%"}); n != 0 {
		t.Errorf("q=%%: %d, want 0 (wildcards are literal)", n)
	}
	if n := count(vigil.ListOptions{Query: "1_x"}); n != 3 {
		t.Errorf("q=1_x: %d, want 3 (underscore is literal)", n)
	}
	_, err = s.List(ctx, vigil.KindParty, vigil.ListOptions{Filters: map[string]string{"colour": "red"}})
	wantCode(t, err, vigil.EINVALID)
	_, err = s.List(ctx, vigil.KindParty, vigil.ListOptions{Limit: 5000})
	wantCode(t, err, vigil.EINVALID)
	_, err = s.List(ctx, vigil.KindParty, vigil.ListOptions{After: "%%%"})
	wantCode(t, err, vigil.EINVALID)
	for kind, fields := range vigil.FilterFields {
		for _, f := range fields {
			if _, err := s.List(ctx, kind, vigil.ListOptions{Filters: map[string]string{f: "x"}}); err != nil {
				t.Errorf("%s filter %s: %v", kind, f, err)
			}
		}
	}
}

func importParties(t *testing.T, s vigil.Store, ps []*vigil.Party) (vigil.ImportSummary, error) {
	t.Helper()
	return s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Party]{Records: ps}, Actor: "importer", File: "parties.csv", SHA256: "00"})
}

func manyParties(n int) []*vigil.Party {
	ps := make([]*vigil.Party, n)
	for i := range ps {
		ps[i] = party(fmt.Sprintf("Q%05d", i), fmt.Sprintf("Party %d", i), "NO")
	}
	return ps
}

func testImportIdempotent(t *testing.T, s vigil.Store) {
	ps := manyParties(2500) // more than one batch
	sum, err := importParties(t, s, ps)
	must(t, err)
	if sum.Created != 2500 || sum.Updated != 0 || sum.Unchanged != 0 || sum.EventID == "" {
		t.Fatalf("first import: %+v", sum)
	}
	sum, err = importParties(t, s, manyParties(2500))
	must(t, err)
	if sum.Created != 0 || sum.Updated != 0 || sum.Unchanged != 2500 {
		t.Fatalf("second import: %+v", sum)
	}
	before, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "Q00007")
	must(t, err)
	changed := manyParties(2500)
	changed[7].Name = "Renamed"
	changed = append(changed, party("Q99999", "New one", "BB"))
	sum, err = importParties(t, s, changed)
	must(t, err)
	if sum.Created != 1 || sum.Updated != 1 || sum.Unchanged != 2499 {
		t.Fatalf("third import: %+v", sum)
	}
	after, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "Q00007")
	must(t, err)
	if after.Name != "Renamed" || !after.CreatedAt.Equal(before.CreatedAt) || after.CreatedBy != "importer" {
		t.Fatalf("updated record: %+v (before %+v)", after, before)
	}
}

func testImportAllOrNothing(t *testing.T, s vigil.Store) {
	ps := manyParties(1500)
	ps[1200].Country = "not-a-country"
	_, err := importParties(t, s, ps)
	e := wantCode(t, err, vigil.EINVALID)
	if e.Row != 1200 || e.Field != "country" {
		t.Fatalf("error row %d field %q, want 1200 country", e.Row, e.Field)
	}
	n, err := s.Count(ctx, vigil.KindParty)
	must(t, err)
	if n != 0 {
		t.Fatalf("%d parties written by a failed import", n)
	}
	evs, err := s.ListEvents(ctx, 0, 10)
	must(t, err)
	if len(evs) != 0 {
		t.Fatalf("failed import left %d events", len(evs))
	}
	// A source that fails midway (a read error) also leaves nothing.
	_, err = s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &failingSource{n: 1100}, Actor: "importer"})
	if err == nil {
		t.Fatal("import from a failing source succeeded")
	}
	n, err = s.Count(ctx, vigil.KindParty)
	must(t, err)
	if n != 0 {
		t.Fatalf("%d parties written by an interrupted import", n)
	}
}

type failingSource struct{ i, n int }

func (f *failingSource) Next() (vigil.Record, error) {
	if f.i == f.n {
		return nil, errors.New("disk on fire")
	}
	f.i++
	return party(fmt.Sprintf("F%05d", f.i), "F", "NO"), nil
}

func testImportRefs(t *testing.T, s vigil.Store) {
	seed(t, s)
	links := []*vigil.Link{
		{ID: "L2", From: "P1", To: "P3", Type: vigil.LinkOwns, Share: 51},
		{ID: "L3", From: "P3", To: "P404", Type: vigil.LinkResellsTo},
	}
	_, err := s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &vigil.SliceSource[*vigil.Link]{Records: links}, Actor: "importer"})
	e := wantCode(t, err, vigil.EINVALID)
	if e.Row != 1 || e.Field != "to" {
		t.Fatalf("row %d field %q, want 1 to", e.Row, e.Field)
	}
	if _, err := s.Get(ctx, vigil.KindLink, "L2"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatal("first link of a refused import was stored")
	}
	// A record of the wrong kind is refused too.
	_, err = s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &vigil.SliceSource[*vigil.Link]{Records: links[:1]}, Actor: "importer"})
	wantCode(t, err, vigil.EINVALID)
}

func testEvents(t *testing.T, s vigil.Store) {
	seed(t, s)
	p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P1")
	must(t, err)
	must(t, s.Update(ctx, p, "editor")) // no change: no event
	p.Notes = "reviewed"
	must(t, s.Update(ctx, p, "editor"))
	_, err = importParties(t, s, manyParties(3))
	must(t, err)
	evs, err := s.ListEvents(ctx, 0, 100)
	must(t, err)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
		if !slices.Equal(ev.ComputeCommitment(), ev.Commitment) {
			t.Errorf("event %s: stored commitment does not match its content and salt", ev.ID)
		}
		if ev.LeafIndex != -1 {
			t.Errorf("event %s: leaf index %d before logging", ev.ID, ev.LeafIndex)
		}
	}
	want := []string{"service.created", "party.created", "party.created", "party.created", "link.created", "account.created", "subscription.created", "party.updated", "import.completed"}
	if !slices.Equal(types, want) {
		t.Fatalf("event types:\n got %v\nwant %v", types, want)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("event seqs not increasing: %d then %d", evs[i-1].Seq, evs[i].Seq)
		}
	}
	got, err := s.GetEvent(ctx, evs[7].ID)
	must(t, err)
	if got.Subject != "parties/P1" || got.Actor != "editor" || !got.Time.Equal(evs[7].Time) {
		t.Fatalf("GetEvent: %+v", got)
	}
	_, err = s.GetEvent(ctx, "nope")
	wantCode(t, err, vigil.ENOTFOUND)
}

func testOutbox(t *testing.T, s vigil.Store) {
	for i := range 5 {
		ev, err := vigil.NewEvent("test.event", fmt.Sprintf("things/%d", i), "tester", time.Now(), map[string]int{"i": i})
		must(t, err)
		must(t, s.RecordEvent(ctx, ev))
	}
	pending, err := s.PendingEvents(ctx, 3)
	must(t, err)
	if len(pending) != 3 {
		t.Fatalf("pending = %d, want 3", len(pending))
	}
	marks := []vigil.LogMark{{Seq: pending[0].Seq, LeafIndex: 0}, {Seq: pending[1].Seq, LeafIndex: 1}}
	must(t, s.MarkLogged(ctx, marks))
	must(t, s.MarkLogged(ctx, marks)) // idempotent
	wantCode(t, s.MarkLogged(ctx, []vigil.LogMark{{Seq: pending[0].Seq, LeafIndex: 9}}), vigil.ECONFLICT)
	pending, err = s.PendingEvents(ctx, 10)
	must(t, err)
	if len(pending) != 3 {
		t.Fatalf("pending after marks = %d, want 3", len(pending))
	}
	all, err := s.ListEvents(ctx, 0, 10)
	must(t, err)
	if all[0].LeafIndex != 0 || all[1].LeafIndex != 1 || all[2].LeafIndex != -1 {
		t.Fatalf("leaf indexes: %d %d %d", all[0].LeafIndex, all[1].LeafIndex, all[2].LeafIndex)
	}
	rest, err := s.ListEvents(ctx, all[2].Seq, 10)
	must(t, err)
	if len(rest) != 2 {
		t.Fatalf("events after seq %d: %d, want 2", all[2].Seq, len(rest))
	}
}

func testUsersTokens(t *testing.T, s vigil.Store) {
	must(t, s.CreateUser(ctx, &vigil.User{ID: "ana", Name: "Ana", Role: vigil.RoleAnalyst}, "admin"))
	must(t, s.CreateUser(ctx, &vigil.User{ID: "aud", Name: "Aud", Role: vigil.RoleAuditor, Disabled: true}, "admin"))
	wantCode(t, s.CreateUser(ctx, &vigil.User{ID: "ana", Name: "Ana", Role: vigil.RoleAnalyst}, "admin"), vigil.ECONFLICT)
	wantCode(t, s.CreateUser(ctx, &vigil.User{ID: "x", Name: "X", Role: "boss"}, "admin"), vigil.EINVALID)
	users, err := s.ListUsers(ctx)
	must(t, err)
	if len(users) != 2 || users[0].ID != "ana" || users[1].Role != vigil.RoleAuditor || !users[1].Disabled {
		t.Fatalf("users: %+v", users)
	}
	now := time.Now()
	secret, hash := vigil.NewTokenSecret()
	tok := &vigil.Token{UserID: "ana", Name: "laptop", Hash: hash}
	must(t, s.CreateToken(ctx, tok, "ana"))
	u, err := s.UserByTokenHash(ctx, vigil.HashToken(secret), now)
	must(t, err)
	if u.ID != "ana" {
		t.Fatalf("token user = %s", u.ID)
	}
	_, err = s.UserByTokenHash(ctx, vigil.HashToken(secret+"x"), now)
	wantCode(t, err, vigil.EUNAUTHORIZED)

	past := now.Add(-time.Hour)
	_, h2 := vigil.NewTokenSecret()
	must(t, s.CreateToken(ctx, &vigil.Token{UserID: "ana", Name: "old", Hash: h2, ExpiresAt: &past}, "ana"))
	_, err = s.UserByTokenHash(ctx, h2, now)
	wantCode(t, err, vigil.EUNAUTHORIZED)

	_, h3 := vigil.NewTokenSecret()
	must(t, s.CreateToken(ctx, &vigil.Token{UserID: "aud", Name: "t", Hash: h3}, "admin"))
	_, err = s.UserByTokenHash(ctx, h3, now)
	wantCode(t, err, vigil.EUNAUTHORIZED) // disabled user

	wantCode(t, s.CreateToken(ctx, &vigil.Token{UserID: "ghost", Name: "t", Hash: "ab"}, "admin"), vigil.ENOTFOUND)
	must(t, s.RevokeToken(ctx, tok.ID, "admin"))
	_, err = s.UserByTokenHash(ctx, hash, now)
	wantCode(t, err, vigil.EUNAUTHORIZED)
	wantCode(t, s.RevokeToken(ctx, tok.ID, "admin"), vigil.ENOTFOUND)
}

// testWalk builds: account holder R1 (a reseller) resells to integrator R2,
// which acts for unit U1 and resells to ministry M2; U1 is a unit of
// brigade B1, which is a unit of ministry M1, which holding H1 does not own
// but controls; a loop U1 -> R1 (resells) must not hang the walk.
func testWalk(t *testing.T, s vigil.Store) {
	for _, id := range []string{"R1", "R2", "U1", "B1", "M1", "M2", "H1", "X1"} {
		must(t, s.Create(ctx, party(id, "Party "+id, "NO"), "tester"))
	}
	links := []*vigil.Link{
		{ID: "l1", From: "R1", To: "R2", Type: vigil.LinkResellsTo},
		{ID: "l2", From: "R2", To: "U1", Type: vigil.LinkActsFor},
		{ID: "l3", From: "R2", To: "M2", Type: vigil.LinkResellsTo},
		{ID: "l4", From: "U1", To: "B1", Type: vigil.LinkUnitOf},
		{ID: "l5", From: "B1", To: "M1", Type: vigil.LinkUnitOf},
		{ID: "l6", From: "H1", To: "R1", Type: vigil.LinkControls},
		{ID: "l7", From: "X1", To: "R2", Type: vigil.LinkOwns, Share: 60},
		{ID: "l8", From: "U1", To: "R1", Type: vigil.LinkResellsTo},
	}
	_, err := s.Import(ctx, vigil.ImportRequest{Kind: vigil.KindLink, Source: &vigil.SliceSource[*vigil.Link]{Records: links}, Actor: "tester"})
	must(t, err)
	c, err := portfolio.Walk(ctx, s, "R1")
	must(t, err)
	ids := func(steps []portfolio.Step) []string {
		var out []string
		for _, st := range steps {
			out = append(out, st.PartyID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(c.EndUsers); !slices.Equal(got, []string{"M2"}) {
		// U1 resells back to R1, so only M2 is a leaf.
		t.Fatalf("end users of R1 = %v, want [M2]", got)
	}
	if got := ids(c.Downstream); !slices.Equal(got, []string{"M2", "R2", "U1"}) {
		t.Fatalf("downstream of R1 = %v", got)
	}
	if got := ids(c.Parents); !slices.Equal(got, []string{"H1"}) {
		t.Fatalf("parents of R1 = %v, want [H1]", got)
	}
	if len(c.Cycles) != 1 || c.Cycles[0].ID != "l8" {
		t.Fatalf("cycles = %+v, want l8", c.Cycles)
	}
	for _, st := range c.Downstream {
		if st.PartyID == "U1" && (st.Depth != 2 || st.Via[0].ID != "l1" || st.Via[1].ID != "l2") {
			t.Fatalf("path to U1: %+v", st)
		}
	}
	u, err := portfolio.Walk(ctx, s, "U1")
	must(t, err)
	if got := ids(u.Parents); !slices.Equal(got, []string{"B1", "M1"}) {
		t.Fatalf("parents of U1 = %v, want [B1 M1]", got)
	}
	r2, err := portfolio.Walk(ctx, s, "R2")
	must(t, err)
	if got := ids(r2.Parents); !slices.Equal(got, []string{"X1"}) {
		t.Fatalf("parents of R2 = %v, want [X1]", got)
	}
	eu, err := portfolio.EndUsersOf(ctx, s, "M2")
	must(t, err)
	if !slices.Equal(eu, []string{"M2"}) {
		t.Fatalf("a party reselling to nobody is its own end user, got %v", eu)
	}
}
