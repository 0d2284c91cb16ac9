// Package nats is Vigil's NATS JetStream adapter: metering systems publish
// usage records to a stream, and any number of Vigil workers share one
// durable pull consumer of it, each storing what it fetches through
// usage.Store.
//
// A message carries one record or a batch of them (JSON Lines, or CSV;
// see HeaderFormat and HeaderCount). A worker fetches ahead and stores
// whatever arrived while its previous transaction committed, so one record
// a message is stored thousands to a transaction as well; a batch still
// saves the NATS server its work per message (store, delivery, ack: about
// 25 µs of CPU here), which is what takes the path past 50,000 records a
// second on a small machine (BENCHMARKS-usage.md).
// Idempotency stays per record, by its key, so a batch redelivered, or
// resent split differently, stores nothing twice.
//
// Delivery is at least once, and a record is counted once: a worker acks a
// message only after the transaction that stored its records has committed,
// and the store skips every record whose idempotency key it holds already,
// in that same transaction. A worker killed between the commit and the ack
// gets the message redelivered (to it or another worker) after AckWait, and
// the redelivery changes nothing. A message that is not valid usage (bad
// JSON, a field beyond the metering schema) is terminated, never retried,
// and logged without its content.
//
// Durability of what the server has acknowledged is the server's: run
// nats-server with "jetstream { sync_interval: always }", or a power cut
// can lose published messages the server already acked (Jepsen, NATS
// 2.12.1). The stream is created with file storage.
package nats

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

// Config names the stream and the consumer and sizes the work.
type Config struct {
	// Stream is the JetStream stream, default VIGIL_USAGE.
	Stream string
	// Subject is where records are published; the stream takes Subject
	// and Subject.> (so producers may add their own suffix). Default
	// vigil.usage.
	Subject string
	// Consumer is the durable consumer every worker shares, default
	// vigil-usage.
	Consumer string
	// Batch is the most messages a worker stores in one transaction,
	// default 4096; it is also how many messages a worker keeps fetched
	// ahead of its transactions. A transaction takes what has arrived
	// while the one before it committed, so it is small when the stream
	// is quiet and grows to Batch under load.
	Batch int
	// MaxRecords is the most records a worker stores in one transaction,
	// default 50,000 (a bound for messages that carry batches).
	MaxRecords int
	// MaxWait is how long Once waits to fill a batch, default 500 ms.
	MaxWait time.Duration
	// AckWait is how long the server waits for an ack before redelivering,
	// default 30 s. It must be longer than the slowest transaction.
	AckWait time.Duration
	// MaxAge is how long the stream keeps messages, default 7 days.
	MaxAge time.Duration
}

func (c *Config) defaults() {
	if c.Stream == "" {
		c.Stream = "VIGIL_USAGE"
	}
	if c.Subject == "" {
		c.Subject = "vigil.usage"
	}
	if c.Consumer == "" {
		c.Consumer = "vigil-usage"
	}
	if c.Batch <= 0 {
		c.Batch = 4096
	}
	if c.MaxRecords <= 0 {
		c.MaxRecords = 50_000
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 500 * time.Millisecond
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 7 * 24 * time.Hour
	}
}

// Client is a connection to a JetStream server.
type Client struct {
	NC  *nats.Conn
	JS  jetstream.JetStream
	cfg Config
}

