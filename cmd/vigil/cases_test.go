package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// TestCasesAndDecisions walks one case from the assessment trigger to an
// approved suspension through the CLI, with the four-eyes refusals.
func TestCasesAndDecisions(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "v.db")
	db := "sqlite:" + dbPath
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []vigil.Record{
		&vigil.Service{ID: "svc-stt", Name: "Speech to text", Capabilities: []string{"ai.speech_to_text"}},
		&vigil.Party{ID: "P1", Type: vigil.PartyUnit, Name: "Signals Unit 4471", Country: "NO-03", Sectors: []string{"military"}},
		&vigil.Party{ID: "P2", Type: vigil.PartyCompany, Name: "Integrator Ltd", Country: "BB"},
		&vigil.Account{ID: "A1", PartyID: "P2", Name: "Integrator"},
		&vigil.Subscription{ID: "S1", AccountID: "A1", ServiceID: "svc-stt", Region: "eu-west-1", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive},
	} {
		if err := s.Create(ctx, r, "test"); err != nil {
			t.Fatal(err)
		}
	}
	doc, _ := json.Marshal(risk.Assessment{ID: "A1~P1", Version: 1, AccountID: "A1", CustomerID: "P2", EndUserID: "P1", Path: []string{"P2", "P1"}, Tier: "critical", TierRank: 3})
	if err := s.SaveAssessments(ctx, risk.SaveBatch{Rows: []risk.Row{{ID: "A1~P1", Version: 1, AccountID: "A1", CustomerID: "P2", EndUserID: "P1",
		Tier: "critical", TierRank: 3, Priority: 150, Action: "suspend", PolicyVersion: "t", Digest: "d", AssessedAt: time.Now(), AssessedBy: "test", Current: true, Doc: doc}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, u := range [][]string{{"amira", "analyst"}, {"bruno", "approver"}, {"dora", "auditor"}} {
		if out, code := run(t, "--db", db, "users", "add", u[0], "--role", u[1]); code != 0 {
			t.Fatalf("users add: %d %s", code, out)
		}
	}

	out, code := run(t, "--db", db, "cases", "auto", "--min-tier", "high")
	if code != 0 || !strings.Contains(out, "1 cases opened, 0 already open") {
		t.Fatalf("cases auto: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "cases", "auto", "--min-tier", "high")
	if code != 0 || !strings.Contains(out, "0 cases opened, 1 already open") {
		t.Fatalf("cases auto again: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "auto", "--min-tier", "low"); code != exitUsage {
		t.Fatalf("auto at the lowest tier: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "-o", "json", "cases", "list", "--status", "open")
	var page struct {
		Items []struct{ ID, Title, Priority string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &page) != nil || len(page.Items) != 1 || page.Items[0].Priority != "critical" {
		t.Fatalf("cases list: %d %s", code, out)
	}
	id := page.Items[0].ID

	if out, code := run(t, "--db", db, "cases", "move", id, "investigating"); code != exitUsage || !strings.Contains(out, "--as") {
		t.Fatalf("move without --as: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "move", id, "investigating", "--as", "dora"); code != exitUnauthorized {
		t.Fatalf("auditor move: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "move", id, "action_in_force", "--as", "amira"); code != exitConflict {
		t.Fatalf("forbidden move: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "move", id, "investigating", "--as", "amira", "--version", "1"); code != 0 {
		t.Fatalf("move: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "assign", id, "amira", "--as", "amira", "--version", "1"); code != exitConflict {
		t.Fatalf("stale assign: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "assign", id, "amira", "--as", "amira"); code != 0 {
		t.Fatalf("assign: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "cases", "comment", id, "The integrator confirmed the end user.", "--as", "amira"); code != 0 {
		t.Fatalf("comment: %d %s", code, out)
	}
	file := filepath.Join(dir, "minutes.txt")
	os.WriteFile(file, []byte("Minutes of the call with the integrator."), 0o644)
	out, code = run(t, "--db", db, "cases", "attach", id, file, "--as", "amira")
	if code != 0 || !strings.Contains(out, "minutes.txt attached, text/plain; charset=utf-8") || !strings.Contains(out, "sha256 ") {
		t.Fatalf("attach: %d %s", code, out)
	}

	if out, code := run(t, "--db", db, "decide", "propose", id, "--type", "terminate", "--subscriptions", "S1", "--reasons", "r", "--as", "amira"); code != exitInvalid || !strings.Contains(out, "disengagement") {
		t.Fatalf("terminate without a plan: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "decide", "propose", id, "--type", "suspend", "--subscriptions", "S1", "--reasons", "r", "--as", "dora"); code != exitUnauthorized {
		t.Fatalf("auditor propose: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "decide", "propose", id, "--type", "suspend", "--subscriptions", "S1", "--reasons", "transcribes intercepted calls", "--as", "amira")
	m := regexp.MustCompile(`decision (\S+): suspend proposed on case .* \(assessment A1~P1 version 1\)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("propose: %d %s", code, out)
	}
	dec := m[1]
	if out, code := run(t, "--db", db, "decide", "approve", dec, "--as", "amira"); code != exitUnauthorized {
		t.Fatalf("proposer approves: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "decide", "reject", dec, "--as", "bruno"); code != exitInvalid {
		t.Fatalf("reject without a note: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "decide", "approve", dec, "--note", "proportionate", "--as", "bruno")
	if code != 0 || !strings.Contains(out, "approved by bruno") {
		t.Fatalf("approve: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "decide", "list", "--unplanned")
	if code != 0 || !strings.Contains(out, dec) {
		t.Fatalf("decide list: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "cases", "show", id)
	if code != 0 || !strings.Contains(out, "status action_in_force") || !strings.Contains(out, "minutes.txt") || !strings.Contains(out, "commented") {
		t.Fatalf("cases show: %d %s", code, out)
	}
}
