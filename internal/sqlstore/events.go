package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/vigil-hrdd/vigil"
)

func (tx *tx) insertEvent(ctx context.Context, ev *vigil.Event) error {
	_, err := tx.exec(ctx, "INSERT INTO events (id, type, subject, actor, time, payload, salt, commitment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		ev.ID, ev.Type, ev.Subject, ev.Actor, ts(ev.Time), string(ev.Payload), hex.EncodeToString(ev.Salt), hex.EncodeToString(ev.Commitment))
	if err != nil {
		return fmt.Errorf("record event %s: %w", ev.Type, err)
	}
	return nil
}

// RecordEvent writes a standalone event to the outbox.
func (s *Store) RecordEvent(ctx context.Context, ev *vigil.Event) error {
	return s.inTx(ctx, func(tx *tx) error { return tx.insertEvent(ctx, ev) })
}

// RecordEvents writes standalone events to the outbox in one transaction,
// with multi-row inserts: the proof log's relay group-commits concurrent
// Record calls through it.
func (s *Store) RecordEvents(ctx context.Context, evs []*vigil.Event) error {
	rows := make([][]any, len(evs))
	for i, ev := range evs {
		rows[i] = []any{ev.ID, ev.Type, ev.Subject, ev.Actor, ts(ev.Time), string(ev.Payload), hex.EncodeToString(ev.Salt), hex.EncodeToString(ev.Commitment)}
	}
	return s.inTx(ctx, func(tx *tx) error {
		if err := s.dialect.InsertRows(ctx, tx.conn, "events", eventColumns, rows); err != nil {
			return fmt.Errorf("record %d events: %w", len(evs), err)
		}
		return nil
	})
}

var eventColumns = []string{"id", "type", "subject", "actor", "time", "payload", "salt", "commitment"}

const eventSelect = "SELECT seq, id, type, subject, actor, time, payload, salt, commitment, leaf_index FROM events "

func scanEvent(sc interface{ Scan(...any) error }) (*vigil.Event, error) {
	var ev vigil.Event
	var tm, payload, salt, commitment string
	var leaf sql.NullInt64
	if err := sc.Scan(&ev.Seq, &ev.ID, &ev.Type, &ev.Subject, &ev.Actor, &tm, &payload, &salt, &commitment, &leaf); err != nil {
		return nil, err
	}
	ev.Time = parseTS(tm)
	ev.Payload = []byte(payload)
	var err error
	if ev.Salt, err = hex.DecodeString(salt); err != nil {
		return nil, fmt.Errorf("event %s: salt: %w", ev.ID, err)
	}
	if ev.Commitment, err = hex.DecodeString(commitment); err != nil {
		return nil, fmt.Errorf("event %s: commitment: %w", ev.ID, err)
	}
	ev.LeafIndex = -1
	if leaf.Valid {
		ev.LeafIndex = leaf.Int64
	}
	return &ev, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]*vigil.Event, error) {
	rows, err := s.db.QueryContext(ctx, s.q(eventSelect+query), args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []*vigil.Event
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// GetEvent returns one event.
func (s *Store) GetEvent(ctx context.Context, id string) (*vigil.Event, error) {
	ev, err := scanEvent(s.db.QueryRowContext(ctx, s.q(eventSelect+"WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no event with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get event %s: %w", id, err)
	}
	return ev, nil
}

// PendingEvents returns events not yet in the proof log, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]*vigil.Event, error) {
	return s.queryEvents(ctx, "WHERE leaf_index IS NULL ORDER BY seq LIMIT ?", limit)
}

// ListEvents returns events after a sequence number.
func (s *Store) ListEvents(ctx context.Context, after int64, limit int) ([]*vigil.Event, error) {
	return s.queryEvents(ctx, "WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
}

// MarkLogged records log indexes. Marking an event again with the same
// index is a no-op; with another index it is an error, since the log would
// then hold the event twice.
func (s *Store) MarkLogged(ctx context.Context, marks []vigil.LogMark) error {
	return s.inTx(ctx, func(tx *tx) error {
		// Prepared once: the relay marks thousands of events at a time,
		// and parsing the statement for each was a sixth of its work.
		stmt, err := tx.conn.PrepareContext(ctx, s.q("UPDATE events SET leaf_index = ? WHERE seq = ? AND (leaf_index IS NULL OR leaf_index = ?)"))
		if err != nil {
			return fmt.Errorf("mark events logged: %w", err)
		}
		defer stmt.Close()
		for _, m := range marks {
			res, err := stmt.ExecContext(ctx, m.LeafIndex, m.Seq, m.LeafIndex)
			if err != nil {
				return fmt.Errorf("mark event %d logged: %w", m.Seq, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return vigil.Errorf(vigil.ECONFLICT, "event %d is missing or already logged at another index than %d", m.Seq, m.LeafIndex)
			}
		}
		return nil
	})
}
