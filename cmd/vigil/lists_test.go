package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestListsMatchesAndPortfolioScreening(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "v.db")
	parties := filepath.Join(dir, "parties.csv")
	os.WriteFile(parties, []byte("id,type,name,country,sectors\nP1,security_unit,Northern Signals Brigade 4471,NO-03,military\nP2,company,Quillon Bakery Supplies,FR,food\n"), 0o644)
	if out, code := run(t, "--db", db, "import", "parties", parties); code != 0 {
		t.Fatalf("import parties: %d %s", code, out)
	}
	list := filepath.Join(dir, "watch.csv")
	os.WriteFile(list, []byte("id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test list\n"), 0o644)
	out, code := run(t, "--db", db, "lists", "import", list, "--format", "csv", "--name", "watch", "--kind", "military_end_user")
	if code != 0 || !strings.Contains(out, "list watch: version 1, 1 entries: 1 added, 0 changed, 0 removed") {
		t.Fatalf("lists import: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "lists", "import", list, "--format", "csv", "--name", "watch")
	if code != 0 || !strings.Contains(out, "unchanged, still version 1") {
		t.Fatalf("re-import: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,name,aliases,type,country,source\n1,,,organization,no,x\n"), 0o644)
	out, code = run(t, "--db", db, "lists", "import", bad, "--format", "csv", "--name", "watch")
	if code != exitInvalid || !strings.Contains(out, "bad.csv: line 2") {
		t.Fatalf("bad list: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "lists", "list")
	if code != 0 || !strings.Contains(out, "watch") || !strings.Contains(out, "military_end_user") {
		t.Fatalf("lists list: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "lists", "diff", "watch")
	if code != 0 || !strings.Contains(out, "added   csv:1") {
		t.Fatalf("lists diff: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "screen", "portfolio")
	if code != 0 || !strings.Contains(out, "full run") || !strings.Contains(out, "matches: 1 new") {
		t.Fatalf("screen portfolio: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "screen", "portfolio", "--delta")
	if code != 0 || !strings.Contains(out, "delta run") || !strings.Contains(out, "0 screened against every entry") {
		t.Fatalf("screen portfolio --delta: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "-o", "json", "matches", "list")
	var page struct {
		Items []struct {
			ID, PartyID, Status string
		} `json:"items"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &page) != nil || len(page.Items) != 1 {
		t.Fatalf("matches list: %d %s", code, out)
	}
	id := regexp.MustCompile(`"id": "(SM[0-9a-f]+)"`).FindStringSubmatch(out)[1]
	out, code = run(t, "--db", db, "matches", "dismiss", id)
	if code == 0 || !strings.Contains(out, "--reason is required") {
		t.Fatalf("dismiss without reason: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "matches", "dismiss", id, "--reason", "another brigade of the same number")
	if code != 0 || !strings.Contains(out, ": dismissed") {
		t.Fatalf("dismiss: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "matches", "confirm", "SMnope", "--reason", "same unit")
	if code == 0 || !strings.Contains(out, "no match") {
		t.Fatalf("confirm unknown: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "matches", "list")
	if code != 0 || strings.Contains(out, id) {
		t.Fatalf("queue after dismissal: %d %s", code, out)
	}
	// A new version screened at once: only its new entry, against every party.
	os.WriteFile(list, []byte("id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test list\n2,Quillon Bakery Supplies,,company,fr,Test list\n"), 0o644)
	out, code = run(t, "--db", db, "lists", "import", list, "--format", "csv", "--name", "watch", "--screen")
	if code != 0 || !strings.Contains(out, "version 2") || !strings.Contains(out, "delta run") || !strings.Contains(out, "1 new matches") {
		t.Fatalf("import --screen: %d %s", code, out)
	}
	// The batch mode still runs without a database.
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("id,name,country\na,Northern Signals Brigade 4471,NO\n"), 0o644)
	out, code = run(t, "screen", "--list", list, "--list-format", "csv", "--input", in, "--output", filepath.Join(dir, "m.csv"))
	if code != 0 || !strings.Contains(out, "screened 1 parties") {
		t.Fatalf("batch: %d %s", code, out)
	}
}
