package grievance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/internal/passkey"
)

// PassphraseEnv names the environment variable the commands read the
// grievance key's passphrase from. The library never reads the
// environment.
const PassphraseEnv = "VIGIL_GRIEVANCE_PASSPHRASE"

// Key file names inside the keys directory. The X25519 identity that opens
// contact details and files is sealed with age under a passphrase (scrypt), so a copy
// of the data directory does not open them; the recipient is public and is
// all the server needs to seal new ones.
const (
	IdentityFile  = "grievance-key.age"
	RecipientFile = "grievance-key.pub"
)

// scryptWorkFactor is age's default (about a second): the passphrase is
// typed by a person, rarely.
const scryptWorkFactor = 18

// GenerateKey creates the key pair that seals contact details, seals the
// identity under passphrase in dir and writes the recipient beside it. It
// refuses to overwrite an existing key: contact details sealed to the old
// one would become unreadable.
func GenerateKey(dir, passphrase string) (string, error) {
	return GenerateKeyWorkFactor(dir, passphrase, scryptWorkFactor)
}

// GenerateKeyWorkFactor is GenerateKey with scrypt's work factor (log2 of
// N) chosen: age's default of 18 needs 256 MiB to unseal, which tests on
// small machines cannot spare many times over. Below 10 is refused.
func GenerateKeyWorkFactor(dir, passphrase string, workFactor int) (string, error) {
	if workFactor < 10 || workFactor > 22 {
		return "", fmt.Errorf("grievance key: scrypt work factor %d is outside 10..22", workFactor)
	}
	if strings.TrimSpace(passphrase) == "" {
		return "", fmt.Errorf("grievance key: empty passphrase (set %s)", PassphraseEnv)
	}
	if _, err := os.Stat(filepath.Join(dir, IdentityFile)); err == nil {
		return "", vigil.Errorf(vigil.ECONFLICT, "grievance key: %s exists already; a new key would make every sealed contact unreadable", filepath.Join(dir, IdentityFile))
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("grievance key: generate: %w", err)
	}
	sealed, err := passkey.Seal([]byte(id.String()), passphrase, workFactor)
	if err != nil {
		return "", fmt.Errorf("grievance key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("grievance key: %w", err)
	}
	if err := passkey.WriteNew(filepath.Join(dir, IdentityFile), sealed, 0o600); err != nil {
		return "", fmt.Errorf("grievance key: %w", err)
	}
	recipient := id.Recipient().String()
	if err := passkey.WriteNew(filepath.Join(dir, RecipientFile), []byte(recipient+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("grievance key: %w", err)
	}
	return recipient, nil
}

// LoadRecipient reads the recipient in dir; ENOTFOUND when there is no key
// yet (the channel then takes anonymous grievances only).
func LoadRecipient(dir string) (*age.X25519Recipient, error) {
	b, err := os.ReadFile(filepath.Join(dir, RecipientFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance key in %s: run 'vigil grievances keygen'", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("load grievance recipient: %w", err)
	}
	r, err := age.ParseX25519Recipient(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("load grievance recipient %s: %w", filepath.Join(dir, RecipientFile), err)
	}
	return r, nil
}

// LoadIdentity unseals the identity in dir with the passphrase. A wrong
// passphrase is EFORBIDDEN, so callers can tell it from a missing key.
func LoadIdentity(dir, passphrase string) (*age.X25519Identity, error) {
	sealed, err := os.ReadFile(filepath.Join(dir, IdentityFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance key in %s: run 'vigil grievances keygen'", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("load grievance key: %w", err)
	}
	if passphrase == "" {
		return nil, vigil.FieldError("passphrase", "the grievance key's passphrase is needed")
	}
	raw, err := passkey.Open(sealed, passphrase)
	if errors.Is(err, passkey.ErrWrongPassphrase) {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "wrong passphrase for the grievance key")
	}
	if err != nil {
		return nil, fmt.Errorf("load grievance key: %w", err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("load grievance key: %w", err)
	}
	return id, nil
}

// Contact is how a submitter may be reached. It exists in clear only on
// the way in (before sealing) and after an officer opened it.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Other is any other way: a postal address, a messenger handle.
	Other string `json:"other,omitempty"`
}

// Empty reports whether no way of contact was given.
func (c Contact) Empty() bool {
	return strings.TrimSpace(c.Name+c.Email+c.Phone+c.Other) == ""
}

// Seal encrypts contact details to the recipient.
func Seal(r age.Recipient, c Contact) ([]byte, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("seal contact: %w", err)
	}
	out, err := sealBytes(r, plain)
	if err != nil {
		return nil, fmt.Errorf("seal contact: %w", err)
	}
	return out, nil
}

// Unseal decrypts sealed contact details with the identity.
func Unseal(id age.Identity, sealed []byte) (*Contact, error) {
	plain, err := unsealBytes(id, sealed)
	if err != nil {
		return nil, fmt.Errorf("open contact: %w", err)
	}
	var c Contact
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, fmt.Errorf("open contact: %w", err)
	}
	return &c, nil
}

// SealFile encrypts a checked file's bytes to the recipient and marks it
// sealed. Its SHA-256, type and size stay those of the plaintext, so the
// file keeps its identity and the events their digests.
func SealFile(r age.Recipient, f File) (File, error) {
	if f.Sealed {
		return f, nil
	}
	sealed, err := sealBytes(r, f.Content)
	if err != nil {
		return File{}, fmt.Errorf("seal file %s: %w", f.SHA256, err)
	}
	f.Content, f.Sealed = sealed, true
	return f, nil
}

// UnsealFile decrypts a sealed file's stored bytes with the identity and
// checks them against the file's SHA-256, so that a row whose ciphertext
// was swapped for another file's does not pass as this one.
func UnsealFile(id age.Identity, f *File, sealed []byte) ([]byte, error) {
	plain, err := unsealBytes(id, sealed)
	if err != nil {
		return nil, fmt.Errorf("open file %s: %w", f.SHA256, err)
	}
	sum := sha256.Sum256(plain)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil, vigil.Errorf(vigil.EINTERNAL, "open file %s: the opened bytes have another SHA-256 (%x)", f.SHA256, sum)
	}
	return plain, nil
}

func sealBytes(r age.Recipient, plain []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func unsealBytes(id age.Identity, sealed []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
