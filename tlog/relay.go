package tlog

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/vigil-hrdd/vigil"
)

// DefaultPollInterval is how often Run looks for pending events when no
// Record call has nudged it, which catches events written by other
// processes sharing the database.
const DefaultPollInterval = time.Second

// RelayConfig configures a Relay.
type RelayConfig struct {
	// BatchSize is how many pending events one cycle reads and appends.
	BatchSize    int
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Relay moves events from the store's outbox into the log. Exactly one
// relay may append to a log directory: its crash recovery relies on every
// unmarked entry of the log being its own.
type Relay struct {
	store  vigil.EventStore
	log    *Log
	cfg    RelayConfig
	nudge  chan struct{}
	logger *slog.Logger

	gc groupCommit

	// mu serialises drains, so that at most two pages of events (the one
	// being marked and the one tessera is integrating) are in the log
	// without being marked in the store at any time.
	mu        sync.Mutex
	recovered bool
	// recoveredEntries counts entries found in the log unmarked at start.
	recoveredEntries int
	// unmarked holds marks of entries that are in the log but whose
	// MarkLogged failed; they are retried before anything new is appended,
	// so a failed mark never leads to a second append.
	unmarked []vigil.LogMark
}

// NewRelay returns a relay from store to l.
func NewRelay(store vigil.EventStore, l *Log, cfg RelayConfig) *Relay {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Relay{store: store, log: l, cfg: cfg, nudge: make(chan struct{}, 1), logger: cfg.Logger}
}

// Record writes a standalone event to the outbox and wakes the relay. The
// event is in the log once a later cycle has appended it; the outbox, not
// this call, is what makes it durable. Concurrent calls are group-committed:
// one caller writes everything queued meanwhile in one transaction, because
// a transaction per event caps the outbox at a few thousand events a second
// (see BENCHMARKS-tlog.md). If ctx ends before the write, the event may or
// may not have been recorded.
func (r *Relay) Record(ctx context.Context, ev *vigil.Event) error {
	w := &recordWaiter{ev: ev, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	r.gc.mu.Lock()
	r.gc.queue = append(r.gc.queue, w)
	lead := !r.gc.leading
	r.gc.leading = true
	r.gc.mu.Unlock()
	for {
		if lead {
			r.leadGroupCommit(ctx, w)
			lead = false
		}
		select {
		case err := <-w.done:
			if err != nil {
				return fmt.Errorf("record %s: %w", ev.Type, err)
			}
			r.Notify()
			return nil
		case <-w.lead:
			lead = true
		case <-ctx.Done():
			if r.abandon(w) {
				return fmt.Errorf("record %s: %w", ev.Type, ctx.Err())
			}
			// Chosen to lead meanwhile: others depend on this caller.
			lead = true
		}
	}
}

// abandon takes a waiter whose context ended out of the queue, unless it
// was just chosen to lead, in which case it reports false and must lead. A
// waiter already taken into a transaction cannot be recalled: its outcome
// is unknown to its caller.
func (r *Relay) abandon(w *recordWaiter) bool {
	r.gc.mu.Lock()
	defer r.gc.mu.Unlock()
	select {
	case <-w.lead:
		return false
	default:
	}
	if i := slices.Index(r.gc.queue, w); i >= 0 {
		r.gc.queue = slices.Delete(r.gc.queue, i, i+1)
	}
	return true
}

// leadGroupCommit commits queued events, one transaction per batch, until
// self's event is committed, then hands the lead to the next waiter, so
// that no caller commits for others indefinitely.
func (r *Relay) leadGroupCommit(ctx context.Context, self *recordWaiter) {
	r.gc.mu.Lock()
	// The writers the last commit released are about to queue again;
	// yielding a few times lets them share this transaction instead of
	// alternating single and group commits. Yielding, unlike sleeping,
	// costs nothing when nobody else is runnable.
	for i := 0; i < 4 && len(r.gc.queue) < r.gc.lastBatch; i++ {
		r.gc.mu.Unlock()
		runtime.Gosched()
		r.gc.mu.Lock()
	}
	for len(r.gc.queue) > 0 {
		batch := r.gc.queue[:min(len(r.gc.queue), maxGroupCommit)]
		r.gc.queue = r.gc.queue[len(batch):]
		r.gc.lastBatch = len(batch)
		r.gc.mu.Unlock()
		// Other callers' events ride on this transaction, so this
		// caller's cancellation must not fail theirs.
		r.commitGroup(context.WithoutCancel(ctx), batch)
		r.gc.mu.Lock()
		if slices.Contains(batch, self) {
			break
		}
	}
	if len(r.gc.queue) > 0 {
		r.gc.queue[0].lead <- struct{}{}
	} else {
		r.gc.leading = false
	}
	r.gc.mu.Unlock()
}

// maxGroupCommit bounds one group commit's transaction.
const maxGroupCommit = 1024

type recordWaiter struct {
	ev   *vigil.Event
	done chan error
	// lead tells a queued waiter to commit for the others.
	lead chan struct{}
}

type groupCommit struct {
	mu        sync.Mutex
	queue     []*recordWaiter
	leading   bool
	lastBatch int
}

// commitGroup writes a batch in one transaction. Should it fail, each event
// is retried alone, so that one bad event (a duplicate id) fails only its
// own caller.
func (r *Relay) commitGroup(ctx context.Context, batch []*recordWaiter) {
	if len(batch) > 0 {
		evs := make([]*vigil.Event, len(batch))
		for i, w := range batch {
			evs[i] = w.ev
		}
		if err := r.store.RecordEvents(ctx, evs); err == nil {
			for _, w := range batch {
				w.done <- nil
			}
			return
		}
	}
	for _, w := range batch {
		w.done <- r.store.RecordEvent(ctx, w.ev)
	}
}

// Recovered reports how many log entries the relay found appended but not
// marked when it started, i.e. left by a crash between append and mark.
func (r *Relay) Recovered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recoveredEntries
}

// Notify wakes Run without blocking; state-changing code that wrote events
// through the store can call it to cut latency.
func (r *Relay) Notify() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Run relays events until ctx ends. Errors are logged and retried with
// backoff, since a stalled relay only delays proofs and loses nothing.
func (r *Relay) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		_, err := r.drain(ctx)
		wait := r.cfg.PollInterval
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.logger.ErrorContext(ctx, "proof log relay", slog.Any("err", err), slog.Duration("retry_in", backoff))
			wait = backoff
			backoff = min(2*backoff, 30*time.Second)
		} else {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.nudge:
		case <-time.After(wait):
		}
	}
}

