package tlog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

func TestInitKeySealsThePrivateKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := tlog.InitKey(dir, testOrigin, ""); err == nil {
		t.Fatal("InitKey accepted an empty passphrase")
	}
	vkey, err := tlog.InitKey(dir, testOrigin, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vkey, testOrigin+"+") {
		t.Fatalf("verifier key %q", vkey)
	}
	if _, err := tlog.InitKey(dir, testOrigin, "correct horse"); err == nil {
		t.Fatal("InitKey overwrote an existing key")
	}
	sealed, err := os.ReadFile(filepath.Join(dir, tlog.PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PRIVATE+KEY") || !strings.HasPrefix(string(sealed), "age-encryption.org/v1") {
		t.Fatal("private key is not sealed with age")
	}
	if st, _ := os.Stat(filepath.Join(dir, tlog.PrivateKeyFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", st.Mode().Perm())
	}
	if _, err := tlog.LoadSigner(dir, "wrong"); err == nil {
		t.Fatal("LoadSigner accepted a wrong passphrase")
	}
	s, err := tlog.LoadSigner(dir, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if s.VerifierKey() != vkey {
		t.Fatalf("signer's verifier key %q, InitKey said %q", s.VerifierKey(), vkey)
	}
	// The exported key file verifies what the unsealed key signs.
	v, err := tlog.ParseVerifier(filepath.Join(dir, tlog.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: string(log.Checkpoint{Origin: testOrigin, Size: 0, Hash: make([]byte, 32)}.Marshal())}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := log.ParseCheckpoint(msg, testOrigin, v); err != nil {
		t.Fatal(err)
	}
	if got, err := tlog.LoadVerifierKey(dir); err != nil || got != vkey {
		t.Fatalf("LoadVerifierKey = %q, %v", got, err)
	}
}
