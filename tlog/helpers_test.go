package tlog_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"
)

const testOrigin = "vigil.test/log"

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mustSigner returns a fresh signer; tests skip the sealed key file because
// its scrypt unsealing costs about a second.
func mustSigner(tb testing.TB) *tlog.Signer {
	tb.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := tlog.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func mustOpenStore(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustOpenLog(tb testing.TB, dir string, s *tlog.Signer) *tlog.Log {
	tb.Helper()
	l, err := tlog.Open(context.Background(), tlog.Config{
		Dir: dir, Signer: s,
		CheckpointInterval: 100 * time.Millisecond,
		BatchMaxAge:        5 * time.Millisecond,
		Logger:             quietLogger(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		l.Close(ctx)
	})
	return l
}

var testEpoch = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func mustEvent(tb testing.TB, i int) *vigil.Event {
	tb.Helper()
	ev, err := vigil.NewEvent("test.recorded", fmt.Sprintf("tests/%d", i), "tester",
		testEpoch.Add(time.Duration(i)*time.Millisecond), map[string]any{"n": i, "secret": "<confidential & private>"})
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

// copyDir copies a published log (without dot-directories), as an auditor
// would mirror it.
func copyDir(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && len(d.Name()) > 1 && d.Name()[0] == '.' {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func mustVerifier(tb testing.TB, s *tlog.Signer) note.Verifier {
	tb.Helper()
	v, err := tlog.ParseVerifier(s.VerifierKey())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestMain silences tessera's klog progress lines, which would otherwise
// interleave with benchmark results.
func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}
