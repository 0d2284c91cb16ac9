package tlog_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-hrdd/vigil/tlog"
)

func TestRelayLogsEveryEventOnceAndProves(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	signer := mustSigner(t)
	l := mustOpenLog(t, filepath.Join(dir, "log"), signer)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{BatchSize: 128, Logger: quietLogger()})
	v := mustVerifier(t, signer)

	const n = 1000
	var ids []string
	for i := range n / 2 {
		ev := mustEvent(t, i)
		if err := relay.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	if got, err := relay.Flush(ctx); err != nil || got != n/2 {
		t.Fatalf("Flush = %d, %v; want %d", got, err, n/2)
	}
	_, oldCP, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := n / 2; i < n; i++ {
		ev := mustEvent(t, i)
		if err := relay.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	if _, err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := relay.Flush(ctx); err != nil || got != 0 {
		t.Fatalf("second Flush = %d, %v; want 0", got, err)
	}

	seen := map[int64]string{}
	for _, id := range ids {
		ev, err := store.GetEvent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ev.LeafIndex < 0 {
			t.Fatalf("event %s not logged", id)
		}
		if other, dup := seen[ev.LeafIndex]; dup {
			t.Fatalf("events %s and %s share leaf %d", other, id, ev.LeafIndex)
		}
		seen[ev.LeafIndex] = id
	}

	// Verify the live directory, a copy, and the copy served over HTTP.
	copyTo := t.TempDir()
	copyDir(t, l.Dir(), copyTo)
	srv := httptest.NewServer(tlog.Handler(copyTo))
	defer srv.Close()
	for _, src := range []string{l.Dir(), copyTo, srv.URL + "/log/"} {
		f, err := tlog.NewFetcher(src, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		rep, err := tlog.Verify(ctx, f, v)
		if err != nil {
			t.Fatalf("Verify(%s): %v", src, err)
		}
		if rep.Size != n {
			t.Fatalf("Verify(%s): size %d, want %d", src, rep.Size, n)
		}
	}

	// An auditor's verified mirror, taken over HTTP, verifies on its own.
	mirror := t.TempDir()
	hf, _ := tlog.NewFetcher(srv.URL+"/log/", srv.Client())
	if rep, err := tlog.Mirror(ctx, hf, v, mirror); err != nil || rep.Size != n {
		t.Fatalf("Mirror = %+v, %v", rep, err)
	}
	mf, _ := tlog.NewFetcher(mirror, nil)
	if _, err := tlog.Verify(ctx, mf, v); err != nil {
		t.Fatalf("Verify(mirror): %v", err)
	}

	// Every event proves, and the proof survives a JSON round trip.
	f, _ := tlog.NewFetcher(copyTo, nil)
	for _, id := range []string{ids[0], ids[255], ids[256], ids[n-1]} {
		ev, err := store.GetEvent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := tlog.Prove(ctx, f, v, ev)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		var back tlog.ProofBundle
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.Check(&back, v); err != nil {
			t.Fatalf("Check(%s): %v", id, err)
		}
		if strings.Contains(back.Leaf, "confidential") {
			t.Fatalf("leaf leaks content: %s", back.Leaf)
		}
		// A changed payload or a wrong salt no longer proves.
		bad := back
		evCopy := *back.Event
		evCopy.Payload = []byte(`{"n":1,"secret":"forged"}`)
		bad.Event = &evCopy
		if _, err := tlog.Check(&bad, v); err == nil {
			t.Fatalf("Check accepted a changed payload")
		}
	}

	_, newCP, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tlog.ProveConsistency(ctx, f, v, oldCP, newCP)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckConsistency(v, cp); err != nil {
		t.Fatal(err)
	}
	if _, err := tlog.ProveConsistency(ctx, f, v, newCP, oldCP); err == nil {
		t.Fatal("consistency accepted a shrinking log")
	}
}

func TestRecordedEventIsNotLoggedUntilRelayed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	ev := mustEvent(t, 1)
	if err := store.RecordEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetEvent(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	signer := mustSigner(t)
	l := mustOpenLog(t, filepath.Join(dir, "log"), signer)
	f, _ := tlog.NewFetcher(l.Dir(), nil)
	if _, err := tlog.Prove(ctx, f, mustVerifier(t, signer), got); !errors.Is(err, tlog.ErrNotYetLogged) {
		t.Fatalf("Prove of an unlogged event = %v, want ErrNotYetLogged", err)
	}
}

func TestOneAppenderPerLogDirectory(t *testing.T) {
	dir := t.TempDir()
	s := mustSigner(t)
	mustOpenLog(t, dir, s)
	if _, err := tlog.Open(context.Background(), tlog.Config{Dir: dir, Signer: s, Logger: quietLogger()}); err == nil {
		t.Fatal("a second appender opened the same log directory")
	}
}

func TestConcurrentRecordsAreGroupCommittedAndLogged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	l := mustOpenLog(t, filepath.Join(dir, "log"), mustSigner(t))
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	const writers, each = 32, 50
	var mu sync.Mutex
	var ok []string
	canceled := 0
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ev := mustEvent(t, w*each+i)
				rctx := ctx
				if i%10 == 9 {
					c, cancel := context.WithCancel(ctx)
					cancel()
					rctx = c
				}
				err := relay.Record(rctx, ev)
				mu.Lock()
				if err == nil {
					ok = append(ok, ev.ID)
				} else if errors.Is(err, context.Canceled) {
					canceled++
				} else {
					t.Error(err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if _, err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ok {
		ev, err := store.GetEvent(ctx, id)
		if err != nil || ev.LeafIndex < 0 {
			t.Fatalf("acknowledged event %s: %v, leaf %d", id, err, ev.LeafIndex)
		}
	}
	all, err := store.ListEvents(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	// A canceled Record may or may not have been written; nothing else is.
	if len(all) < len(ok) || len(all) > len(ok)+canceled {
		t.Fatalf("%d events stored for %d acknowledged and %d canceled", len(all), len(ok), canceled)
	}
	cp, _, err := l.Checkpoint(ctx)
	if err != nil || cp.Size != uint64(len(all)) {
		t.Fatalf("log size %v for %d events: %v", cp, len(all), err)
	}
}
