package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	vnats "github.com/vigil-hrdd/vigil/nats"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/usage"
)

func serverURL() string {
	if u := os.Getenv("VIGIL_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// dial connects to the test server with a stream and consumer of the
// test's own, deleted at its end. Without a server the test skips loudly,
// unless VIGIL_REQUIRE_NATS=1 (set by .ci/run) makes that a failure.
func dial(tb testing.TB, cfg vnats.Config) *vnats.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b [5]byte
	rand.Read(b[:])
	id := strings.ToUpper(hex.EncodeToString(b[:]))
	if cfg.Stream == "" {
		cfg.Stream = "VIGIL_TEST_" + id
		cfg.Subject = "vigil.test." + strings.ToLower(id)
		cfg.Consumer = "vigil-test-" + strings.ToLower(id)
	}
	c, err := vnats.Dial(ctx, serverURL(), cfg)
	if err == nil {
		_, err = c.JS.AccountInfo(ctx)
		if err != nil {
			c.Close()
		}
	}
	if err != nil {
		msg := fmt.Sprintf("NATS with JetStream not reachable at %s (set VIGIL_TEST_NATS_URL): %v", serverURL(), err)
		if os.Getenv("VIGIL_REQUIRE_NATS") == "1" {
			tb.Fatalf("VIGIL_REQUIRE_NATS=1 but %s", msg)
		}
		fmt.Fprintln(os.Stderr, "SKIP LOUDLY: "+msg)
		tb.Skip("SKIP LOUDLY: " + msg)
	}
	tb.Cleanup(func() {
		if err := c.JS.DeleteStream(context.Background(), c.Config().Stream); err != nil {
			tb.Errorf("delete stream %s: %v", c.Config().Stream, err)
		}
		c.Close()
	})
	return c
}

// records makes n distinct records over 50 subscriptions and some hours; the
// quantity of record i is i%100+1, so the expected total is known.
func records(n int, prefix string) ([]usage.Record, float64) {
	recs := make([]usage.Record, n)
	var total float64
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		// In period order, as a metering system sends them: an hour's
		// records of every subscription, then the next hour's.
		t := start.Add(time.Duration(i/500) * time.Hour)
		q := float64(i%100 + 1)
		total += q
		recs[i] = usage.Record{Key: fmt.Sprintf("%s-%08d", prefix, i), Subscription: fmt.Sprintf("S%03d", i%50), Meter: "ai.speech_to_text",
			Quantity: q, Unit: "hour", Start: t, End: t.Add(time.Hour), Region: "eu-west-1"}
	}
	return recs, total
}

func totals(t testing.TB, us usage.Store) (int64, float64) {
	t.Helper()
	n, err := us.CountUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := us.DailyUsage(context.Background(), usage.DailyQuery{From: 0, To: usage.DayFromDate(vigil.MustDate("2030-01-01"))})
	if err != nil {
		t.Fatal(err)
	}
	var q float64
	for _, d := range ds {
		q += d.Quantity
	}
	return n, q
}

