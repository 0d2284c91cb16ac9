package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/pgtest"
	"github.com/vigil-hrdd/vigil/internal/syncbuf"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/sqlite"
)

// TestScreenerStepAcrossRestarts checks the server's screening loop on
// both stores: a party created after a list is screened by the next step,
// the cursor survives a restart (the new screener has nothing to do), and
// a lost cursor file reads the outbox again without screening anything
// twice.
func TestScreenerStepAcrossRestarts(t *testing.T) {
	stores := map[string]func(t *testing.T) vigil.Store{
		"sqlite": func(t *testing.T) vigil.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) vigil.Store { return pgtest.Open(t, "vigil_serve_screening") },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			g := &globals{dataDir: t.TempDir()}
			logger := slog.New(slog.DiscardHandler)
			sc, err := newScreener(g, s, logger)
			if err != nil {
				t.Fatal(err)
			}
			list := filepath.Join(t.TempDir(), "watch.csv")
			os.WriteFile(list, []byte("id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test\n"), 0o644)
			if _, err := sc.svc.Import(ctx, screening.ImportRequest{Path: list, Format: "csv", Name: "watch", Actor: "tester"}); err != nil {
				t.Fatal(err)
			}
			// A list and no party: the first run screens an empty portfolio.
			if _, err := sc.step(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(ctx, &vigil.Party{ID: "P1", Type: vigil.PartyUnit, Name: "Northern Signals Brigade 4471", Country: "NO"}, "api-user"); err != nil {
				t.Fatal(err)
			}
			run, err := sc.step(ctx)
			if err != nil || run == nil || run.Found != 1 || run.Actor != screeningActor {
				t.Fatalf("step after a new party: %+v, %v", run, err)
			}
			b, err := os.ReadFile(filepath.Join(g.dataDir, "screening-cursor"))
			if err != nil || strings.TrimSpace(string(b)) == "0" {
				t.Fatalf("cursor file: %q, %v", b, err)
			}
			// Restart: the saved cursor leaves nothing to do.
			sc2, err := newScreener(g, s, logger)
			if err != nil || sc2.cursor != sc.cursor {
				t.Fatalf("restart: cursor %d, want %d (%v)", sc2.cursor, sc.cursor, err)
			}
			if run, err := sc2.step(ctx); err != nil || run != nil {
				t.Fatalf("step after restart: %+v, %v", run, err)
			}
			// A lost cursor: the outbox is read again, nothing is found twice.
			os.Remove(filepath.Join(g.dataDir, "screening-cursor"))
			sc3, err := newScreener(g, s, logger)
			if err != nil || sc3.cursor != 0 {
				t.Fatalf("lost cursor: %d, %v", sc3.cursor, err)
			}
			run, err = sc3.step(ctx)
			if err != nil || run == nil || run.Found+run.Reopened+run.Cleared+run.PartiesScreened+run.EntriesScreened != 0 {
				t.Fatalf("step with a lost cursor: %+v, %v", run, err)
			}
			ms, err := sc3.svc.PartyMatches(ctx, "P1", false)
			if err != nil || len(ms) != 1 || ms[0].Status != screening.StatusPending {
				t.Fatalf("P1's matches: %+v, %v", ms, err)
			}
			os.WriteFile(filepath.Join(g.dataDir, "screening-cursor"), []byte("garbage\n"), 0o644)
			if sc4, err := newScreener(g, s, logger); err != nil || sc4.cursor != 0 {
				t.Fatalf("unreadable cursor: %d, %v", sc4.cursor, err)
			}
		})
	}
}

// TestServeScreensNewParties runs 'vigil serve' and checks, through the
// API alone, that a list version uploaded to it and a party created
// through it are screened without anyone asking: the party's matches
// appear by themselves.
func TestServeScreensNewParties(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server")
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "v.db")
	t.Setenv("VIGIL_LOG_PASSPHRASE", "test passphrase")
	out, code := run(t, "--db", db, "--data-dir", dir, "init")
	if code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	token := regexp.MustCompile(`vgl_[A-Za-z0-9_-]+`).FindString(out)
	if token == "" {
		t.Fatalf("no admin token in:\n%s", out)
	}
	// The server logs through slog's default logger; its lines go with a
	// failure's message.
	var logs syncbuf.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	root := newRootCmd()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"--db", db, "--data-dir", dir, "serve", "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)

	call := func(method, path, ctype, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := call("POST", "/api/v1/lists/watch/versions?format=csv&kind=military_end_user&file=watch.csv", "text/csv",
		"id,name,aliases,type,country,source\n1,Northern Signals Brigade 4471,NSB 4471,organization,no,Test\n")
	if code != http.StatusOK {
		t.Fatalf("list upload: %d %s\nserver log:\n%s", code, body, logs.String())
	}
	code, body = call("POST", "/api/v1/parties", "application/json", `{"id":"P1","type":"security_unit","name":"Northern Signals Brigade 4471","country":"NO"}`)
	if code != http.StatusCreated {
		t.Fatalf("create party: %d %s\nserver log:\n%s", code, body, logs.String())
	}
	// The loop's period is seconds; the deadline only bounds a broken
	// loop, it measures nothing.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body = call("GET", "/api/v1/parties/P1/matches", "", "")
		var page struct {
			Items []screening.Match `json:"items"`
		}
		if code == http.StatusOK && json.Unmarshal([]byte(body), &page) == nil && len(page.Items) == 1 {
			if m := page.Items[0]; m.EntryID != "csv:1" || m.Status != screening.StatusPending || m.ListKind != "military_end_user" {
				t.Fatalf("the server's match: %+v", m)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not screen the new party: %d %s\nserver log:\n%s", code, body, logs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}
