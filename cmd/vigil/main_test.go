package main

import (
	"bytes"
	"context"
	"github.com/spf13/cobra"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI in-process and returns its output and exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		out.WriteString("error: " + err.Error())
	}
	return out.String(), exitCode(err)
}

func TestImportExportAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "v.db")
	t.Setenv("VIGIL_LOG_PASSPHRASE", "test passphrase")
	out, code := run(t, "--db", db, "--data-dir", dir, "init")
	if code != 0 || !strings.Contains(out, "admin token") || !strings.Contains(out, "vigil.local/log+") {
		t.Fatalf("init: %d %s", code, out)
	}
	// init again changes nothing and prints no new admin token.
	out, code = run(t, "--db", db, "--data-dir", dir, "init")
	if code != 0 || strings.Contains(out, "admin token (shown once") {
		t.Fatalf("second init: %d %s", code, out)
	}
	parties := filepath.Join(dir, "parties.csv")
	os.WriteFile(parties, []byte("id,type,name,country,sectors\nP1,government_body,Ministry,NO,government\nP2,security_unit,Unit 5,NO-03,military\n"), 0o644)
	out, code = run(t, "--db", db, "import", "parties", parties)
	if code != 0 || !strings.Contains(out, "parties  2") {
		t.Fatalf("import: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "import", "parties", parties)
	if code != 0 || !strings.Contains(out, "0        2") {
		t.Fatalf("re-import: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("id,type,name,country\nP3,company,X,ZZZ\n"), 0o644)
	out, code = run(t, "--db", db, "import", "parties", bad)
	if code != exitInvalid || !strings.Contains(out, `bad.csv: line 2: field "country"`) {
		t.Fatalf("bad import: %d %s", code, out)
	}
	out, code = run(t, "--db", db, "-o", "csv", "list", "parties", "-f", "sector=military")
	if code != 0 || !strings.Contains(out, "P2,security_unit,Unit 5") || strings.Contains(out, "P1,") {
		t.Fatalf("list: %d %s", code, out)
	}
	_, code = run(t, "--db", db, "get", "party", "P404")
	if code != exitNotFound {
		t.Fatalf("get missing: %d", code)
	}
	_, code = run(t, "--db", db, "list")
	if code != exitUsage {
		t.Fatalf("list without kind: %d", code)
	}
	_, code = run(t, "--db", db, "--bogus")
	if code != exitUsage {
		t.Fatalf("unknown flag: %d", code)
	}
	_, code = run(t, "--db", db, "users", "add", "admin", "--role", "admin")
	if code != exitConflict {
		t.Fatalf("duplicate user: %d", code)
	}
	out, code = run(t, "--db", db, "tokens", "create", "--user", "admin")
	if code != 0 || !strings.Contains(out, "vgl_") {
		t.Fatalf("token: %d %s", code, out)
	}
	exp := filepath.Join(dir, "export")
	if _, code = run(t, "--db", db, "export", "all", "--out", exp); code != 0 {
		t.Fatalf("export all: %d", code)
	}
	db2 := "sqlite:" + filepath.Join(dir, "v2.db")
	out, code = run(t, "--db", db2, "import", "all", exp)
	if code != 0 || !strings.Contains(out, "parties        2") {
		t.Fatalf("import all of the export: %d %s", code, out)
	}
}

// TestEveryCommandHasHelpWithExample keeps the CLI self-documenting.
func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := newRootCmd()
	var check func(path string, cmds []*cobraCommand)
	check = func(path string, cmds []*cobraCommand) {
		for _, c := range cmds {
			if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
				continue
			}
			if c.Short == "" {
				t.Errorf("%s %s has no short help", path, c.Name())
			}
			if c.Runnable() && c.Example == "" {
				t.Errorf("%s %s has no example", path, c.Name())
			}
			check(path+" "+c.Name(), c.Commands())
		}
	}
	check("vigil", root.Commands())
}

type cobraCommand = cobra.Command