// Flush appends every pending event, waits until a published checkpoint
// covers them, and returns how many it appended.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	n, err := r.drain(ctx)
	if err != nil {
		return n, err
	}
	size, err := r.log.reader.IntegratedSize(ctx)
	if err != nil {
		return n, fmt.Errorf("flush: %w", err)
	}
	if _, err := r.log.AwaitCheckpoint(ctx, size); err != nil {
		return n, fmt.Errorf("flush: %w", err)
	}
	return n, nil
}

// drain appends pages of pending events until the outbox is empty. It keeps
// two pages in flight: while tessera integrates one, the relay marks the
// previous one and reads the next from the store, so that database and log
// work overlap instead of adding up.
func (r *Relay) drain(ctx context.Context) (total int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.recovered {
		if err := r.recover(ctx); err != nil {
			return 0, err
		}
		r.recovered = true
	}
	if len(r.unmarked) > 0 {
		if err := r.mark(ctx, r.unmarked); err != nil {
			return 0, err
		}
		r.unmarked = nil
	}
	var prev *inflight
	for {
		events, err := r.pending(ctx, prev)
		if err != nil {
			n, serr := r.settle(ctx, prev)
			return total + n, errors.Join(err, serr)
		}
		if len(events) == 0 {
			n, err := r.settle(ctx, prev)
			return total + n, err
		}
		cur := r.add(ctx, events)
		n, err := r.settle(ctx, prev)
		total += n
		if err != nil {
			// cur is in tessera's hands already: resolve it and keep its
			// marks for the next attempt rather than ever adding it again.
			r.unmarked = append(r.unmarked, r.resolve(cur)...)
			return total, err
		}
		prev = cur
	}
}

