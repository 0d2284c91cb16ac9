package tlog_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// BenchmarkRecordEndToEnd measures events a second through the whole path:
// Record (the outbox insert in SQLite), the relay reading pending events in
// bulk, tessera's POSIX driver sequencing and integrating them, and the
// marks written back; the clock stops when every event is marked logged.
// Run with -benchtime=100000x so that a run lasts seconds.
func BenchmarkRecordEndToEnd(b *testing.B) {
	for _, kind := range storeKinds {
		for _, writers := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("store=%s/writers=%d", kind, writers), func(b *testing.B) {
				benchRecord(b, kind, writers)
			})
		}
	}
}

func benchRecord(b *testing.B, kind string, writers int) {
	ctx := context.Background()
	dir := b.TempDir()
	store := openStoreKind(b, kind, dir)
	l := mustOpenLog(b, filepath.Join(dir, "log"), mustSigner(b))
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	runCtx, stop := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Run(runCtx) }()
	// Events are built before the clock starts: their cost (JSON,
	// salt, SHA-256) belongs to the caller, not to the log.
	events := make([]*vigil.Event, b.N)
	for i := range events {
		events[i] = mustEvent(b, i)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := relay.Record(ctx, events[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	recorded := time.Since(start)
	// Wait for the relay to have marked everything.
	for {
		p, err := store.PendingEvents(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-relayDone
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/recorded.Seconds(), "recorded/s")
	b.ReportMetric(0, "ns/op")
}

// benchEvent is a deterministic event for index i, so that the proof
// benchmark can rebuild the event any entry of its large log stands for.
func benchEvent(i uint64) *vigil.Event {
	salt := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
	ev := &vigil.Event{
		ID:        fmt.Sprintf("E%012d", i),
		Type:      "bench.recorded",
		Subject:   "bench/" + strconv.FormatUint(i, 10),
		Actor:     "bench",
		Time:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Payload:   []byte(`{"i":` + strconv.FormatUint(i, 10) + `}`),
		Salt:      salt[:],
		LeafIndex: int64(i),
	}
	ev.Commitment = ev.ComputeCommitment()
	return ev
}

// benchLogSize is the size of the proof benchmark's log:
// VIGIL_TLOG_BENCH_SIZE, default 10,000,000.
func benchLogSize() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("VIGIL_TLOG_BENCH_SIZE"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 10_000_000
}

// largeLog builds (once; it is kept in the temp directory between runs
// because building 10M entries takes minutes) a log of n deterministic
// entries and returns its directory and signer key.
func largeLog(b *testing.B, n uint64) (string, *tlog.Signer) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("vigil-tlog-bench-%d", n))
	keyFile := filepath.Join(dir, "skey")
	if skey, err := os.ReadFile(keyFile); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
			s, err := tlog.NewSigner(string(skey))
			if err != nil {
				b.Fatal(err)
			}
			return dir, s
		}
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	skey, _, err := note.GenerateKey(nil, testOrigin)
	if err != nil {
		b.Fatal(err)
	}
	s, err := tlog.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	l, err := tlog.Open(ctx, tlog.Config{Dir: filepath.Join(dir, "log"), Signer: s, BatchSize: 65536, BatchMaxAge: 100 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const window = 1 << 18
	futures := make([]tessera.IndexFuture, 0, window)
	for i := uint64(0); i < n; i++ {
		futures = append(futures, l.Add(ctx, tlog.LeafOf(benchEvent(i)).Marshal()))
		if len(futures) == window || i == n-1 {
			for j, f := range futures {
				idx, err := f()
				if err != nil {
					b.Fatal(err)
				}
				if want := i + 1 - uint64(len(futures)) + uint64(j); idx.Index != want {
					b.Fatalf("entry %d landed at %d", want, idx.Index)
				}
			}
			futures = futures[:0]
			b.Logf("built %d entries in %v", i+1, time.Since(start).Round(time.Second))
		}
	}
	if _, err := l.AwaitCheckpoint(ctx, n); err != nil {
		b.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a log of %d entries in %v (%.0f entries/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
	if err := os.WriteFile(keyFile, []byte(skey), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, s
}

// BenchmarkInclusionProof measures building an event's inclusion proof from
// the tiles on disk (checkpoint read and signature check included) and
// checking the bundle, at a random index of a 10M-entry log.
func BenchmarkInclusionProof(b *testing.B) {
	n := benchLogSize()
	dir, s := largeLog(b, n)
	ctx := context.Background()
	f := client.FileFetcher{Root: filepath.Join(dir, "log")}
	v := mustVerifier(b, s)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for b.Loop() {
		ev := benchEvent(rng.Uint64N(n))
		bundle, err := tlog.Prove(ctx, f, v, ev)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tlog.Check(bundle, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "entries")
}

// BenchmarkTesseraAlone is the calibration point for BenchmarkRecordEndToEnd:
// the same log settings, 64 goroutines adding leaves without waiting one by
// one, no database. The machine's load moves both figures together.
func BenchmarkTesseraAlone(b *testing.B) {
	ctx := context.Background()
	l := mustOpenLog(b, b.TempDir(), mustSigner(b))
	leaves := make([][]byte, b.N)
	for i := range leaves {
		leaves[i] = tlog.LeafOf(benchEvent(uint64(i))).Marshal()
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			var futures []tessera.IndexFuture
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					break
				}
				futures = append(futures, l.Add(ctx, leaves[i]))
			}
			for _, f := range futures {
				if _, err := f(); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(0, "ns/op")
}
