package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScreenCommand(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	in := filepath.Join(dir, "parties.csv")
	out := filepath.Join(dir, "matches.csv")
	os.WriteFile(list, []byte("id,name,aliases,type,country,source\n"+
		"u1,Military Unit 26165,85th Main Special Service Centre;в/ч 26165,organization,ru,test\n"+
		"u2,Ministry of Defence,,organization,ru,test\n"+
		"p1,Ivan Petrovich Sidorov,Ivan Sidorov,person,ru,test\n"), 0o644)
	os.WriteFile(in, []byte("id,name,country,type,aliases\n"+
		"a,Unit 26165,Russia,organization,\n"+
		"b,Unit 26166,Russia,organization,\n"+
		"c,Ministry of Defence,Ukraine,organization,\n"+
		"d,Иван Сидоров,RU,person,\n"+
		"e,Acme Widgets Ltd,GB,company,Acme\n"), 0o644)
	cmd := newScreenCmd(&globals{})
	var stderr bytes.Buffer
	cmd.SetErr(&stderr)
	cmd.SetArgs([]string{"--list", list, "--list-format", "csv", "--input", in, "--output", out})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "query_id,query_name,entity_id,entity_name,score,decision,explanation" {
		t.Fatalf("header %q", got)
	}
	dec := map[string]string{}
	for _, r := range rows[1:] {
		dec[r[0]+">"+r[2]] = r[5]
		if r[6] == "" {
			t.Errorf("row without explanation: %v", r)
		}
	}
	if dec["a>csv:u1"] != "match" {
		t.Errorf("Unit 26165: %v", rows)
	}
	if d := dec["b>csv:u1"]; d == "match" {
		t.Errorf("Unit 26166 matched unit 26165")
	}
	if d := dec["c>csv:u2"]; d == "match" {
		t.Errorf("Ukrainian ministry matched the Russian one")
	}
	if dec["d>csv:p1"] != "match" {
		t.Errorf("Cyrillic name: %v", rows)
	}
	for k := range dec {
		if strings.HasPrefix(k, "e>") {
			t.Errorf("unrelated party reported: %s", k)
		}
	}
	t.Log(stderr.String())
}

func TestScreenCommandErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "parties.csv")
	os.WriteFile(in, []byte("id,nom\n1,x\n"), 0o644)
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("id,name,aliases,type,country,source\n1,X,,person,,t\n"), 0o644)
	for _, args := range [][]string{
		{"--input", in, "--output", "-"},
		{"--list", list, "--list-format", "csv", "--list-format", "un", "--input", in, "--output", "-"},
		{"--list", list, "--list-format", "csv", "--input", in, "--output", filepath.Join(dir, "o.csv")},
		{"--list", list, "--list-format", "nope", "--input", in, "--output", "-"},
	} {
		cmd := newScreenCmd(&globals{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetOut(&bytes.Buffer{})
		cmd.SilenceUsage = true
		cmd.SetArgs(args)
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestBenchScreenCommand runs 'vigil bench screen' on a small list: it
// must report the index and every pass, with the same rows each pass.
func TestBenchScreenCommand(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	in := filepath.Join(dir, "parties.csv")
	os.WriteFile(list, []byte("id,name,aliases,type,country,source\n"+
		"u1,Military Unit 26165,в/ч 26165,organization,ru,test\n"+
		"p1,Ivan Petrovich Sidorov,Ivan Sidorov,person,ru,test\n"), 0o644)
	os.WriteFile(in, []byte("id,name,country\n"+
		"a,Unit 26165,RU\n"+
		"b,Иван Сидоров,RU\n"+
		"c,Acme Widgets Ltd,GB\n"), 0o644)
	cmd := newBenchScreenCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--list", list, "--list-format", "csv", "--input", in, "--workers", "1", "--passes", "2"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"lists: 2 entities", "pass 1: 3 parties, 1 workers", "pass 2: 3 parties, 1 workers", "per CPU-second", "2 match"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	cmd = newBenchScreenCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"--list", list, "--list-format", "csv"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "--input") {
		t.Errorf("without --input: %v", err)
	}
}
