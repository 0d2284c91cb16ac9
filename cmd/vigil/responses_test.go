package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// TestDecideRespondFiresRefusedAssurances: a condition decision through
// the CLI, the customer's refusal recorded with decide respond, and the
// recompute that follows the outbox firing refused-assurances.
func TestDecideRespondFiresRefusedAssurances(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "v.db")
	db := "sqlite:" + dbPath
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []vigil.Record{
		&vigil.Service{ID: "vm", Name: "Virtual machines", Capabilities: []string{"compute"}},
		&vigil.Party{ID: "C1", Type: vigil.PartyCompany, Name: "Shop", Country: "BB", Sectors: []string{"retail"}},
		&vigil.Account{ID: "A1", PartyID: "C1", Name: "Shop"},
		&vigil.Subscription{ID: "S1", AccountID: "A1", ServiceID: "vm", Region: "eu-west-1", StartedOn: vigil.MustDate("2025-01-02"), Status: vigil.SubscriptionActive},
	} {
		if err := s.Create(ctx, r, "test"); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if out, code := run(t, "--db", db, "users", "add", "amira", "--role", "analyst"); code != 0 {
		t.Fatalf("users add: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "assess", "--all"); code != 0 {
		t.Fatalf("assess: %d %s", code, out)
	}
	out, code := run(t, "--db", db, "assess", "--since", "0")
	m := regexp.MustCompile(`next: --since (\d+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("assess --since 0: %d %s", code, out)
	}
	mark := m[1]

	out, code = run(t, "--db", db, "cases", "open", "--title", "Shop cameras", "--priority", "low", "--assessments", "A1~C1", "--as", "amira")
	c := regexp.MustCompile(`case (\S+)`).FindStringSubmatch(out)
	if code != 0 || c == nil {
		t.Fatalf("cases open: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "decide", "propose", c[1], "--type", "condition", "--conditions", "an end-use assurance", "--reasons", "cameras on the square", "--as", "amira")
	d := regexp.MustCompile(`decision (\S+): condition approved`).FindStringSubmatch(out)
	if code != 0 || d == nil {
		t.Fatalf("propose: %d %s", code, out)
	}
	if out, code := run(t, "--db", db, "decide", "respond", d[1], "--response", "maybe", "--kind", "end_use_assurance", "--as", "amira"); code != exitInvalid || !strings.Contains(out, "response") {
		t.Fatalf("an unknown response: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "decide", "respond", d[1], "--response", "refused", "--kind", "end_use_assurance", "--note", "counsel declined", "--as", "amira")
	if code != 0 || !strings.Contains(out, "end_use_assurance refused") {
		t.Fatalf("respond: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "cases", "show", c[1])
	if code != 0 || !strings.Contains(out, "end_use_assurance: refused (recorded by amira) — counsel declined") {
		t.Fatalf("cases show: %d %s", code, out)
	}

	out, code = run(t, "--db", db, "-o", "json", "assess", "--since", mark)
	var sum struct{ Accounts, Stored int }
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Accounts != 1 || sum.Stored != 1 {
		t.Fatalf("assess --since %s: %d %s", mark, code, out)
	}
	out, code = run(t, "--db", db, "-o", "json", "risk", "show", "A1~C1")
	var a struct {
		Flags []struct {
			ID       string
			Evidence []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil {
		t.Fatalf("risk show: %d %s", code, out)
	}
	fired := false
	for _, f := range a.Flags {
		fired = fired || f.ID == "refused-assurances"
	}
	if !fired {
		t.Fatalf("refused-assurances did not fire: %s", out)
	}
}
