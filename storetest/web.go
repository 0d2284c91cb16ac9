package storetest

import (
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
)

// RunWeb runs the conformance suite of vigil.WebStore: passwords, lock-out,
// sessions and the dashboard summaries.
func RunWeb(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, vigil.Store, vigil.WebStore)
	}{
		{"PasswordsAndLockOut", testWebLockOut},
		{"SessionsExpireAndEnd", testWebSessions},
		{"SubjectEventsNewestFirst", testWebSubjectEvents},
		{"DashboardSummaries", testWebSummaries},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			ws, ok := s.(vigil.WebStore)
			if !ok {
				t.Fatalf("%T does not implement vigil.WebStore", s)
			}
			tc.fn(t, s, ws)
		})
	}
}

func webUser(t *testing.T, s vigil.Store, id string) {
	t.Helper()
	must(t, s.CreateUser(ctx, &vigil.User{ID: id, Name: id, Role: vigil.RoleAnalyst}, "tester"))
}

func testWebLockOut(t *testing.T, s vigil.Store, ws vigil.WebStore) {
	webUser(t, s, "amira")
	_, err := ws.Credential(ctx, "amira")
	wantCode(t, err, vigil.ENOTFOUND)
	wantCode(t, ws.SetPassword(ctx, "nobody", "h", "tester"), vigil.ENOTFOUND)
	must(t, ws.SetPassword(ctx, "amira", "$argon2id$first", "tester"))
	must(t, ws.SetPassword(ctx, "amira", "$argon2id$second", "tester"))
	c, err := ws.Credential(ctx, "amira")
	must(t, err)
	if c.Hash != "$argon2id$second" || c.Failures != 0 || !c.LockedUntil.IsZero() {
		t.Fatalf("credential = %+v", c)
	}
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 2; i++ {
		c, err = ws.RecordLoginFailure(ctx, "amira", now, 3, 15*time.Minute)
		must(t, err)
		if c.Failures != i || !c.LockedUntil.IsZero() {
			t.Fatalf("after %d failures: %+v", i, c)
		}
	}
	c, err = ws.RecordLoginFailure(ctx, "amira", now, 3, 15*time.Minute)
	must(t, err)
	if c.Failures != 0 || !c.LockedUntil.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("third failure should lock: %+v", c)
	}
	stored, err := ws.Credential(ctx, "amira")
	must(t, err)
	if !stored.LockedUntil.Equal(c.LockedUntil) {
		t.Fatalf("stored lock %v, want %v", stored.LockedUntil, c.LockedUntil)
	}
	if n := countEvents(t, s, "user.login_failed"); n != 3 {
		t.Fatalf("%d login_failed events, want 3", n)
	}
	if n := countEvents(t, s, "user.locked_out"); n != 1 {
		t.Fatalf("%d locked_out events, want 1", n)
	}
	if n := countEvents(t, s, "user.password_set"); n != 2 {
		t.Fatalf("%d password_set events, want 2", n)
	}
	// An administrator setting a new password lifts the lock.
	must(t, ws.SetPassword(ctx, "amira", "$argon2id$third", "admin"))
	c, err = ws.Credential(ctx, "amira")
	must(t, err)
	if !c.LockedUntil.IsZero() {
		t.Fatalf("lock kept after a new password: %+v", c)
	}
	_, err = ws.RecordLoginFailure(ctx, "ghost", now, 3, time.Minute)
	wantCode(t, err, vigil.ENOTFOUND)
}

