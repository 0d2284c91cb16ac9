package tlog_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

const (
	crashDirEnv  = "VIGIL_TLOG_CRASH_DIR"
	crashModeEnv = "VIGIL_TLOG_CRASH_MODE"
)

// killOnMark is the real store with one fault injected: the process dies
// at its first MarkLogged, i.e. after the relay's append reached the log
// and before the store learnt of it, the window the outbox must survive.
type killOnMark struct{ vigil.EventStore }

func (k killOnMark) MarkLogged(ctx context.Context, marks []vigil.LogMark) error {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// TestCrashChild is the process the crash test kills; it does nothing
// unless started by TestCrashDuringAppend.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the crash test's child process")
	}
	ctx := context.Background()
	skey, err := os.ReadFile(filepath.Join(dir, "skey"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := tlog.NewSigner(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	l := mustOpenLog(t, filepath.Join(dir, "log"), signer)
	var es vigil.EventStore = store
	if os.Getenv(crashModeEnv) == "mark" {
		es = killOnMark{store}
	}
	relay := tlog.NewRelay(es, l, tlog.RelayConfig{BatchSize: 64, PollInterval: 10 * time.Millisecond, Logger: quietLogger()})
	go relay.Run(ctx)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				ev, err := vigil.NewEvent("crash.test", fmt.Sprintf("w%d/%d", w, i), "child", time.Now(), map[string]int{"i": i})
				if err != nil {
					panic(err)
				}
				if err := relay.Record(ctx, ev); err != nil {
					panic(err)
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK %s\n", ev.ID)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	time.Sleep(30 * time.Second) // the parent kills us long before
}

func TestCrashDuringAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	skey, _, err := note.GenerateKey(nil, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "skey"), []byte(skey), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := tlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	// Twelve rounds by default; VIGIL_TLOG_CRASH_ROUNDS=100 for a long run.
	n := 12
	if v, err := strconv.Atoi(os.Getenv("VIGIL_TLOG_CRASH_ROUNDS")); err == nil && v > 0 {
		n = v
	}
	rounds := make([]string, n)
	for i := range rounds {
		rounds[i] = "random"
		if i%4 == 0 {
			rounds[i] = "mark"
		}
	}
	recoveredRounds := 0
	for round, mode := range rounds {
		ids, err := runCrashChild(t, dir, mode)
		if err != nil {
			t.Fatalf("round %d (%s): %v", round, mode, err)
		}
		for _, id := range ids {
			acked[id] = true
		}
		recovered := checkAfterCrash(t, ctx, dir, signer, acked)
		if recovered > 0 {
			recoveredRounds++
		}
		if mode == "mark" && recovered == 0 {
			t.Fatalf("round %d: killed between append and mark, but recovery found nothing", round)
		}
		t.Logf("round %d (%s): %d events acknowledged in all, %d recovered from the log tail", round, mode, len(acked), recovered)
	}
	t.Logf("%d of %d rounds crashed between append and mark", recoveredRounds, len(rounds))
}

// runCrashChild runs the child until it dies (mode "mark") or is killed at
// a random moment while appending, and returns the ids it acknowledged.
func runCrashChild(t *testing.T, dir, mode string) ([]string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashModeEnv+"="+mode)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var ids []string
	done := make(chan struct{})
	first := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
				if len(ids) == 0 {
					close(first)
				}
				ids = append(ids, id)
			}
		}
	}()
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("child acknowledged nothing")
	}
	if mode == "random" {
		n, _ := rand.Int(rand.Reader, big.NewInt(400))
		time.Sleep(time.Duration(20+n.Int64()) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return nil, fmt.Errorf("child did not die by SIGKILL: %v", err)
	}
	return ids, nil
}

// checkAfterCrash restarts the relay on what the child left and checks that
// every acknowledged event is in the log exactly once and the log verifies.
// It returns how many entries the relay recovered from the log's tail.
func checkAfterCrash(t *testing.T, ctx context.Context, dir string, signer *tlog.Signer, acked map[string]bool) int {
	t.Helper()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	defer store.Close()
	l, err := tlog.Open(ctx, tlog.Config{Dir: filepath.Join(dir, "log"), Signer: signer, CheckpointInterval: 100 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{BatchSize: 64, Logger: quietLogger()})
	if _, err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var events []*vigil.Event
	for after := int64(0); ; {
		page, err := store.ListEvents(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		after = page[len(page)-1].Seq
	}
	byID := map[string]*vigil.Event{}
	byLeaf := map[int64]*vigil.Event{}
	for _, ev := range events {
		byID[ev.ID] = ev
		if ev.LeafIndex < 0 {
			t.Fatalf("event %s not logged after restart", ev.ID)
		}
		if other, dup := byLeaf[ev.LeafIndex]; dup {
			t.Fatalf("events %s and %s share leaf %d", other.ID, ev.ID, ev.LeafIndex)
		}
		byLeaf[ev.LeafIndex] = ev
	}
	for id := range acked {
		if byID[id] == nil {
			t.Fatalf("acknowledged event %s lost", id)
		}
	}
	f := client.FileFetcher{Root: l.Dir()}
	rep, err := tlog.Verify(ctx, f, mustVerifier(t, signer))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != uint64(len(events)) {
		t.Fatalf("log holds %d entries for %d events: something was logged twice or not at all", rep.Size, len(events))
	}
	for ri := range layout.Range(0, rep.Size, rep.Size) {
		raw, err := f.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			t.Fatal(err)
		}
		var b api.EntryBundle
		if err := b.UnmarshalText(raw); err != nil {
			t.Fatal(err)
		}
		for j, e := range b.Entries {
			i := int64(ri.Index*layout.EntryBundleWidth) + int64(j)
			ev := byLeaf[i]
			if ev == nil || string(tlog.LeafOf(ev).Marshal()) != string(e) {
				t.Fatalf("log entry %d is not the event marked with it", i)
			}
		}
	}
	return relay.Recovered()
}