func TestPublishConsumeDedupe(t *testing.T) {
	ctx := context.Background()
	c := dial(t, vnats.Config{MaxWait: 200 * time.Millisecond})
	cons, err := c.EnsureStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, total := records(5000, "a")
	if err := c.Publish(ctx, recs, 50); err != nil {
		t.Fatal(err)
	}
	// The same records again in other messages (other message ids): the
	// server passes them on, the store counts them once.
	if err := c.Publish(ctx, recs[:1000], 7); err != nil {
		t.Fatal(err)
	}
	// And content, which the worker must refuse without storing it.
	if _, err := c.JS.Publish(ctx, c.Config().Subject, []byte(`{"key":"x","transcript":"we meet at the harbour"}`)); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	var mu sync.Mutex
	w := vnats.NewWorker(c, cons, db, slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)))
	var st vnats.Stats
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n, err := w.Once(ctx, &st)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && st.Records >= 6000 {
			break
		}
	}
	n, q := totals(t, db)
	if n != 5000 || q != total || st.Created != 5000 || st.Duplicates != 1000 || st.Refused != 1 {
		t.Fatalf("stored %d records, total %v (want 5000, %v); stats %+v", n, q, total, st)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), `field \"transcript\"`) || strings.Contains(logs.String(), "harbour") {
		t.Fatalf("the refusal log must name the field and not the content:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  *strings.Builder
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestWorkerProcess is the worker the crash test runs as a child process
// and kills; on its own it does nothing.
func TestWorkerProcess(t *testing.T) {
	db := os.Getenv("VIGIL_CRASH_DB")
	if db == "" {
		t.Skip("run by TestCrashMidStream")
	}
	ctx := context.Background()
	batch, _ := strconv.Atoi(os.Getenv("VIGIL_CRASH_BATCH"))
	cfg := vnats.Config{Stream: os.Getenv("VIGIL_CRASH_STREAM"), Subject: os.Getenv("VIGIL_CRASH_SUBJECT"), Consumer: os.Getenv("VIGIL_CRASH_CONSUMER"),
		Batch: batch, MaxWait: 200 * time.Millisecond, AckWait: 3 * time.Second}
	c, err := vnats.Dial(ctx, serverURL(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := c.EnsureStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// Two workers share the consumer, as two processes would.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			vnats.NewWorker(c, cons, store, slog.New(slog.NewTextHandler(os.Stderr, nil))).Run(ctx)
		})
	}
	wg.Wait()
}

// TestCrashMidStream kills the consuming process with SIGKILL in the
// middle of a stream, restarts it, and checks that every record was stored
// exactly once: no acked record lost, no redelivered one counted twice.
// Messages carry batches of 100 records; each transaction up to 64
// messages.
func TestCrashMidStream(t *testing.T) { crashMidStream(t, 200_000, 100, 64) }

// TestCrashMidStreamOneRecordMessages is the same with one record a
// message, the common shape of producers, and transactions of up to 1,000
// messages fetched ahead of the worker: more messages in flight at a kill.
func TestCrashMidStreamOneRecordMessages(t *testing.T) { crashMidStream(t, 100_000, 1, 1000) }

func crashMidStream(t *testing.T, n, perMessage, batch int) {
	ctx := context.Background()
	c := dial(t, vnats.Config{AckWait: 3 * time.Second})
	if _, err := c.EnsureStream(ctx); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, total := records(n, "crash")
	if err := c.Publish(ctx, recs, perMessage); err != nil {
		t.Fatal(err)
	}
	cfg := c.Config()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "VIGIL_CRASH_DB="+dbPath, "VIGIL_CRASH_STREAM="+cfg.Stream,
			"VIGIL_CRASH_SUBJECT="+cfg.Subject, "VIGIL_CRASH_CONSUMER="+cfg.Consumer,
			"VIGIL_CRASH_BATCH="+strconv.Itoa(batch))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// Progress is read from the daily totals' record counts, which are
	// a few hundred rows, rather than by counting the records table.
	progress := func() int64 {
		var n int64
		db.DB().QueryRowContext(ctx, "SELECT coalesce(sum(records), 0) FROM usage_daily").Scan(&n)
		return n
	}
	waitFor := func(what string, cond func(int64) bool, limit time.Duration) int64 {
		deadline := time.Now().Add(limit)
		for {
			got := progress()
			if cond(got) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d records after %v", what, got, limit)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	kills := []int64{int64(n / 5), int64(n / 2)}
	for _, at := range kills {
		cmd := start()
		got := waitFor("before the kill", func(c int64) bool { return c >= at }, 120*time.Second)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		t.Logf("killed the worker process with SIGKILL at %d of %d records", got, n)
		if got >= int64(n) {
			t.Fatalf("the stream was consumed before the kill; nothing was tested")
		}
	}
	cmd := start()
	defer func() {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}()
	waitFor("after the restart", func(c int64) bool { return c >= int64(n) }, 180*time.Second)
	// Let redeliveries of messages that were in flight at the kills arrive
	// (AckWait is 3 s) and prove they change nothing.
	cons, err := c.JS.Consumer(ctx, cfg.Stream, cfg.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			msgs := (n + perMessage - 1) / perMessage
			redelivered := int(info.Delivered.Consumer) - msgs
			t.Logf("%d deliveries of %d messages (%d records each): %d redelivered after the kills", info.Delivered.Consumer, msgs, perMessage, redelivered)
			// Without a redelivered batch, "a redelivered batch changes
			// nothing" was not put to the test.
			if redelivered == 0 {
				t.Fatalf("no batch was in flight at either kill; nothing was redelivered")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer still has %d pending, %d unacked", info.NumPending, info.NumAckPending)
		}
		time.Sleep(200 * time.Millisecond)
	}
	got, q := totals(t, db)
	if got != int64(n) || q != total {
		t.Fatalf("after two SIGKILLs: %d records, total %v; want %d, %v", got, q, n, total)
	}
}
