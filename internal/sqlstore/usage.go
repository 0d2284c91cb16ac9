package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/usage"
)

var _ usage.Store = (*Store)(nil)

// usageRowsPerStatement: multi-row INSERTs with RETURNING, to learn which
// keys were new, in one round trip per 500 records; 9 columns each stay
// far below both databases' placeholder limits.
const (
	usageRowsPerStatement = 500
	usageBatch            = 2000
	dailyRowsPerStatement = 500
)

var usageCols = []string{"key", "subscription_id", "meter", "quantity", "unit", "period_start", "period_end", "region", "ingested_at"}

// IngestUsage stores new records and grows the daily totals, in one
// transaction.
func (s *Store) IngestUsage(ctx context.Context, req usage.IngestRequest) (usage.IngestSummary, error) {
	var sum usage.IngestSummary
	err := s.inTx(ctx, func(tx *tx) error {
		sum = usage.IngestSummary{}
		stamp := ts(s.now())
		totals := usage.NewTotals()
		batch := make([]usage.Record, 0, usageBatch)
		inBatch := make(map[string]struct{}, usageBatch)
		for done := false; !done; {
			batch = batch[:0]
			clear(inBatch)
			for len(batch) < usageBatch {
				batch = append(batch, usage.Record{})
				err := req.Source.Next(&batch[len(batch)-1])
				if errors.Is(err, io.EOF) {
					batch = batch[:len(batch)-1]
					done = true
					break
				}
				if err != nil {
					return err
				}
				sum.Received++
				k := batch[len(batch)-1].Key
				if _, dup := inBatch[k]; dup {
					batch = batch[:len(batch)-1]
					sum.Duplicates++
					continue
				}
				inBatch[k] = struct{}{}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			for start := 0; start < len(batch); start += usageRowsPerStatement {
				chunk := batch[start:min(start+usageRowsPerStatement, len(batch))]
				fresh, err := tx.insertUsage(ctx, chunk, stamp)
				if err != nil {
					return err
				}
				for i := range chunk {
					if _, ok := fresh[chunk[i].Key]; ok {
						totals.Add(&chunk[i])
						sum.Created++
					} else {
						sum.Duplicates++
					}
				}
			}
		}
		if sum.Created == 0 {
			// Nothing new: a redelivery or a re-import changes nothing,
			// not even the outbox.
			return nil
		}
		if err := tx.addDaily(ctx, totals.Daily()); err != nil {
			return err
		}
		ev, err := vigil.NewEvent("usage.ingested", "usage", req.Actor, s.now(), map[string]any{
			"origin": req.Origin, "sha256": req.Digest(),
			"received": sum.Received, "created": sum.Created, "duplicates": sum.Duplicates,
		})
		if err != nil {
			return err
		}
		sum.EventID = ev.ID
		return tx.insertEvent(ctx, ev)
	})
	if err != nil {
		return usage.IngestSummary{}, err
	}
	return sum, nil
}

// insertUsage inserts records whose key is new and returns the new keys.
func (tx *tx) insertUsage(ctx context.Context, recs []usage.Record, stamp string) (map[string]struct{}, error) {
	one := "(" + placeholders(len(usageCols)) + ")"
	q := "INSERT INTO usage_records (" + strings.Join(usageCols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", len(recs)), ",") + " ON CONFLICT (key) DO NOTHING RETURNING key"
	args := make([]any, 0, len(recs)*len(usageCols))
	for i := range recs {
		r := &recs[i]
		args = append(args, r.Key, r.Subscription, r.Meter, r.Quantity, r.Unit,
			r.Start.UTC().Format(time.RFC3339Nano), r.End.UTC().Format(time.RFC3339Nano), r.Region, stamp)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("ingest usage: insert: %w", err)
	}
	defer rows.Close()
	fresh := make(map[string]struct{}, len(recs))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("ingest usage: insert: %w", err)
		}
		fresh[k] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ingest usage: insert: %w", err)
	}
	return fresh, nil
}

func (tx *tx) addDaily(ctx context.Context, ds []usage.Daily) error {
	for start := 0; start < len(ds); start += dailyRowsPerStatement {
		chunk := ds[start:min(start+dailyRowsPerStatement, len(ds))]
		q := "INSERT INTO usage_daily (subscription_id, meter, region, unit, day, quantity, records) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", len(chunk)), ",") +
			" ON CONFLICT (subscription_id, meter, region, unit, day) DO UPDATE SET" +
			" quantity = usage_daily.quantity + excluded.quantity, records = usage_daily.records + excluded.records"
		args := make([]any, 0, 7*len(chunk))
		for _, d := range chunk {
			args = append(args, d.Subscription, d.Meter, d.Region, d.Unit, d.Day.String(), d.Quantity, d.Records)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("ingest usage: daily totals: %w", err)
		}
	}
	return nil
}

