package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-hrdd/vigil/internal/passkey"
	"golang.org/x/mod/sumdb/note"
)

// PassphraseEnv names the environment variable the commands read the key's
// passphrase from. The library itself never reads the environment.
const PassphraseEnv = "VIGIL_LOG_PASSPHRASE"

// Key file names inside the key directory. The private key is sealed with
// age under a passphrase (scrypt), so a copy of the data directory or a
// backup does not leak the power to sign checkpoints; the public key is
// plain text meant to be published.
const (
	PrivateKeyFile = "log-key.age"
	PublicKeyFile  = "log-key.pub"
)

// InitKey creates the log's Ed25519 checkpoint-signing key for origin (the
// log's name, e.g. "vigil.example.org/log"), seals the private key under
// passphrase in dir and writes the public verifier key next to it. It
// returns the verifier key, which auditors need and which should be
// published. It refuses to overwrite an existing key: a new key makes a new
// log in the eyes of every verifier.
func InitKey(dir, origin, passphrase string) (string, error) {
	if passphrase == "" {
		return "", fmt.Errorf("init log key: empty passphrase (set %s)", PassphraseEnv)
	}
	if origin == "" || strings.ContainsAny(origin, " +\n\t") {
		return "", fmt.Errorf("init log key: origin %q must be non-empty without spaces or '+'", origin)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", fmt.Errorf("init log key: generate: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("init log key: %w", err)
	}
	sealed, err := passkey.Seal([]byte(skey), passphrase, 0)
	if err != nil {
		return "", fmt.Errorf("init log key: %w", err)
	}
	if err := passkey.WriteNew(filepath.Join(dir, PrivateKeyFile), sealed, 0o600); err != nil {
		return "", fmt.Errorf("init log key: %w", err)
	}
	if err := passkey.WriteNew(filepath.Join(dir, PublicKeyFile), []byte(vkey+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("init log key: %w", err)
	}
	return vkey, nil
}

// Signer is a note signer that also knows its public verifier key, which
// note.Signer does not expose.
type Signer struct {
	note.Signer
	verifierKey string
}

// NewSigner parses a note signer key ("PRIVATE+KEY+origin+hash+base64") of
// type Ed25519.
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("parse signer key: %w", err)
	}
	// "PRIVATE+KEY+<name>+<hash>+<base64(algorithm byte || Ed25519 seed)>";
	// the name has no '+' but the base64 may.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return nil, errors.New("parse signer key: malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("parse signer key: not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("parse signer key: %w", err)
	}
	return &Signer{Signer: s, verifierKey: vkey}, nil
}

// VerifierKey is the public key auditors verify checkpoints with.
func (s *Signer) VerifierKey() string { return s.verifierKey }

// LoadSigner unseals the checkpoint-signing key in dir.
func LoadSigner(dir, passphrase string) (*Signer, error) {
	sealed, err := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if err != nil {
		return nil, fmt.Errorf("load log key: %w", err)
	}
	skey, err := passkey.Open(sealed, passphrase)
	if err != nil {
		return nil, fmt.Errorf("load log key: %w (wrong %s?)", err, PassphraseEnv)
	}
	s, err := NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("load log key: %w", err)
	}
	return s, nil
}

// LoadVerifierKey returns the public verifier key stored in dir.
func LoadVerifierKey(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		return "", fmt.Errorf("load log verifier key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// ParseVerifier accepts a verifier key ("origin+hash+base64") or the path of
// a file holding one, which is how auditors usually receive it.
func ParseVerifier(keyOrPath string) (note.Verifier, error) {
	k := strings.TrimSpace(keyOrPath)
	if !strings.Contains(k, "+") || fileExists(k) {
		b, err := os.ReadFile(k)
		if err != nil {
			return nil, fmt.Errorf("read verifier key: %w", err)
		}
		k = strings.TrimSpace(string(b))
	}
	v, err := note.NewVerifier(k)
	if err != nil {
		return nil, fmt.Errorf("parse verifier key: %w", err)
	}
	return v, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, os.ErrNotExist)
}
