package tlog_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// TestWitnessPolicyIsPassedToTessera checks the pass-through of a witness
// policy: a malformed one is refused, and with an unreachable witness the
// log withholds checkpoints unless it is told to fail open.
func TestWitnessPolicyIsPassedToTessera(t *testing.T) {
	ctx := context.Background()
	_, wvkey, err := note.GenerateKey(rand.Reader, "witness.test")
	if err != nil {
		t.Fatal(err)
	}
	cosigKey, err := f_note.VKeyToCosignatureV1(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	policy := []byte(fmt.Sprintf("witness w1 %s http://127.0.0.1:1/\nquorum w1\n", cosigKey))
	signer := mustSigner(t)

	if _, err := tlog.Open(ctx, tlog.Config{Dir: t.TempDir(), Signer: signer, WitnessPolicy: []byte("quorum nobody\n"), Logger: quietLogger()}); err == nil {
		t.Fatal("a malformed witness policy was accepted")
	}

	// Without failing open, no checkpoint appears: Open itself fails on a
	// new log, since its first (empty) checkpoint cannot be witnessed.
	closed, err := tlog.Open(ctx, tlog.Config{Dir: t.TempDir(), Signer: signer, WitnessPolicy: policy, Logger: quietLogger()})
	if err == nil {
		closed.Close(ctx)
		t.Fatal("a log whose witnesses are unreachable published a checkpoint")
	}

	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	l, err := tlog.Open(ctx, tlog.Config{Dir: filepath.Join(dir, "log"), Signer: signer, CheckpointInterval: 100 * time.Millisecond,
		WitnessPolicy: policy, WitnessFailOpen: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	if err := relay.Record(ctx, mustEvent(t, 1)); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := relay.Flush(fctx); err != nil {
		t.Fatalf("fail-open log did not publish: %v", err)
	}
}

// testWitness is a minimal C2SP tlog-witness: it cosigns a checkpoint only
// if the log signed it and a consistency proof links it to the last one it
// cosigned, which is exactly what makes split views impossible.
type testWitness struct {
	t        *testing.T
	logV     note.Verifier
	cosigner note.Signer
	mu       sync.Mutex
	size     uint64
	root     []byte
	cosigned int
}

func (w *testWitness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	head, cpRaw, ok := strings.Cut(string(body), "\n\n")
	if !ok || r.URL.Path != "/add-checkpoint" {
		http.Error(rw, "bad request", http.StatusBadRequest)
		return
	}
	lines := strings.Split(head, "\n")
	old, err := strconv.ParseUint(strings.TrimPrefix(lines[0], "old "), 10, 64)
	if err != nil {
		http.Error(rw, "bad old line", http.StatusBadRequest)
		return
	}
	var proofHashes [][]byte
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil {
			http.Error(rw, "bad proof", http.StatusBadRequest)
			return
		}
		proofHashes = append(proofHashes, h)
	}
	cp, _, _, err := log.ParseCheckpoint([]byte(cpRaw), w.logV.Name(), w.logV)
	if err != nil {
		http.Error(rw, "not signed by the log", http.StatusForbidden)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old != w.size {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", w.size)
		return
	}
	if w.size > 0 {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, w.size, cp.Size, proofHashes, w.root, cp.Hash); err != nil {
			http.Error(rw, "inconsistent", http.StatusConflict)
			return
		}
	}
	text := cpRaw[:strings.Index(cpRaw, "\n\n")+1]
	signed, err := note.Sign(&note.Note{Text: text}, w.cosigner)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	w.size, w.root = cp.Size, cp.Hash
	w.cosigned++
	rw.Write(signed[len(text)+1:]) // the signature lines only
}

func TestCheckpointsAreCosignedByTheWitness(t *testing.T) {
	ctx := context.Background()
	wskey, wvkey, err := note.GenerateKey(rand.Reader, "witness.test")
	if err != nil {
		t.Fatal(err)
	}
	cosigner, err := f_note.NewSignerForCosignatureV1(wskey)
	if err != nil {
		t.Fatal(err)
	}
	cosigVkey, err := f_note.VKeyToCosignatureV1(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	signer := mustSigner(t)
	w := &testWitness{t: t, logV: mustVerifier(t, signer), cosigner: cosigner}
	srv := httptest.NewServer(w)
	defer srv.Close()
	policy := []byte(fmt.Sprintf("witness w1 %s %s\nquorum w1\n", cosigVkey, srv.URL))

	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	l, err := tlog.Open(ctx, tlog.Config{Dir: filepath.Join(dir, "log"), Signer: signer, CheckpointInterval: 100 * time.Millisecond,
		WitnessPolicy: policy, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	wv, err := f_note.NewVerifierForCosignatureV1(cosigVkey)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		for i := range 100 {
			if err := relay.Record(ctx, mustEvent(t, round*100+i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := relay.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		_, raw, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Both the log's signature and the witness's cosignature verify.
		n, err := note.Open(raw, note.VerifierList(mustVerifier(t, signer), wv))
		if err != nil || len(n.Sigs) != 2 {
			t.Fatalf("round %d: checkpoint %q: %v (%d verified signatures)", round, raw, err, len(n.Sigs))
		}
	}
	// The log still verifies with the log key alone.
	f, _ := tlog.NewFetcher(l.Dir(), nil)
	if rep, err := tlog.Verify(ctx, f, mustVerifier(t, signer)); err != nil || rep.Size != 300 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	if w.cosigned < 3 {
		t.Fatalf("witness cosigned %d checkpoints", w.cosigned)
	}

	// A split view: the same key starts a second history. The witness,
	// which has cosigned size 300 of the first, refuses it, so the fork
	// never gets a witnessed checkpoint.
	fork, err := tlog.Open(ctx, tlog.Config{Dir: t.TempDir(), Signer: signer, WitnessPolicy: policy, Logger: quietLogger()})
	if err == nil {
		fork.Close(ctx)
		t.Fatal("a forked log got its checkpoint witnessed")
	}
	if !strings.Contains(err.Error(), "witness") {
		t.Fatalf("fork refused for another reason: %v", err)
	}
	t.Logf("fork refused: %v", err)
}