// inflight is a page of events added to the log and not yet marked.
type inflight struct {
	events  []*vigil.Event
	futures []tessera.IndexFuture
	addErr  error
}

// pending reads the next page of pending events. With a page in flight
// (still pending in the store until marked) it reads the events after that
// page instead of reading past it every time. An event committed late with
// a lower sequence number (PostgreSQL assigns sequences before commit) is
// not lost: every drain starts from PendingEvents.
func (r *Relay) pending(ctx context.Context, prev *inflight) ([]*vigil.Event, error) {
	if prev == nil || len(prev.events) == 0 {
		events, err := r.store.PendingEvents(ctx, r.cfg.BatchSize)
		if err != nil {
			return nil, fmt.Errorf("relay: pending events: %w", err)
		}
		return events, nil
	}
	events, err := r.store.ListEvents(ctx, prev.events[len(prev.events)-1].Seq, r.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("relay: events after %d: %w", prev.events[len(prev.events)-1].Seq, err)
	}
	out := events[:0]
	for _, ev := range events {
		if ev.LeafIndex < 0 {
			out = append(out, ev)
		}
	}
	return out, nil
}

// add hands a page to tessera without waiting: tessera sequences a whole
// batch in one write, and waiting one by one would cost a batch each.
func (r *Relay) add(ctx context.Context, events []*vigil.Event) *inflight {
	b := &inflight{events: make([]*vigil.Event, 0, len(events)), futures: make([]tessera.IndexFuture, 0, len(events))}
	for _, ev := range events {
		// The commitment is logged as stored, without recomputing it from
		// the event here: that cost a sixth of the relay's time, and Check
		// recomputes it whenever the event is proved. A malformed one would
		// make every later Verify fail, so it stays out of the log.
		if len(ev.Commitment) != 32 {
			r.logger.ErrorContext(ctx, "event without a valid commitment left out of the proof log", slog.String("event", ev.ID), slog.Int64("seq", ev.Seq))
			continue
		}
		b.events = append(b.events, ev)
		b.futures = append(b.futures, r.log.Add(ctx, LeafOf(ev).Marshal()))
	}
	return b
}

// resolve waits for a page's indexes. Events whose append failed stay
// pending in the store and are retried by a later page.
func (r *Relay) resolve(b *inflight) []vigil.LogMark {
	marks := make([]vigil.LogMark, 0, len(b.events))
	for i, f := range b.futures {
		idx, err := f()
		if err != nil {
			b.addErr = errors.Join(b.addErr, fmt.Errorf("append event %s: %w", b.events[i].ID, err))
			continue
		}
		marks = append(marks, vigil.LogMark{Seq: b.events[i].Seq, LeafIndex: int64(idx.Index)})
	}
	return marks
}

// settle resolves and marks a page; nil is a no-op.
func (r *Relay) settle(ctx context.Context, b *inflight) (int, error) {
	if b == nil {
		return 0, nil
	}
	marks := r.resolve(b)
	if err := r.mark(ctx, marks); err != nil {
		r.unmarked = append(r.unmarked, marks...)
		return 0, errors.Join(err, b.addErr)
	}
	return len(marks), b.addErr
}

// mark records marks in the store, then advances the watermark.
func (r *Relay) mark(ctx context.Context, marks []vigil.LogMark) error {
	if len(marks) == 0 {
		return nil
	}
	if err := r.store.MarkLogged(ctx, marks); err != nil {
		return fmt.Errorf("relay: mark %d events logged: %w", len(marks), err)
	}
	var next uint64
	for _, m := range marks {
		next = max(next, uint64(m.LeafIndex)+1)
	}
	return r.writeWatermark(next)
}

// The watermark is the log size below which every entry is known to be
// marked in the store. It bounds the scan recovery has to do; losing it only
// makes recovery scan from the start.
func (r *Relay) watermarkPath() string { return filepath.Join(stateDir(r.log.dir), "relay-watermark") }

