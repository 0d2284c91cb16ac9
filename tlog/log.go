package tlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// Defaults for Config. The batch size matches the relay's page size so that
// one relay cycle is one tessera batch: tessera's throughput depends on
// callers adding many entries without waiting for each (see MEASURED.md:
// waiting writers with mismatched batching fall to a few hundred a second).
const (
	DefaultCheckpointInterval = time.Second
	DefaultBatchSize          = 4096
	DefaultBatchMaxAge        = 20 * time.Millisecond
)

// Config configures a Log.
type Config struct {
	// Dir is the directory the tiles, entry bundles and checkpoint are
	// written to; it is publishable as static files (except dot-directories).
	// With another Driver it only holds the relay's bookkeeping and lock.
	Dir string
	// Driver is a tessera storage driver other than the embedded POSIX one,
	// e.g. from tessera's storage/gcp, storage/aws or storage/mysql
	// packages; nil means POSIX in Dir. See docs/verification.md.
	Driver tessera.Driver
	// Signer signs checkpoints; see InitKey and LoadSigner.
	Signer *Signer
	// CheckpointInterval is how often a new checkpoint is signed and
	// published while the log grows. An entry is provable once a checkpoint
	// covers it.
	CheckpointInterval time.Duration
	// WitnessPolicy, when set, is a witness policy in Sigsum's policy
	// format with C2SP vkeys (see tessera.NewWitnessGroupFromPolicy): each
	// checkpoint is published only once the policy's witnesses have
	// cosigned it, which is what stops the log from showing different
	// auditors different histories. WitnessFailOpen publishes anyway when
	// the witnesses do not answer in time, for a gradual roll-out.
	WitnessPolicy   []byte
	WitnessFailOpen bool
	// BatchSize and BatchMaxAge tune tessera's sequencing batches.
	BatchSize   int
	BatchMaxAge time.Duration
	Logger      *slog.Logger
}

// Log is an open, appendable proof log on tessera's POSIX driver. One
// process appends to a log directory at a time.
type Log struct {
	dir      string
	origin   string
	verifier note.Verifier
	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc
	unlock   func()
	logger   *slog.Logger
}

// Open opens or creates the log in cfg.Dir.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.Signer == nil {
		return nil, errors.New("open log: no signer")
	}
	if cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.BatchMaxAge == 0 {
		cfg.BatchMaxAge = DefaultBatchMaxAge
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(stateDir(cfg.Dir), 0o755); err != nil {
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	unlock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()
	verifier, err := note.NewVerifier(cfg.Signer.VerifierKey())
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	// The appender's background work (batching, checkpointing) lives until
	// Close, not until the caller's context ends.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	driver := cfg.Driver
	if driver == nil {
		if driver, err = posix.New(bg, posix.Config{Path: cfg.Dir}); err != nil {
			cancel()
			return nil, fmt.Errorf("open log %s: posix driver: %w", cfg.Dir, err)
		}
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(cfg.Signer).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithBatching(uint(cfg.BatchSize), cfg.BatchMaxAge).
		// Pushback would only turn a relay page into errors and retries;
		// the relay already bounds what is in flight to one page.
		WithPushback(uint(4 * cfg.BatchSize))
	if len(cfg.WitnessPolicy) > 0 {
		group, err := tessera.NewWitnessGroupFromPolicy(cfg.WitnessPolicy)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("open log %s: witness policy: %w", cfg.Dir, err)
		}
		opts.WithWitnesses(group, &tessera.WitnessOptions{FailOpen: cfg.WitnessFailOpen})
	}
	appender, shutdown, reader, err := tessera.NewAppender(bg, driver, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open log %s: %w", cfg.Dir, err)
	}
	ok = true
	return &Log{
		unlock:   unlock,
		dir:      cfg.Dir,
		origin:   cfg.Signer.Name(),
		verifier: verifier,
		appender: appender,
		shutdown: shutdown,
		reader:   reader,
		awaiter:  tessera.NewPublicationAwaiter(bg, reader.ReadCheckpoint, 50*time.Millisecond),
		cancel:   cancel,
		logger:   cfg.Logger,
	}, nil
}

// Dir is the log's directory.
func (l *Log) Dir() string { return l.dir }

// Origin is the log's origin line, the name in its checkpoints.
func (l *Log) Origin() string { return l.origin }

// Verifier verifies the log's checkpoints.
func (l *Log) Verifier() note.Verifier { return l.verifier }

// Reader reads the log's tiles, bundles and checkpoint.
func (l *Log) Reader() tessera.LogReader { return l.reader }

// Add queues one encoded leaf; the returned future resolves once the leaf
// is durably sequenced and integrated into the tree (not yet necessarily
// covered by a published checkpoint).
func (l *Log) Add(ctx context.Context, data []byte) tessera.IndexFuture {
	return l.appender.Add(ctx, tessera.NewEntry(data))
}

// AwaitCheckpoint blocks until a published checkpoint covers size entries
// and returns it.
func (l *Log) AwaitCheckpoint(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return l.reader.ReadCheckpoint(ctx)
	}
	_, cp, err := l.awaiter.Await(ctx, func() (tessera.Index, error) {
		return tessera.Index{Index: size - 1}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("await checkpoint for size %d: %w", size, err)
	}
	return cp, nil
}

// Checkpoint returns the latest published checkpoint, verified.
func (l *Log) Checkpoint(ctx context.Context) (*log.Checkpoint, []byte, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read checkpoint: %w", err)
	}
	cp, _, _, err := log.ParseCheckpoint(raw, l.origin, l.verifier)
	if err != nil {
		return nil, nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return cp, raw, nil
}

// Close waits until every entry added has been integrated and covered by a
// published checkpoint, then stops the appender.
func (l *Log) Close(ctx context.Context) error {
	defer l.unlock()
	defer l.cancel()
	if err := l.shutdown(ctx); err != nil {
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	return nil
}

// lockDir takes an exclusive lock on the log directory for this Log's
// lifetime. The relay's crash recovery assumes that every unmarked entry in
// the log is its own, so two appenders (say 'vigil serve' and a one-shot
// flush) must never share a directory. flock, unlike tessera's fcntl locks,
// also excludes a second Open inside the same process, and the kernel drops
// it when the process dies.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(stateDir(dir), "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New("the log is open for appending in another process (vigil serve?)")
		}
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// stateDir is where Vigil keeps its own bookkeeping next to tessera's
// ".state"; dot-directories are not part of the published log.
func stateDir(logDir string) string { return filepath.Join(logDir, ".vigil") }
