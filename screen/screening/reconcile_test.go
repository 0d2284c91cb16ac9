package screening

import (
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen"
)

func TestReconcile(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ent := screen.Entity{ID: "csv:1", Names: []screen.Name{{Value: "Tarn Valley Rifles", Kind: "primary"}}}
	f := Finding{PartyID: "P1", PartyName: "Tarn Valley Rifles", PartyHash: "p1", Entry: Entry{List: "w", Version: 1, Hash: "e1", Entity: ent},
		ListKind: "watchlist", Score: 0.9, Decision: screen.Match}
	first, out := Reconcile(nil, f, "R1", at)
	if out != Found || first.Status != StatusPending || first.ID != MatchID("P1", "w", "csv:1") || first.EntryName != "Tarn Valley Rifles" {
		t.Fatalf("new = %+v, %v", first, out)
	}
	with := func(status string, mod func(*Match)) *Match {
		m := *first
		m.Status = status
		if mod != nil {
			mod(&m)
		}
		return &m
	}
	cases := []struct {
		name string
		old  *Match
		want Outcome
		stat string // status of the stored result; "" when nothing is stored
	}{
		{"pending, same", with(StatusPending, nil), Unchanged, ""},
		{"pending, rescored", with(StatusPending, func(m *Match) { m.Score = 0.8 }), Updated, StatusPending},
		{"confirmed, party changed", with(StatusConfirmed, func(m *Match) { m.PartyHash = "p0" }), Unchanged, ""},
		{"dismissed, same", with(StatusDismissed, nil), Held, ""},
		{"dismissed, party changed", with(StatusDismissed, func(m *Match) { m.PartyHash = "p0" }), Reopened, StatusPending},
		{"dismissed, entry changed", with(StatusDismissed, func(m *Match) { m.EntryHash = "e0" }), Reopened, StatusPending},
		{"cleared", with(StatusCleared, nil), Found, StatusPending},
		{"delisted", with(StatusDelisted, nil), Found, StatusPending},
	}
	for _, c := range cases {
		got, out := Reconcile(c.old, f, "R2", at.Add(time.Hour))
		if out != c.want || (got == nil) != (c.stat == "") || (got != nil && (got.Status != c.stat || !got.FoundAt.Equal(at) || got.RunID != "R2")) {
			t.Errorf("%s: %+v, %v", c.name, got, out)
		}
	}
}

func TestDecide(t *testing.T) {
	m := &Match{ID: "SM1", Status: StatusPending}
	d := DecideRequest{MatchID: "SM1", Status: StatusConfirmed, Reason: "same registry", Actor: "amira", At: time.Now()}
	got, err := Decide(m, d)
	if err != nil || got.Status != StatusConfirmed || got.DecidedBy != "amira" || m.Status != StatusPending {
		t.Fatalf("confirm = %+v, %v (input now %s)", got, err, m.Status)
	}
	for _, bad := range []struct {
		m    *Match
		d    DecideRequest
		code string
	}{
		{m, DecideRequest{Status: "approved", Reason: "why not"}, vigil.EINVALID},
		{m, DecideRequest{Status: StatusDismissed, Reason: "no"}, vigil.EINVALID},
		{got, d, vigil.ECONFLICT},
		{&Match{ID: "SM2", Status: StatusCleared}, d, vigil.ECONFLICT},
	} {
		if _, err := Decide(bad.m, bad.d); vigil.ErrorCode(err) != bad.code {
			t.Errorf("Decide(%s, %+v) = %v, want %s", bad.m.Status, bad.d, err, bad.code)
		}
	}
}