func (r *Relay) readWatermark() (uint64, error) {
	b, err := os.ReadFile(r.watermarkPath())
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read relay watermark: %w", err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read relay watermark: %w", err)
	}
	return n, nil
}

func (r *Relay) writeWatermark(n uint64) error {
	dir := stateDir(r.log.dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write relay watermark: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "watermark-*")
	if err != nil {
		return fmt.Errorf("write relay watermark: %w", err)
	}
	_, werr := tmp.WriteString(strconv.FormatUint(n, 10) + "\n")
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write relay watermark: %w", err)
	}
	if err := os.Rename(tmp.Name(), r.watermarkPath()); err != nil {
		return fmt.Errorf("write relay watermark: %w", err)
	}
	return nil
}

// recover finds log entries appended by a previous process that crashed
// before marking them, and marks them instead of appending them again. Such
// entries can only be in the log's tail beyond the watermark, and belong to
// the oldest pending events, because the relay marks pages in order and
// has at most two in flight. The scan starts a page before the watermark,
// so that a watermark that survived a power loss its database commit did
// not is still safe.
func (r *Relay) recover(ctx context.Context) error {
	size, err := r.log.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("relay recovery: log size: %w", err)
	}
	wm, err := r.readWatermark()
	if err != nil {
		return fmt.Errorf("relay recovery: %w", err)
	}
	start := min(wm, size)
	start -= min(start, uint64(r.cfg.BatchSize))
	if start == size {
		return nil
	}
	limit := max(4*r.cfg.BatchSize, int(min(size-start, 1<<20)))
	pending, err := r.store.PendingEvents(ctx, limit)
	if err != nil {
		return fmt.Errorf("relay recovery: pending events: %w", err)
	}
	bySum := make(map[string]*vigil.Event, len(pending))
	for _, ev := range pending {
		bySum[hex.EncodeToString(ev.Commitment)] = ev
	}
	var marks []vigil.LogMark
	if len(bySum) > 0 {
		found := make(map[string]uint64)
		err := scanEntries(ctx, r.log.reader, start, size, func(i uint64, data []byte) error {
			leaf, err := ParseLeaf(data)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			if ev, ok := bySum[leaf.Commitment]; ok {
				marks = append(marks, vigil.LogMark{Seq: ev.Seq, LeafIndex: int64(i)})
				delete(bySum, leaf.Commitment)
				found[leaf.Commitment] = i
			} else if first, ok := found[leaf.Commitment]; ok {
				r.logger.ErrorContext(ctx, "commitment in the log twice", slog.Uint64("first", first), slog.Uint64("again", i))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("relay recovery: %w", err)
		}
	}
	if len(marks) > 0 {
		if err := r.store.MarkLogged(ctx, marks); err != nil {
			return fmt.Errorf("relay recovery: mark %d events: %w", len(marks), err)
		}
		r.recoveredEntries = len(marks)
		r.logger.InfoContext(ctx, "proof log relay recovered entries appended before a crash", slog.Int("entries", len(marks)))
	}
	return r.writeWatermark(size)
}

// scanEntries calls fn for every entry in [from, to) of a log whose tree has
// at least to entries.
func scanEntries(ctx context.Context, lr interface {
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}, from, to uint64, fn func(i uint64, data []byte) error) error {
	for ri := range layout.Range(from, to-from, to) {
		raw, err := lr.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			return fmt.Errorf("read entry bundle %d: %w", ri.Index, err)
		}
		var b api.EntryBundle
		if err := b.UnmarshalText(raw); err != nil {
			return fmt.Errorf("entry bundle %d: %w", ri.Index, err)
		}
		if uint(len(b.Entries)) < ri.First+ri.N {
			return fmt.Errorf("entry bundle %d: %d entries, want at least %d", ri.Index, len(b.Entries), ri.First+ri.N)
		}
		for j := ri.First; j < ri.First+ri.N; j++ {
			if err := fn(ri.Index*layout.EntryBundleWidth+uint64(j), b.Entries[j]); err != nil {
				return err
			}
		}
	}
	return nil
}
