package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// logFlags are the flags the log commands share: where the log is read from
// and which key verifies it. They default to this installation's data
// directory, so an operator types nothing, while an auditor points them at
// a copy or a URL and at the published key.
type logFlags struct {
	url string
	dir string
	key string
}

func (lf *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&lf.url, "url", "", "read the log over HTTP from its root, e.g. https://vigil.example.org/log/")
	cmd.Flags().StringVar(&lf.dir, "dir", "", "read the log from a directory, e.g. a copy of the published files (default <data-dir>/log)")
	cmd.Flags().StringVar(&lf.key, "key", "", "the log's verifier key, or a file holding it (default <data-dir>/keys/"+tlog.PublicKeyFile+")")
}

func dataDirOf(cmd *cobra.Command) string {
	if f := cmd.Flag("data-dir"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return "vigil-data"
}

func (lf *logFlags) fetcher(cmd *cobra.Command) (tlog.Fetcher, string, error) {
	if lf.url != "" && lf.dir != "" {
		return nil, "", usagef("give --url or --dir, not both")
	}
	src := lf.url
	if src == "" {
		src = lf.dir
	}
	if src == "" {
		src = filepath.Join(dataDirOf(cmd), "log")
	}
	f, err := tlog.NewFetcher(src, nil)
	return f, src, err
}

func (lf *logFlags) verifier(cmd *cobra.Command) (note.Verifier, error) {
	k := lf.key
	if k == "" {
		k = filepath.Join(dataDirOf(cmd), "keys", tlog.PublicKeyFile)
	}
	v, err := tlog.ParseVerifier(k)
	if err != nil {
		return nil, usagef("--key: %v", err)
	}
	return v, nil
}

func outputOf(cmd *cobra.Command) string {
	if f := cmd.Flag("output"); f != nil {
		return f.Value.String()
	}
	return "table"
}

func newLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Verify the proof log, prove events and check proofs",
		Long: `The proof log is an append-only C2SP tlog-tiles log holding, for every
due-diligence event, a salted commitment with the event's type and time.
These commands verify it and prove events to outside auditors; see
docs/verification.md for the auditor's step-by-step guide.`,
	}
	cmd.AddCommand(newLogVerifyCmd(), newLogMirrorCmd(), newLogProveCmd(), newLogCheckCmd(), newLogConsistencyCmd(),
		newLogCheckpointCmd(), newLogKeyCmd(), newLogFlushCmd())
	return cmd
}

