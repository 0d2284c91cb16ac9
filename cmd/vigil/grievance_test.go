package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

func TestGrievanceCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "v.db")
	base := []string{"--db", db, "--data-dir", dir}
	cli := func(args ...string) (string, int) { return run(t, append(append([]string(nil), base...), args...)...) }

	t.Setenv(grievance.PassphraseEnv, "")
	if out, code := cli("grievances", "keygen"); code != exitUsage || !strings.Contains(out, grievance.PassphraseEnv) {
		t.Fatalf("keygen without a passphrase: %d %s", code, out)
	}
	t.Setenv(grievance.PassphraseEnv, "grievance passphrase for the CLI test")
	out, code := cli("grievances", "keygen")
	if code != 0 || !strings.Contains(out, "recipient: age1") {
		t.Fatalf("keygen: %d %s", code, out)
	}
	if out, code := cli("grievances", "keygen"); code == 0 {
		t.Fatalf("a second keygen overwrote the key: %s", out)
	}

	// A named grievance arrives through the channel (as the form sends it).
	ctx := context.Background()
	s, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := grievance.StoreOf(s)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := grievance.NewService(gs, grievance.Config{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	statement, err := svc.Limits().CheckAttachment("statement.txt", []byte("signed statement of a witness"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := svc.Submit(ctx, grievance.Submission{Channel: grievance.ChannelWeb, Subject: "Calls transcribed", Description: "d",
		Contact:     grievance.Contact{Email: "cli.whistle@example.org"},
		Attachments: []grievance.File{statement}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, &vigil.Party{ID: "P7", Type: vigil.PartyUnit, Name: "Unit 7", Country: "NO"}, "test"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	out, code = cli("grievances", "list")
	if code != 0 || !strings.Contains(out, rc.ID) || !strings.Contains(out, "sealed") || strings.Contains(out, "cli.whistle") {
		t.Fatalf("list: %d %s", code, out)
	}
	if out, code := cli("grievances", "list", "--overdue"); code != 0 || strings.Contains(out, rc.ID) {
		t.Fatalf("nothing is overdue yet: %d %s", code, out)
	}
	if out, code := cli("grievances", "ack", rc.ID); code != exitInvalid || !strings.Contains(out, "message") {
		t.Fatalf("ack without a message: %d %s", code, out)
	}
	if out, code := cli("grievances", "ack", rc.ID, "--message", "Received."); code != 0 || !strings.Contains(out, `"status": "acknowledged"`) {
		t.Fatalf("ack: %d %s", code, out)
	}
	if out, code := cli("grievances", "triage", rc.ID, "--parties", "P7", "--cases", "C-1,C-2"); code != 0 || !strings.Contains(out, `"C-2"`) {
		t.Fatalf("triage: %d %s", code, out)
	}
	if out, code := cli("grievances", "triage", rc.ID, "--parties", "NOPE"); code != exitInvalid {
		t.Fatalf("triage to an unknown party: %d %s", code, out)
	}
	if out, code := cli("grievances", "answer", rc.ID, "--message", "We restricted the service."); code != 0 || !strings.Contains(out, `"answered"`) {
		t.Fatalf("answer: %d %s", code, out)
	}
	if out, code := cli("grievances", "close", rc.ID, "--outcome", "upheld", "--led-to-action"); code != 0 || !strings.Contains(out, `"led_to_action": true`) {
		t.Fatalf("close: %d %s", code, out)
	}
	if out, code := cli("grievances", "show", "G-none"); code != exitNotFound {
		t.Fatalf("show unknown: %d %s", code, out)
	}
	out, code = cli("-o", "json", "grievances", "show", rc.ID)
	var shown struct {
		Exchanges []grievance.Exchange `json:"exchanges"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || len(shown.Exchanges) != 2 || strings.Contains(out, "cli.whistle") {
		t.Fatalf("show: %d %s", code, out)
	}
	t.Setenv(grievance.PassphraseEnv, "wrong")
	if out, code := cli("grievances", "open-contact", rc.ID); code != exitUnauthorized {
		t.Fatalf("open with a wrong passphrase: %d %s", code, out)
	}
	t.Setenv(grievance.PassphraseEnv, "grievance passphrase for the CLI test")
	if out, code := cli("grievances", "open-contact", rc.ID); code != 0 || !strings.Contains(out, "cli.whistle@example.org") {
		t.Fatalf("open-contact: %d %s", code, out)
	}
	// The sealed file, opened into a new file only.
	sha := fmt.Sprintf("%x", sha256.Sum256([]byte("signed statement of a witness")))
	opened := filepath.Join(dir, "opened.txt")
	if out, code := cli("grievances", "open-file", rc.ID, sha); code != exitUsage || !strings.Contains(out, "--out") {
		t.Fatalf("open-file without --out: %d %s", code, out)
	}
	t.Setenv(grievance.PassphraseEnv, "wrong")
	if out, code := cli("grievances", "open-file", rc.ID, sha, "--out", opened); code != exitUnauthorized {
		t.Fatalf("open-file with a wrong passphrase: %d %s", code, out)
	}
	if _, err := os.Stat(opened); !os.IsNotExist(err) {
		t.Fatalf("a refused opening left %s behind: %v", opened, err)
	}
	t.Setenv(grievance.PassphraseEnv, "grievance passphrase for the CLI test")
	if out, code := cli("grievances", "open-file", rc.ID, strings.Repeat("0", 64), "--out", opened); code != exitNotFound {
		t.Fatalf("open-file of an unknown file: %d %s", code, out)
	}
	if out, code := cli("grievances", "open-file", rc.ID, sha, "--out", opened); code != 0 || !strings.Contains(out, "statement.txt") {
		t.Fatalf("open-file: %d %s", code, out)
	}
	if b, err := os.ReadFile(opened); err != nil || string(b) != "signed statement of a witness" {
		t.Fatalf("opened file: %q, %v", b, err)
	}
	if fi, err := os.Stat(opened); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("opened file mode: %v, %v", fi, err)
	}
	if out, code := cli("grievances", "open-file", rc.ID, sha, "--out", opened); code != exitUsage || !strings.Contains(out, "exists") {
		t.Fatalf("open-file over an existing file: %d %s", code, out)
	}
	if out, code := cli("grievances", "open-file", rc.ID, sha, "--out", "-"); code != 0 || !strings.Contains(out, "signed statement of a witness") {
		t.Fatalf("open-file to standard output: %d %s", code, out)
	}
	s, err = openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.ListEvents(ctx, 0, 1000)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	openings := 0
	for _, ev := range evs {
		if ev.Type == "grievance.attachment_opened" {
			openings++
		}
	}
	if openings != 2 {
		t.Fatalf("%d openings recorded, want 2 (the refused ones record nothing)", openings)
	}
	if out, code := cli("-o", "json", "grievances", "figures", "--from", "2020-01-01", "--to", "2100-01-01"); code != 0 || !strings.Contains(out, `"received": 1`) || !strings.Contains(out, `"led_to_action": 1`) {
		t.Fatalf("figures: %d %s", code, out)
	}

	// The engagement record.
	out, code = cli("engagements", "add", "--kind", "letter_in", "--stakeholder-type", "civil_society", "--who", "Six organisations",
		"--date", "2026-10-01", "--asked", "Suspend the service", "--parties", "P7")
	eid := regexp.MustCompile(`"id": "(E[0-9A-Z]+)"`).FindStringSubmatch(out)
	if code != 0 || eid == nil {
		t.Fatalf("engagements add: %d %s", code, out)
	}
	if out, code := cli("engagements", "add", "--kind", "fax", "--stakeholder-type", "union", "--who", "x", "--date", "2026-10-01", "--asked", "y"); code != exitInvalid {
		t.Fatalf("bad kind: %d %s", code, out)
	}
	out, code = cli("engagements", "promise", eid[1], "--text", "Answer in writing", "--due", "2026-10-15")
	pid := regexp.MustCompile(`"id": "(PR[0-9A-Z]+)"`).FindStringSubmatch(out)
	if code != 0 || pid == nil {
		t.Fatalf("promise: %d %s", code, out)
	}
	if out, code := cli("engagements", "list"); code != 0 || !strings.Contains(out, "OVERDUE") {
		t.Fatalf("list: %d %s", code, out)
	}
	if out, code := cli("engagements", "overdue"); code != 0 || !strings.Contains(out, "overdue promises: 1 (1 newly logged)") {
		t.Fatalf("overdue: %d %s", code, out)
	}
	if out, code := cli("engagements", "overdue"); code != 0 || !strings.Contains(out, "(0 newly logged)") {
		t.Fatalf("overdue again: %d %s", code, out)
	}
	if out, code := cli("engagements", "answer", pid[1], "--answer", "Sent late"); code != 0 || !strings.Contains(out, `"late": true`) {
		t.Fatalf("answer: %d %s", code, out)
	}
	if out, code := cli("engagements", "list"); code != 0 || !strings.Contains(out, "kept late") {
		t.Fatalf("list after answer: %d %s", code, out)
	}
}
