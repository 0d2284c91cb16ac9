// Package passkey keeps a secret key on disk sealed with a passphrase
// (age's scrypt recipient), written once and never overwritten. The proof
// log's signing key and the grievance channel's identity are both kept
// this way.
package passkey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
)

// ErrWrongPassphrase is returned by Open when the passphrase does not
// unseal the key.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// Seal encrypts secret to the passphrase. workFactor is scrypt's log2(N);
// 0 keeps age's default (18, 256 MiB to unseal).
func Seal(secret []byte, passphrase string, workFactor int) ([]byte, error) {
	rcpt, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		rcpt.SetWorkFactor(workFactor)
	}
	var sealed bytes.Buffer
	w, err := age.Encrypt(&sealed, rcpt)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if _, err := w.Write(secret); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return sealed.Bytes(), nil
}

// Open decrypts what Seal sealed; ErrWrongPassphrase (wrapped) when the
// passphrase does not fit.
func Open(sealed []byte, passphrase string) ([]byte, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) || bytes.Contains([]byte(err.Error()), []byte("incorrect passphrase")) {
			return nil, fmt.Errorf("unseal: %w (%v)", ErrWrongPassphrase, err)
		}
		return nil, fmt.Errorf("unseal: %w", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unseal: %w", err)
	}
	return b, nil
}

// WriteNew writes a file that must not exist yet and syncs it, so that a
// key is either fully on disk or absent, and an existing key is never
// replaced.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
