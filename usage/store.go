package usage

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Store keeps usage records, their daily totals and the signals. The SQL
// stores (sqlite, postgres) implement it beside vigil.Store; reach it with
// StoreOf.
type Store interface {
	// IngestUsage stores every record of the source in one transaction,
	// all or nothing: a record whose key is stored already for the same
	// period start (or appeared earlier in the source) is a duplicate and
	// changes nothing. The daily
	// totals grow by the new records only, in the same transaction, and an
	// event usage.ingested goes to the outbox when anything was new. A
	// source error (a bad line) rolls everything back.
	IngestUsage(ctx context.Context, req IngestRequest) (IngestSummary, error)
	// DailyUsage returns the daily totals of the days From..To (inclusive),
	// of the given subscriptions or, when none are given, of all, sorted as
	// SortDaily sorts.
	DailyUsage(ctx context.Context, q DailyQuery) ([]Daily, error)
	// CountUsage returns how many usage records are stored.
	CountUsage(ctx context.Context) (int64, error)
	// SaveSignals stores the signals not stored yet (by id), each with a
	// signal.raised event, and returns how many were new.
	SaveSignals(ctx context.Context, sigs []*Signal, actor string) (int, error)
	// ListSignals returns one page of signals, newest as-of day first.
	ListSignals(ctx context.Context, q SignalQuery) (SignalPage, error)
	// GetSignal returns one signal or ENOTFOUND.
	GetSignal(ctx context.Context, id string) (*Signal, error)
}

// StoreOf returns the usage store behind a vigil.Store, or an EINTERNAL
// error when the store keeps no usage.
func StoreOf(s vigil.Store) (Store, error) {
	if u, ok := s.(Store); ok {
		return u, nil
	}
	return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no usage records", s)
}

// Source yields records one at a time; Next returns io.EOF after the last.
type Source interface {
	Next(rec *Record) error
}

// SliceSource is a Source over records in memory.
type SliceSource struct {
	Records []Record
	i       int
}

// Remaining is how many records Next has still to yield: a store sizes
// its buffers by it instead of by its largest batch.
func (s *SliceSource) Remaining() int { return len(s.Records) - s.i }

// Next copies the next record into rec.
func (s *SliceSource) Next(rec *Record) error {
	if s.i >= len(s.Records) {
		return io.EOF
	}
	*rec = s.Records[s.i]
	s.i++
	return nil
}

// IngestRequest is one batch for Store.IngestUsage.
type IngestRequest struct {
	Source Source
	Actor  string
	// Origin says where the batch came from: a file name, "http", or
	// "nats:STREAM/CONSUMER"; it goes into the event.
	Origin string
	// SHA256 identifies a file; when the Source has a SHA256 method, its
	// value after the last record is used instead.
	SHA256 string
}

// Digest is the digest the event records.
func (r IngestRequest) Digest() string {
	if d, ok := r.Source.(interface{ SHA256() string }); ok {
		return d.SHA256()
	}
	return r.SHA256
}

// IngestSummary says what an ingest did.
type IngestSummary struct {
	Received   int64 `json:"received"`
	Created    int64 `json:"created"`
	Duplicates int64 `json:"duplicates"`
	// EventID is the usage.ingested event, empty when nothing was new.
	EventID string `json:"event_id"`
}

// DailyQuery selects daily totals.
type DailyQuery struct {
	From, To      Day
	Subscriptions []string
}

// Signal is a rule that fired on usage: what, about whom, and the numbers
// behind it.
type Signal struct {
	ID           string     `json:"id"`
	Rule         string     `json:"rule"`
	Title        string     `json:"title"`
	Severity     string     `json:"severity"`
	Scope        Scope      `json:"scope"`
	Account      string     `json:"account_id"`
	Subscription string     `json:"subscription_id"`
	Meter        string     `json:"meter"`
	AsOf         vigil.Date `json:"as_of"`
	// Explanation says in a sentence why the rule fired, with its numbers.
	Explanation string `json:"explanation"`
	// Numbers are the figures behind the signal, by fact name.
	Numbers map[string]float64 `json:"numbers"`
	// Facts is everything the rule saw.
	Facts map[string]any `json:"facts"`
	// RulesDigest is the SHA-256 of the rules file that raised it.
	RulesDigest string    `json:"rules_digest"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// SignalQuery selects signals. Empty fields match everything.
type SignalQuery struct {
	Account      string
	Subscription string
	Rule         string
	Severity     string
	// After is the cursor of the previous page.
	After string
	// Limit is 1..1000, default 100.
	Limit int
}

// SignalPage is one page of signals.
type SignalPage struct {
	Items []*Signal `json:"items"`
	Next  string    `json:"next"`
}

// EvalSummary says what an evaluation did.
type EvalSummary struct {
	AsOf     vigil.Date `json:"as_of"`
	Subjects int        `json:"subjects"`
	Fired    int        `json:"fired"`
	Created  int        `json:"created"`
	Signals  []*Signal  `json:"-"`
}

// Evaluate runs the rules over the stored daily totals of the Lookback
// days up to asOf and stores the signals that fire (each new one with its
// event). The portfolio store gives each subscription's account, service,
// region and status.
func Evaluate(ctx context.Context, st Store, portfolio vigil.RecordStore, rules *Rules, asOf vigil.Date, actor string) (EvalSummary, error) {
	day := DayFromDate(asOf)
	sum := EvalSummary{AsOf: asOf}
	daily, err := st.DailyUsage(ctx, DailyQuery{From: day - Lookback + 1, To: day})
	if err != nil {
		return sum, fmt.Errorf("evaluate usage signals: %w", err)
	}
	subs := map[string]SubscriptionInfo{}
	for _, d := range daily {
		if _, done := subs[d.Subscription]; done {
			continue
		}
		s, err := vigil.GetAs[*vigil.Subscription](ctx, portfolio, vigil.KindSubscription, d.Subscription)
		switch {
		case vigil.ErrorCode(err) == vigil.ENOTFOUND:
			subs[d.Subscription] = SubscriptionInfo{ID: d.Subscription}
			continue
		case err != nil:
			return sum, fmt.Errorf("evaluate usage signals: %w", err)
		}
		subs[d.Subscription] = InfoOf(s)
	}
	for id, info := range subs {
		if info.Account == "" && info.Status == "" {
			delete(subs, id) // unknown to the portfolio
		}
	}
	subjects := Subjects(daily, subs, day)
	sum.Subjects = len(subjects)
	sigs, err := rules.Evaluate(subjects, day)
	if err != nil {
		return sum, err
	}
	sum.Fired = len(sigs)
	sum.Signals = sigs
	if len(sigs) == 0 {
		return sum, nil
	}
	n, err := st.SaveSignals(ctx, sigs, actor)
	if err != nil {
		return sum, fmt.Errorf("store usage signals: %w", err)
	}
	sum.Created = n
	return sum, nil
}
