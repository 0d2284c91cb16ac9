package tlog_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	f_note "github.com/transparency-dev/formats/note"
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