// Dial connects to the server at url.
func Dial(ctx context.Context, url string, cfg Config) (*Client, error) {
	cfg.defaults()
	nc, err := nats.Connect(url, nats.Name("vigil"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream at %s: %w", url, err)
	}
	return &Client{NC: nc, JS: js, cfg: cfg}, nil
}

// Config returns the configuration with its defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Close drains nothing: workers ack before they return, and unacked
// messages are redelivered anyway.
func (c *Client) Close() { c.NC.Close() }

// EnsureStream creates the stream (file storage) and the durable consumer,
// or updates them to the configuration.
func (c *Client) EnsureStream(ctx context.Context) (jetstream.Consumer, error) {
	_, err := c.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     c.cfg.Stream,
		Subjects: []string{c.cfg.Subject, c.cfg.Subject + ".>"},
		Storage:  jetstream.FileStorage,
		// Limits, not work-queue, retention: the stream is also the
		// replayable record of what the metering systems sent.
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     c.cfg.MaxAge,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", c.cfg.Stream, err)
	}
	cons, err := c.JS.CreateOrUpdateConsumer(ctx, c.cfg.Stream, jetstream.ConsumerConfig{
		Durable:   c.cfg.Consumer,
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   c.cfg.AckWait,
		// Each worker holds up to four batches unacked: fetched ahead,
		// being collected, being stored, and its messages' acks on the
		// way; the rest is room for many workers.
		MaxAckPending: max(64*c.cfg.Batch, 16384),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s on %s: %w", c.cfg.Consumer, c.cfg.Stream, err)
	}
	return cons, nil
}

// The headers of a usage message. Both are optional: a message without
// them is JSON Lines, one record or many, as the first producers sent.
const (
	// HeaderFormat names the body's format: "jsonl" (JSON Lines, the
	// default) or "csv" (a header line, then one record a line).
	HeaderFormat = "Vigil-Usage-Format"
	// HeaderCount is how many records the body holds, in decimal. A
	// message whose body holds another number of records (a producer
	// that cut its batch short) is refused whole rather than stored in
	// part.
	HeaderCount = "Vigil-Usage-Count"
)

// Publish sends records, perMessage of them to a message as JSON Lines
// with the format and count headers, and waits for the server's acks. Each message's Nats-Msg-Id is the hash
// of its keys, so a producer retrying a message within the server's
// duplicate window sends it once; past the window the store's dedupe by
// key still holds.
func (c *Client) Publish(ctx context.Context, recs []usage.Record, perMessage int) error {
	if perMessage < 1 {
		perMessage = 1
	}
	// At most publishWindow messages await the server's ack: past the
	// client's own limit (4,000) PublishMsgAsync fails with "stalled"
	// when the server is slow, as on a loaded machine, instead of waiting.
	const publishWindow = 2048
	var inflight []jetstream.PubAckFuture
	wait := func(f jetstream.PubAckFuture) error {
		select {
		case <-f.Ok():
			return nil
		case err := <-f.Err():
			return fmt.Errorf("publish to %s: %w", c.cfg.Subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var buf bytes.Buffer
	for start := 0; start < len(recs); start += perMessage {
		chunk := recs[start:min(start+perMessage, len(recs))]
		buf.Reset()
		h := sha256.New()
		for i := range chunk {
			AppendJSON(&buf, &chunk[i])
			h.Write([]byte(chunk[i].Key))
			h.Write([]byte{0})
		}
		// The header names are in canonical form already: a literal
		// spares Set its canonicalisation on every message.
		msg := &nats.Msg{Subject: c.cfg.Subject, Data: bytes.Clone(buf.Bytes()), Header: nats.Header{
			HeaderFormat: {string(usage.JSONLines)}, HeaderCount: {strconv.Itoa(len(chunk))}}}
		if len(inflight) == publishWindow {
			if err := wait(inflight[0]); err != nil {
				return err
			}
			inflight = inflight[1:]
		}
		f, err := c.JS.PublishMsgAsync(msg, jetstream.WithMsgID(hex.EncodeToString(h.Sum(nil)[:16])))
		if err != nil {
			return fmt.Errorf("publish to %s: %w", c.cfg.Subject, err)
		}
		inflight = append(inflight, f)
	}
	for _, f := range inflight {
		if err := wait(f); err != nil {
			return err
		}
	}
	return nil
}

// AppendJSON writes one record as a JSON Lines line.
func AppendJSON(b *bytes.Buffer, r *usage.Record) {
	b.WriteString(`{"key":`)
	b.WriteString(strconv.Quote(r.Key))
	b.WriteString(`,"subscription_id":`)
	b.WriteString(strconv.Quote(r.Subscription))
	b.WriteString(`,"meter":`)
	b.WriteString(strconv.Quote(r.Meter))
	b.WriteString(`,"quantity":`)
	b.WriteString(strconv.FormatFloat(r.Quantity, 'g', -1, 64))
	b.WriteString(`,"unit":`)
	b.WriteString(strconv.Quote(r.Unit))
	b.WriteString(`,"period_start":"`)
	b.WriteString(r.Start.UTC().Format(time.RFC3339Nano))
	b.WriteString(`","period_end":"`)
	b.WriteString(r.End.UTC().Format(time.RFC3339Nano))
	b.WriteString(`","region":`)
	b.WriteString(strconv.Quote(r.Region))
	b.WriteString("}\n")
}

// Worker stores what it fetches from the durable consumer. Run many, in
// one process or many: they share the consumer.
type Worker struct {
	client *Client
	cons   jetstream.Consumer
	store  usage.Store
	log    *slog.Logger
	actor  string
	dec    *msgDecoder // Once's; Run's collector has its own
}

// NewWorker returns a worker on the client's consumer (see EnsureStream).
func NewWorker(c *Client, cons jetstream.Consumer, store usage.Store, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{client: c, cons: cons, store: store, log: logger, actor: "nats:" + c.cfg.Stream + "/" + c.cfg.Consumer, dec: newMsgDecoder()}
}

// Stats counts what a worker did.
type Stats struct {
	Messages, Records, Created, Duplicates, Refused int64
}

// batch is the messages of one transaction and their records.
type batch struct {
	msgs    []jetstream.Msg
	recs    []usage.Record
	refused int64
}

// Run fetches and stores batches until ctx is done. Failures to store are
// retried by redelivery (the messages are nak'ed); a message that is not
// valid usage is terminated.
//
// Fetching and storing overlap: a collector goroutine takes messages from
// a pull subscription that keeps Batch messages fetched ahead, decodes
// each as it arrives and gathers them into a batch, which it hands to this
// goroutine as soon as the transaction before has committed. So one
// record a message costs no round trip of its own: a transaction holds
// whatever arrived while the previous one ran, up to Batch messages and
// MaxRecords records, and its messages are acked after its commit.
func (w *Worker) Run(ctx context.Context) (Stats, error) {
	var st Stats
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch)
	go w.collect(cctx, batches)
	for b := range batches {
		st.Refused += b.refused
		if len(b.msgs) == 0 {
			continue
		}
		if err := w.storeBatch(ctx, b, &st); err != nil && ctx.Err() == nil {
			w.log.Warn("usage batch failed; its messages will be redelivered", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return st, nil
}

// collect gathers decoded messages into batches for Run until ctx is done,
// then closes out. Messages collected but not handed over are nak'ed, to
// be redelivered at once rather than after AckWait.
func (w *Worker) collect(ctx context.Context, out chan<- *batch) {
	defer close(out)
	cfg := w.client.cfg
	msgs := make(chan jetstream.Msg, cfg.Batch)
	go w.pump(ctx, msgs)
	dec := newMsgDecoder()
	cur := &batch{}
	add := func(m jetstream.Msg) {
		var err error
		if cur.recs, err = dec.decode(m, cfg.Stream, cur.recs); err != nil {
			w.refuse(m, err)
			cur.refused++
			return
		}
		cur.msgs = append(cur.msgs, m)
	}
	full := func() bool { return len(cur.msgs) >= cfg.Batch || len(cur.recs) >= cfg.MaxRecords }
	abandon := func() {
		for _, m := range cur.msgs {
			_ = m.Nak()
		}
	}
	for {
		if len(cur.msgs) == 0 && cur.refused == 0 {
			select {
			case m, ok := <-msgs:
				if !ok {
					return
				}
				add(m)
			case <-ctx.Done():
				return
			}
			continue
		}
		// Take what has arrived already before offering the batch.
	drain:
		for !full() {
			select {
			case m, ok := <-msgs:
				if !ok {
					break drain
				}
				add(m)
			default:
				break drain
			}
		}
		if full() {
			select {
			case out <- cur:
				cur = &batch{}
			case <-ctx.Done():
				abandon()
				return
			}
			continue
		}
		select {
		case m, ok := <-msgs:
			if !ok {
				// The subscription ended with ctx: nothing more comes.
				abandon()
				return
			}
			add(m)
		case out <- cur:
			cur = &batch{}
		case <-ctx.Done():
			abandon()
			return
		}
	}
}

// pump feeds the messages of a pull subscription into out until ctx is
// done, then closes it. The subscription keeps up to Batch messages
// fetched ahead of the collector.
func (w *Worker) pump(ctx context.Context, out chan<- jetstream.Msg) {
	defer close(out)
	for ctx.Err() == nil {
		it, err := w.cons.Messages(jetstream.PullMaxMessages(w.client.cfg.Batch))
		if err != nil {
			w.log.Warn("subscribe to the usage consumer; retrying", "consumer", w.client.cfg.Consumer, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for {
			m, err := it.Next(jetstream.NextContext(ctx))
			if err != nil {
				if ctx.Err() != nil {
					it.Stop()
					return
				}
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					break
				}
				// Missed heartbeats and the like: the iterator goes on.
				w.log.Warn("usage consumer", "err", err)
				continue
			}
			select {
			case out <- m:
			case <-ctx.Done():
				it.Stop()
				return
			}
		}
		it.Stop()
	}
}

func (w *Worker) refuse(m jetstream.Msg, err error) {
	// The error names the message, line and field, never the refused
	// value.
	w.log.Error("usage message refused and terminated", "err", err)
	if terr := m.TermWithReason("not valid usage"); terr != nil {
		w.log.Warn("terminate message", "err", terr)
	}
}

// storeBatch stores the records of a batch in one transaction and acks
// its messages after the commit.
func (w *Worker) storeBatch(ctx context.Context, b *batch, st *Stats) error {
	// A fetched batch is finished even when ctx ends meanwhile: stopping
	// halfway would only cost a redelivery.
	sum, err := w.store.IngestUsage(context.WithoutCancel(ctx), usage.IngestRequest{Source: &usage.SliceSource{Records: b.recs}, Actor: w.actor, Origin: w.actor})
	if err != nil {
		for _, m := range b.msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return err
	}
	// Ack only now that the records are committed. A lost ack means a
	// redelivery, which the store's dedupe turns into nothing.
	for _, m := range b.msgs {
		if err := m.Ack(); err != nil {
			w.log.Warn("ack failed; the message will be redelivered and deduplicated", "err", err)
		}
	}
	st.Messages += int64(len(b.msgs))
	st.Records += sum.Received
	st.Created += sum.Created
	st.Duplicates += sum.Duplicates
	return nil
}

// Once fetches one batch, stores it and acks it; it returns how many
// messages it handled.
func (w *Worker) Once(ctx context.Context, st *Stats) (int, error) {
	fetched, err := w.cons.Fetch(w.client.cfg.Batch, jetstream.FetchMaxWait(w.client.cfg.MaxWait))
	if err != nil {
		return 0, fmt.Errorf("fetch from %s: %w", w.client.cfg.Consumer, err)
	}
	var msgs []jetstream.Msg
	for m := range fetched.Messages() {
		msgs = append(msgs, m)
	}
	if err := fetched.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && len(msgs) == 0 {
		return 0, fmt.Errorf("fetch from %s: %w", w.client.cfg.Consumer, err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	b := &batch{}
	for _, m := range msgs {
		if b.recs, err = w.dec.decode(m, w.client.cfg.Stream, b.recs); err != nil {
			w.refuse(m, err)
			st.Refused++
			continue
		}
		b.msgs = append(b.msgs, m)
	}
	if len(b.msgs) == 0 {
		return len(msgs), nil
	}
	return len(msgs), w.storeBatch(ctx, b, st)
}

// msgDecoder decodes message after message with one usage.Decoder, whose
// interned subscriptions, meters, units and regions then serve them all
// (usage.Totals sums faster over interned strings).
type msgDecoder struct {
	d *usage.Decoder
}

func newMsgDecoder() *msgDecoder { return &msgDecoder{d: usage.NewDecoder()} }

// decode appends the records of m to out; on a refusal out is returned as
// it was, with the error of DecodeMessage, which names the message by its
// stream sequence.
func (md *msgDecoder) decode(m jetstream.Msg, stream string, out []usage.Record) ([]usage.Record, error) {
	h := m.Headers()
	format := h.Get(HeaderFormat)
	if f := strings.ToLower(strings.TrimSpace(format)); f == "" || f == string(usage.JSONLines) || f == "ndjson" {
		n0 := len(out)
		out, err := md.d.AppendAll(out, m.Data(), "")
		if err == nil {
			err = checkCount(h, len(out)-n0, "")
		}
		if err == nil {
			return out, nil
		}
		out = out[:n0]
	}
	// A refusal (or CSV, which is rare): DecodeMessage again, under the
	// message's name, for the error or the records.
	name := stream
	if md, err := m.Metadata(); err == nil {
		name += "#" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	recs, err := DecodeMessage(h, m.Data(), name)
	if err != nil {
		return out, err
	}
	return append(out, recs...), nil
}

// checkCount checks the HeaderCount header, if any, against n records.
func checkCount(h nats.Header, n int, name string) error {
	c := h.Get(HeaderCount)
	if c == "" {
		return nil
	}
	want, err := strconv.Atoi(strings.TrimSpace(c))
	if err != nil || want < 0 {
		return vigil.FieldError(HeaderCount, "%s: %q is not a count of records", name, c)
	}
	if want != n {
		return vigil.FieldError(HeaderCount, "%s: the header says %d records, the body holds %d; the message is refused whole", name, want, n)
	}
	return nil
}

// DecodeMessage reads the records of one message (see HeaderFormat and
// HeaderCount); name names the message in errors, which never quote a
// refused value.
func DecodeMessage(h nats.Header, body []byte, name string) ([]usage.Record, error) {
	format := usage.JSONLines
	if f := h.Get(HeaderFormat); f != "" {
		format = usage.Format(strings.ToLower(strings.TrimSpace(f)))
	}
	var recs []usage.Record
	switch format {
	case usage.JSONLines, "ndjson":
		rs, err := usage.ReadAll(body, name)
		if err != nil {
			return nil, err
		}
		recs = rs
	case usage.CSV:
		rd, err := usage.NewReader(bytes.NewReader(body), name, usage.CSV)
		if err != nil {
			return nil, err
		}
		for {
			var r usage.Record
			err := rd.Next(&r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			recs = append(recs, r)
		}
	default:
		return nil, vigil.FieldError(HeaderFormat, "%s: %q is not a usage format (want jsonl or csv)", name, format)
	}
	if err := checkCount(h, len(recs), name); err != nil {
		return nil, err
	}
	return recs, nil
}