// DailyUsage returns daily totals.
func (s *Store) DailyUsage(ctx context.Context, dq usage.DailyQuery) ([]usage.Daily, error) {
	q := "SELECT subscription_id, meter, region, unit, day, quantity, records FROM usage_daily WHERE day >= ? AND day <= ?"
	args := []any{dq.From.String(), dq.To.String()}
	if len(dq.Subscriptions) > 0 {
		q += " AND subscription_id IN (" + placeholders(len(dq.Subscriptions)) + ")"
		for _, id := range dq.Subscriptions {
			args = append(args, id)
		}
	}
	q += " ORDER BY subscription_id, meter, region, unit, day"
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("daily usage: %w", err)
	}
	defer rows.Close()
	var out []usage.Daily
	for rows.Next() {
		var d usage.Daily
		var day string
		if err := rows.Scan(&d.Subscription, &d.Meter, &d.Region, &d.Unit, &day, &d.Quantity, &d.Records); err != nil {
			return nil, fmt.Errorf("daily usage: %w", err)
		}
		t, err := time.Parse(vigil.DateLayout, day)
		if err != nil {
			return nil, fmt.Errorf("daily usage: stored day %q: %w", day, err)
		}
		d.Day = usage.DayOf(t)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountUsage returns the number of stored usage records.
func (s *Store) CountUsage(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM usage_records").Scan(&n); err != nil {
		return 0, fmt.Errorf("count usage records: %w", err)
	}
	return n, nil
}

// SaveSignals stores new signals, each with its event.
func (s *Store) SaveSignals(ctx context.Context, sigs []*usage.Signal, actor string) (int, error) {
	created := 0
	err := s.inTx(ctx, func(tx *tx) error {
		created = 0
		now := s.now().UTC()
		for _, sig := range sigs {
			sig.CreatedAt, sig.CreatedBy = now.Truncate(time.Microsecond), actor
			doc, err := json.Marshal(sig)
			if err != nil {
				return fmt.Errorf("store signal %s: %w", sig.ID, err)
			}
			res, err := tx.exec(ctx, "INSERT INTO usage_signals (id, rule, severity, account_id, subscription_id, meter, as_of, doc, created_at, created_by)"+
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
				sig.ID, sig.Rule, sig.Severity, sig.Account, sig.Subscription, sig.Meter, sig.AsOf.String(), string(doc), ts(now), actor)
			if err != nil {
				return fmt.Errorf("store signal %s: %w", sig.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			created++
			ev, err := vigil.NewEvent("signal.raised", "signals/"+sig.ID, actor, now, sig)
			if err != nil {
				return err
			}
			if err := tx.insertEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ListSignals returns a page of signals, newest as-of day first.
func (s *Store) ListSignals(ctx context.Context, sq usage.SignalQuery) (usage.SignalPage, error) {
	limit := sq.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return usage.SignalPage{}, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{
		{"account_id", sq.Account}, {"subscription_id", sq.Subscription}, {"rule", sq.Rule}, {"severity", sq.Severity},
	} {
		if f.v != "" {
			where = append(where, f.col+" = ?")
			args = append(args, f.v)
		}
	}
	if sq.After != "" {
		c, err := decodeCursor(sq.After)
		if err != nil {
			return usage.SignalPage{}, err
		}
		asOf, id, ok := strings.Cut(c, "|")
		if !ok {
			return usage.SignalPage{}, vigil.FieldError("after", "not a cursor returned by a previous page")
		}
		where = append(where, "(as_of < ? OR (as_of = ? AND id < ?))")
		args = append(args, asOf, asOf, id)
	}
	q := "SELECT doc FROM usage_signals"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY as_of DESC, id DESC LIMIT %d", limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return usage.SignalPage{}, fmt.Errorf("list signals: %w", err)
	}
	defer rows.Close()
	page := usage.SignalPage{Items: []*usage.Signal{}}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return usage.SignalPage{}, fmt.Errorf("list signals: %w", err)
		}
		if len(page.Items) == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(last.AsOf.String() + "|" + last.ID)
			break
		}
		var sig usage.Signal
		if err := json.Unmarshal([]byte(doc), &sig); err != nil {
			return usage.SignalPage{}, fmt.Errorf("list signals: decode: %w", err)
		}
		page.Items = append(page.Items, &sig)
	}
	return page, rows.Err()
}

// GetSignal returns one signal.
func (s *Store) GetSignal(ctx context.Context, id string) (*usage.Signal, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, s.q("SELECT doc FROM usage_signals WHERE id = ?"), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no signal with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get signal %s: %w", id, err)
	}
	var sig usage.Signal
	if err := json.Unmarshal([]byte(doc), &sig); err != nil {
		return nil, fmt.Errorf("get signal %s: decode: %w", id, err)
	}
	return &sig, nil
}
