package passkey

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	sealed, err := Seal([]byte("secret key"), "correct horse", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Open(sealed, "correct horse"); err != nil || string(got) != "secret key" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := Open(sealed, "wrong"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with a wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
}

func TestWriteNewRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := WriteNew(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(path, []byte("two"), 0o600); err == nil {
		t.Fatal("WriteNew replaced an existing file")
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("file holds %q", b)
	}
}
