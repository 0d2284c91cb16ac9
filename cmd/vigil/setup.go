package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/catalogue"
	"github.com/vigil-hrdd/vigil/tlog"
	"github.com/vigil-hrdd/vigil/transfer"
)

// Layout of the data directory: the proof log (publishable as static
// files) apart from the keys (never published).
func (g *globals) logDir() string  { return filepath.Join(g.dataDir, "log") }
func (g *globals) keysDir() string { return filepath.Join(g.dataDir, "keys") }

// demoPassphraseFile holds the log key's passphrase in the clear, for the
// demo only: a demo must start with one command and no secret to type.
const demoPassphraseFile = "demo-passphrase"

type setupResult struct {
	adminToken   string
	verifierKey  string
	passphrase   string // set only when one was generated
	catalogue    *vigil.ImportSummary
	createdAdmin bool
}

// setup brings a database and data directory to a working state: the
// default service catalogue when there is none, a first admin (with a token
// printed once), and the proof log's signing key. It is safe to run again.
func setup(ctx context.Context, g *globals, s vigil.Store, origin string, demo bool) (*setupResult, error) {
	res := &setupResult{}
	n, err := s.Count(ctx, vigil.KindService)
	if err != nil {
		return nil, err
	}
	if n == 0 && !demo {
		sum, err := transfer.ImportFile(ctx, s, transfer.Options{Kind: vigil.KindService, Path: catalogue.FileName, Format: "csv", Actor: actor(), Open: catalogue.Open})
		if err != nil {
			return nil, fmt.Errorf("import the default catalogue: %w", err)
		}
		res.catalogue = &sum
	}
	if _, err := s.GetUser(ctx, "admin"); vigil.ErrorCode(err) == vigil.ENOTFOUND {
		if err := s.CreateUser(ctx, &vigil.User{ID: "admin", Name: "Administrator", Role: vigil.RoleAdmin}, actor()); err != nil {
			return nil, err
		}
		res.createdAdmin = true
	} else if err != nil {
		return nil, err
	}
	if res.createdAdmin || demo {
		secret, hash := vigil.NewTokenSecret()
		if err := s.CreateToken(ctx, &vigil.Token{UserID: "admin", Name: "first admin token", Hash: hash}, actor()); err != nil {
			return nil, err
		}
		res.adminToken = secret
	}
	pub := filepath.Join(g.keysDir(), tlog.PublicKeyFile)
	if _, err := os.Stat(pub); errors.Is(err, fs.ErrNotExist) {
		pass, err := g.passphrase(demo)
		if errors.Is(err, errNoPassphrase) {
			pass = randomPassphrase()
			res.passphrase = pass
			if demo {
				if err := os.MkdirAll(g.keysDir(), 0o700); err != nil {
					return nil, err
				}
				if err := os.WriteFile(filepath.Join(g.keysDir(), demoPassphraseFile), []byte(pass+"\n"), 0o600); err != nil {
					return nil, err
				}
			}
		} else if err != nil {
			return nil, err
		}
		vkey, err := tlog.InitKey(g.keysDir(), origin, pass)
		if err != nil {
			return nil, err
		}
		res.verifierKey = vkey
	} else if err != nil {
		return nil, err
	} else {
		res.verifierKey, err = tlog.LoadVerifierKey(g.keysDir())
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

var errNoPassphrase = errors.New("no passphrase")

// passphrase returns the log key's passphrase from the environment or, for
// the demo, from its file.
func (g *globals) passphrase(demo bool) (string, error) {
	if p := os.Getenv(tlog.PassphraseEnv); p != "" {
		return p, nil
	}
	if b, err := os.ReadFile(filepath.Join(g.keysDir(), demoPassphraseFile)); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	return "", errNoPassphrase
}

func randomPassphrase() string {
	b := make([]byte, 24)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func newInitCmd(g *globals) *cobra.Command {
	var origin string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the database, the default service catalogue, the first admin and the log key",
		Long: `Set up a new Vigil: create (or migrate) the database, import the default
service catalogue when the database has none, create the user 'admin' with a
token printed once, and create the proof log's checkpoint-signing key, sealed
under the passphrase in ` + tlog.PassphraseEnv + ` (one is generated and printed
once when the variable is empty). Running it again changes nothing.`,
		Example: `  VIGIL_LOG_PASSPHRASE=... vigil init --db sqlite:vigil-data/vigil.db
  vigil init --db postgres://vigil@db.internal/vigil --origin hrdd.example.org/log`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				res, err := setup(ctx, g, s, origin, false)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "database: %s\n", g.dbURL())
				if res.catalogue != nil {
					fmt.Fprintf(w, "default service catalogue: %d services imported\n", res.catalogue.Created)
				}
				if res.adminToken != "" {
					fmt.Fprintf(w, "admin token (shown once, store it now):\n  %s\n", res.adminToken)
				} else {
					fmt.Fprintln(w, "admin exists already: create tokens with 'vigil tokens create --user admin'")
				}
				fmt.Fprintf(w, "log verifier key (publish it; auditors need it):\n  %s\n", res.verifierKey)
				if res.passphrase != "" {
					fmt.Fprintf(w, "log key passphrase (generated; shown once; set %s to it for 'vigil serve'):\n  %s\n", tlog.PassphraseEnv, res.passphrase)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&origin, "origin", "vigil.local/log", "the log's name in its checkpoints, usually your domain and a path")
	return cmd
}