func newLogVerifyCmd() *cobra.Command {
	var lf logFlags
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify the whole log: checkpoint signature, every entry and tile, the root hash",
		Example: `  vigil log verify
  vigil log verify --url https://vigil.example.org/log/ --key vigil.example.org+1a2b3c4d+AbC...
  vigil log verify --dir ./log-copy --key log-key.pub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, src, err := lf.fetcher(cmd)
			if err != nil {
				return err
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			start := time.Now()
			rep, err := tlog.Verify(cmd.Context(), f, v)
			if err != nil {
				return fmt.Errorf("log %s does NOT verify: %w", src, err)
			}
			if outputOf(cmd) == "json" {
				return printValue(cmd.OutOrStdout(), "json", rep)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: log %q verifies: %d entries, %d entry bundles and %d tiles recomputed, root %s (%.1fs)\n",
				rep.Origin, rep.Size, rep.Bundles, rep.Tiles, rep.RootHash, time.Since(start).Seconds())
			return nil
		},
	}
	lf.register(cmd)
	return cmd
}

func newLogMirrorCmd() *cobra.Command {
	var lf logFlags
	cmd := &cobra.Command{
		Use:   "mirror DIR",
		Short: "Copy the log into DIR while verifying it, for a later offline check",
		Long: `Copy every entry bundle and tile the log's checkpoint commits to into DIR, in
the published layout, verifying everything on the way (as 'vigil log verify'
does). The checkpoint is written last, and only if everything verified.
'vigil log verify --dir DIR' checks the copy again at any time.`,
		Example: `  vigil log mirror --url https://vigil.example.org/log/ --key KEY ./vigil-log-2026-11-30`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, src, err := lf.fetcher(cmd)
			if err != nil {
				return err
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			rep, err := tlog.Mirror(cmd.Context(), f, v, args[0])
			if err != nil {
				return fmt.Errorf("log %s does NOT verify; the copy in %s is incomplete: %w", src, args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: %d entries of log %q verified and copied to %s, root %s\n", rep.Size, rep.Origin, args[0], rep.RootHash)
			return nil
		},
	}
	lf.register(cmd)
	return cmd
}

func newLogProveCmd() *cobra.Command {
	var lf logFlags
	var eventID, out string
	cmd := &cobra.Command{
		Use:   "prove --event ID",
		Short: "Write an inclusion proof bundle for an event (reveals the event and its salt)",
		Long: `Write the inclusion proof bundle of one event: the event with its salt, its
log entry and index, the inclusion proof and the signed checkpoint. Whoever
holds the bundle can check it offline with 'vigil log check'. The bundle
reveals the event's content: hand it only to whom may see it.`,
		Example: `  vigil log prove --event 01JD7Q... > proof.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if eventID == "" {
				return usagef("--event is required")
			}
			ctx := cmd.Context()
			s, err := openStore(ctx, dbURLOf(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			ev, err := s.GetEvent(ctx, eventID)
			if err != nil {
				return err
			}
			f, _, err := lf.fetcher(cmd)
			if err != nil {
				return err
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			b, err := tlog.Prove(ctx, f, v, ev)
			if errors.Is(err, tlog.ErrNotYetLogged) {
				return fmt.Errorf("%w: the relay ('vigil serve' or 'vigil log flush') appends it within seconds; try again", err)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				fw, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("write proof: %w", err)
				}
				defer fw.Close()
				w = fw
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(b)
		},
	}
	cmd.Flags().StringVar(&eventID, "event", "", "the event's id")
	cmd.Flags().StringVar(&out, "out", "-", "file to write the bundle to")
	lf.register(cmd)
	return cmd
}

func newLogCheckCmd() *cobra.Command {
	var lf logFlags
	cmd := &cobra.Command{
		Use:     "check BUNDLE",
		Short:   "Check an inclusion proof bundle offline",
		Example: `  vigil log check proof.json --key vigil.example.org+1a2b3c4d+AbC...`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readArg(args[0])
			if err != nil {
				return err
			}
			var b tlog.ProofBundle
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("read proof bundle %s: %w", args[0], err)
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			cp, err := tlog.Check(&b, v)
			if err != nil {
				return fmt.Errorf("proof %s does NOT verify: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: event %s (%s, %s, subject %s) is entry %d of log %q at size %d, root %s\n",
				b.Event.ID, b.Event.Type, b.Event.Time.UTC().Format(time.RFC3339), b.Event.Subject, b.LeafIndex, cp.Origin, cp.Size, hex.EncodeToString(cp.Hash))
			return nil
		},
	}
	lf.register(cmd)
	return cmd
}

func newLogConsistencyCmd() *cobra.Command {
	var lf logFlags
	var proofOut string
	cmd := &cobra.Command{
		Use:   "consistency OLD NEW",
		Short: "Prove that an older checkpoint's log is a prefix of a newer one's",
		Long: `Prove that the log an older checkpoint commits to is a prefix of the log a
newer checkpoint commits to: nothing recorded by then was changed or removed
since. OLD and NEW are checkpoint files (as saved by 'vigil log checkpoint');
NEW may be "-" or "latest" for the log's current checkpoint. The proof is
built from the log's tiles (--dir or --url).`,
		Example: `  vigil log checkpoint --url https://vigil.example.org/log/ --key KEY > cp-2026-11.txt
  vigil log consistency cp-2026-11.txt latest --url https://vigil.example.org/log/ --key KEY`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, _, err := lf.fetcher(cmd)
			if err != nil {
				return err
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			oldRaw, err := readArg(args[0])
			if err != nil {
				return err
			}
			var newRaw []byte
			if args[1] == "latest" {
				newRaw, err = f.ReadCheckpoint(ctx)
			} else {
				newRaw, err = readArg(args[1])
			}
			if err != nil {
				return err
			}
			p, err := tlog.ProveConsistency(ctx, f, v, oldRaw, newRaw)
			if err != nil {
				return fmt.Errorf("NOT consistent: %w", err)
			}
			if proofOut != "" {
				b, err := json.MarshalIndent(p, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(proofOut, append(b, '\n'), 0o644); err != nil {
					return fmt.Errorf("write consistency proof: %w", err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: the old checkpoint's log is a prefix of the new one's (%d hashes of proof)\n", len(p.Proof))
			return nil
		},
	}
	cmd.Flags().StringVar(&proofOut, "proof-out", "", "also write the consistency proof as JSON to this file")
	lf.register(cmd)
	return cmd
}

func newLogCheckpointCmd() *cobra.Command {
	var lf logFlags
	cmd := &cobra.Command{
		Use:     "checkpoint",
		Short:   "Print the log's latest checkpoint after checking its signature",
		Example: "  vigil log checkpoint --url https://vigil.example.org/log/ --key log-key.pub > checkpoint-2026-11-30",
		Long: `Print the log's latest signed checkpoint. Auditors keep the checkpoints they
have seen and later prove, with 'vigil log consistency', that the log only
grew since.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, _, err := lf.fetcher(cmd)
			if err != nil {
				return err
			}
			v, err := lf.verifier(cmd)
			if err != nil {
				return err
			}
			raw, err := f.ReadCheckpoint(cmd.Context())
			if err != nil {
				return fmt.Errorf("read checkpoint: %w", err)
			}
			if _, err := tlog.ParseCheckpoint(raw, v); err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		},
	}
	lf.register(cmd)
	return cmd
}

func newLogKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "key",
		Short:   "Print the log's public verifier key, to publish for auditors",
		Example: "  vigil log key > log-key.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := tlog.LoadVerifierKey(filepath.Join(dataDirOf(cmd), "keys"))
			if err != nil {
				return fmt.Errorf("%w (run 'vigil init' first)", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), k)
			return nil
		},
	}
}

func newLogFlushCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "flush",
		Short:   "Append every pending event to the log now (when 'vigil serve' is not running)",
		Example: "  VIGIL_LOG_PASSPHRASE=... vigil log flush",
		Long: `Append every event waiting in the outbox to the log and wait for a signed
checkpoint covering them. 'vigil serve' does this continuously; this command
is for installations that only use the command line. It needs the log key's
passphrase in ` + tlog.PassphraseEnv + ` and refuses to run while another
process appends to the log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pass := os.Getenv(tlog.PassphraseEnv)
			if pass == "" {
				b, err := os.ReadFile(filepath.Join(dataDirOf(cmd), "keys", demoPassphraseFile))
				if err != nil {
					return usagef("set %s to the log key's passphrase", tlog.PassphraseEnv)
				}
				pass = string(trimNL(b))
			}
			signer, err := tlog.LoadSigner(filepath.Join(dataDirOf(cmd), "keys"), pass)
			if err != nil {
				return err
			}
			s, err := openStore(ctx, dbURLOf(cmd))
			if err != nil {
				return err
			}
			defer s.Close()
			l, err := tlog.Open(ctx, tlog.Config{Dir: filepath.Join(dataDirOf(cmd), "log"), Signer: signer, CheckpointInterval: 200 * time.Millisecond, Logger: slog.Default()})
			if err != nil {
				return err
			}
			relay := tlog.NewRelay(s, l, tlog.RelayConfig{Logger: slog.Default()})
			n, ferr := relay.Flush(ctx)
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := errors.Join(ferr, l.Close(closeCtx)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "appended %d events\n", n)
			return nil
		},
	}
}

func dbURLOf(cmd *cobra.Command) string {
	if f := cmd.Flag("db"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return "sqlite:" + filepath.Join(dataDirOf(cmd), "vigil.db")
}

// readArg reads a file argument, "-" being standard input.
func readArg(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