func testWebSessions(t *testing.T, s vigil.Store, ws vigil.WebStore) {
	webUser(t, s, "amira")
	must(t, ws.SetPassword(ctx, "amira", "$argon2id$x", "tester"))
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	_, err := ws.RecordLoginFailure(ctx, "amira", now, 5, time.Minute)
	must(t, err)
	sess := &vigil.Session{UserID: "amira", Hash: "h1", CreatedAt: now, IdleUntil: now.Add(30 * time.Minute), ExpiresAt: now.Add(12 * time.Hour)}
	must(t, ws.CreateSession(ctx, sess))
	if sess.ID == "" {
		t.Fatal("no session id assigned")
	}
	c, err := ws.Credential(ctx, "amira")
	must(t, err)
	if c.Failures != 0 {
		t.Fatalf("a sign-in should clear failures: %+v", c)
	}
	got, err := ws.SessionByHash(ctx, "h1", now.Add(time.Minute))
	must(t, err)
	if got.ID != sess.ID || got.UserID != "amira" || !got.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Fatalf("session = %+v", got)
	}
	_, err = ws.SessionByHash(ctx, "nope", now)
	wantCode(t, err, vigil.EUNAUTHORIZED)
	// Idle past the deadline: refused; touched in time: kept.
	_, err = ws.SessionByHash(ctx, "h1", now.Add(31*time.Minute))
	wantCode(t, err, vigil.EUNAUTHORIZED)
	must(t, ws.TouchSession(ctx, sess.ID, now.Add(29*time.Minute), now.Add(59*time.Minute)))
	_, err = ws.SessionByHash(ctx, "h1", now.Add(31*time.Minute))
	must(t, err)
	// The absolute deadline never moves.
	must(t, ws.TouchSession(ctx, sess.ID, now.Add(12*time.Hour-time.Minute), now.Add(13*time.Hour)))
	_, err = ws.SessionByHash(ctx, "h1", now.Add(12*time.Hour))
	wantCode(t, err, vigil.EUNAUTHORIZED)

	must(t, ws.CreateSession(ctx, &vigil.Session{UserID: "amira", Hash: "h2", CreatedAt: now, IdleUntil: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour)}))
	s2, err := ws.SessionByHash(ctx, "h2", now)
	must(t, err)
	must(t, ws.EndSession(ctx, s2.ID, "amira", ""))
	_, err = ws.SessionByHash(ctx, "h2", now)
	wantCode(t, err, vigil.EUNAUTHORIZED)
	wantCode(t, ws.EndSession(ctx, s2.ID, "amira", ""), vigil.ENOTFOUND)
	wantCode(t, ws.TouchSession(ctx, s2.ID, now, now.Add(time.Hour)), vigil.ENOTFOUND)

	// A new password ends every session of the user.
	must(t, ws.CreateSession(ctx, &vigil.Session{UserID: "amira", Hash: "h3", CreatedAt: now, IdleUntil: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour)}))
	must(t, ws.SetPassword(ctx, "amira", "$argon2id$y", "admin"))
	_, err = ws.SessionByHash(ctx, "h3", now)
	wantCode(t, err, vigil.EUNAUTHORIZED)

	wantCode(t, ws.CreateSession(ctx, &vigil.Session{UserID: "ghost", Hash: "h4", CreatedAt: now, IdleUntil: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)}), vigil.ENOTFOUND)
	if n := countEvents(t, s, "session.created"); n != 3 {
		t.Fatalf("%d session.created events, want 3", n)
	}
	if n := countEvents(t, s, "session.ended"); n != 1 {
		t.Fatalf("%d session.ended events, want 1", n)
	}
}

func testWebSubjectEvents(t *testing.T, s vigil.Store, ws vigil.WebStore) {
	seed(t, s)
	p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, "P1")
	must(t, err)
	p.Notes = "renamed unit"
	must(t, s.Update(ctx, p, "editor"))
	evs, err := ws.SubjectEvents(ctx, "parties/P1", 10)
	must(t, err)
	if len(evs) != 2 || evs[0].Type != "party.updated" || evs[1].Type != "party.created" || evs[0].Actor != "editor" {
		var got []string
		for _, e := range evs {
			got = append(got, e.Type)
		}
		t.Fatalf("events of parties/P1 = %v", got)
	}
	evs, err = ws.SubjectEvents(ctx, "parties/P1", 1)
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("limit 1 gave %d events", len(evs))
	}
}

func testWebSummaries(t *testing.T, s vigil.Store, ws vigil.WebStore) {
	seed(t, s)
	counts, err := ws.PartyCounts(ctx)
	must(t, err)
	var total int64
	found := false
	for _, c := range counts {
		total += c.N
		if c.Country == "NO-03" && len(c.Sectors) == 2 && c.Sectors[0] == "police" && c.Sectors[1] == "border" && c.N == 1 {
			found = true
		}
	}
	if total != 3 || !found {
		t.Fatalf("party counts = %+v", counts)
	}
	cells, err := ws.RiskCells(ctx)
	must(t, err)
	if len(cells) != 0 {
		t.Fatalf("risk cells without assessments = %+v", cells)
	}
	rs, ok := s.(risk.Store)
	if !ok {
		t.Skipf("%T keeps no assessments", s)
	}
	// A1 (held by P3) serves P2 in NO-03 through speech to text.
	must(t, rs.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{riskRow("A1~P2", "A1", 1, "critical", 3, 500)}}))
	cells, err = ws.RiskCells(ctx)
	must(t, err)
	if len(cells) != 1 || cells[0] != (vigil.RiskCell{Country: "NO-03", Capability: "ai.speech_to_text", Tier: "critical", TierRank: 3, N: 1}) {
		t.Fatalf("risk cells = %+v", cells)
	}
	must(t, rs.SaveAssessments(ctx, risk.SaveBatch{Retire: []string{"A1~P2"}}))
	cells, err = ws.RiskCells(ctx)
	must(t, err)
	if len(cells) != 0 {
		t.Fatalf("retired assessments still counted: %+v", cells)
	}
}
