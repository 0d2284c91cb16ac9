package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

// importBatch is how many records an import reads before it writes them:
// large enough to amortise the lookups, small enough to keep memory flat.
const importBatch = 1000

// Create stores a new record and its event.
func (s *Store) Create(ctx context.Context, rec vigil.Record, actor string) error {
	t, err := tableFor(rec.RecordKind())
	if err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	*rec.RecordMeta() = vigil.Meta{CreatedAt: now, CreatedBy: actor, UpdatedAt: now, UpdatedBy: actor}
	doc, hash, err := document(rec)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *tx) error {
		if err := tx.checkRefs(ctx, []vigil.Record{rec}); err != nil {
			return err
		}
		cols := t.rowColumns()
		_, err := tx.exec(ctx, "INSERT INTO "+t.name+" ("+strings.Join(cols, ", ")+") VALUES ("+placeholders(len(cols))+")", t.row(rec, doc, hash)...)
		if err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "a %s with id %q exists already", rec.RecordKind().Singular(), rec.RecordID())
			}
			return fmt.Errorf("create %s %s: %w", rec.RecordKind().Singular(), rec.RecordID(), err)
		}
		return tx.recordChange(ctx, rec, "created", actor)
	})
}

// Update replaces a record's fields and records the change; an update that
// changes nothing writes nothing.
func (s *Store) Update(ctx context.Context, rec vigil.Record, actor string) error {
	t, err := tableFor(rec.RecordKind())
	if err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *tx) error {
		var hash, createdAt, createdBy, updatedAt, updatedBy string
		rows, err := tx.query(ctx, "SELECT hash, created_at, created_by, updated_at, updated_by FROM "+t.name+" WHERE id = ?", rec.RecordID())
		if err != nil {
			return fmt.Errorf("update %s %s: %w", rec.RecordKind().Singular(), rec.RecordID(), err)
		}
		found := rows.Next()
		if found {
			err = rows.Scan(&hash, &createdAt, &createdBy, &updatedAt, &updatedBy)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("update %s %s: %w", rec.RecordKind().Singular(), rec.RecordID(), err)
		}
		if !found {
			return vigil.Errorf(vigil.ENOTFOUND, "no %s with id %q", rec.RecordKind().Singular(), rec.RecordID())
		}
		if err := tx.checkRefs(ctx, []vigil.Record{rec}); err != nil {
			return err
		}
		doc, newHash, err := document(rec)
		if err != nil {
			return err
		}
		*rec.RecordMeta() = vigil.Meta{CreatedAt: parseTS(createdAt), CreatedBy: createdBy, UpdatedAt: parseTS(updatedAt), UpdatedBy: updatedBy}
		if newHash == hash {
			return nil
		}
		now := s.now().UTC()
		rec.RecordMeta().UpdatedAt, rec.RecordMeta().UpdatedBy = now, actor
		if err := tx.updateRow(ctx, t, rec, doc, newHash); err != nil {
			return err
		}
		return tx.recordChange(ctx, rec, "updated", actor)
	})
}

func (tx *tx) updateRow(ctx context.Context, t *table, rec vigil.Record, doc []byte, hash string) error {
	cols := t.rowColumns()
	row := t.row(rec, doc, hash)
	// Keep created_* (columns len-4 and len-3) as stored.
	sets := make([]string, 0, len(cols))
	args := make([]any, 0, len(cols))
	for i, c := range cols[1:] {
		if c == "created_at" || c == "created_by" {
			continue
		}
		sets = append(sets, c+" = ?")
		args = append(args, row[i+1])
	}
	args = append(args, rec.RecordID())
	if _, err := tx.exec(ctx, "UPDATE "+t.name+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
		return fmt.Errorf("update %s %s: %w", rec.RecordKind().Singular(), rec.RecordID(), err)
	}
	return nil
}

func (tx *tx) recordChange(ctx context.Context, rec vigil.Record, verb, actor string) error {
	kind := rec.RecordKind()
	ev, err := vigil.NewEvent(vigil.RecordEventType(kind, verb), string(kind)+"/"+rec.RecordID(), actor, tx.s.now(),
		vigil.RecordEventPayload{Kind: kind, ID: rec.RecordID(), Record: rec})
	if err != nil {
		return err
	}
	return tx.insertEvent(ctx, ev)
}

// checkRefs refuses records that point to missing records. The error's Row
// is the index of the first offending record in recs.
func (tx *tx) checkRefs(ctx context.Context, recs []vigil.Record) error {
	want := map[vigil.Kind]map[string]bool{}
	for _, r := range recs {
		for _, ref := range r.Refs() {
			if want[ref.Kind] == nil {
				want[ref.Kind] = map[string]bool{}
			}
			want[ref.Kind][ref.ID] = false
		}
	}
	for kind, ids := range want {
		t, err := tableFor(kind)
		if err != nil {
			return err
		}
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		for _, chunk := range chunks(list, 500) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			rows, err := tx.query(ctx, "SELECT id FROM "+t.name+" WHERE id IN ("+placeholders(len(chunk))+")", args...)
			if err != nil {
				return fmt.Errorf("check references to %s: %w", kind, err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("check references to %s: %w", kind, err)
				}
				ids[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("check references to %s: %w", kind, err)
			}
		}
	}
	for i, r := range recs {
		for _, ref := range r.Refs() {
			if !want[ref.Kind][ref.ID] {
				return &vigil.Error{Code: vigil.EINVALID, Field: ref.Field, Row: i,
					Message: fmt.Sprintf("refers to %s %q, which does not exist (import %s first)", ref.Kind.Singular(), ref.ID, ref.Kind)}
			}
		}
	}
	return nil
}

// Import upserts every record of the source in one transaction.
func (s *Store) Import(ctx context.Context, req vigil.ImportRequest) (vigil.ImportSummary, error) {
	if bi, ok := s.dialect.(BulkImporter); ok {
		return s.bulkImport(ctx, bi, req)
	}
	sum := vigil.ImportSummary{Kind: req.Kind}
	t, err := tableFor(req.Kind)
	if err != nil {
		return sum, err
	}
	err = s.inTx(ctx, func(tx *tx) error {
		base := 0
		batch := make([]vigil.Record, 0, importBatch)
		for done := false; !done; {
			batch = batch[:0]
			for len(batch) < importBatch {
				rec, err := req.Source.Next()
				if errors.Is(err, io.EOF) {
					done = true
					break
				}
				if err != nil {
					return err
				}
				if rec.RecordKind() != req.Kind {
					return &vigil.Error{Code: vigil.EINVALID, Row: base + len(batch), Message: fmt.Sprintf("a %s in an import of %s", rec.RecordKind().Singular(), req.Kind)}
				}
				if err := rec.Validate(); err != nil {
					var ve *vigil.Error
					if errors.As(err, &ve) {
						ve.Row = base + len(batch)
					}
					return err
				}
				batch = append(batch, rec)
			}
			if len(batch) == 0 {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := tx.writeBatch(ctx, t, batch, base, req.Actor, &sum); err != nil {
				return err
			}
			base += len(batch)
		}
		ev, err := vigil.NewEvent("import.completed", string(req.Kind), req.Actor, s.now(), map[string]any{
			"kind": req.Kind, "file": req.File, "sha256": req.SHA256,
			"created": sum.Created, "updated": sum.Updated, "unchanged": sum.Unchanged,
		})
		if err != nil {
			return err
		}
		sum.EventID = ev.ID
		return tx.insertEvent(ctx, ev)
	})
	if err != nil {
		return vigil.ImportSummary{Kind: req.Kind}, err
	}
	return sum, nil
}

func (tx *tx) writeBatch(ctx context.Context, t *table, batch []vigil.Record, base int, actor string, sum *vigil.ImportSummary) error {
	if err := tx.checkRefs(ctx, batch); err != nil {
		var ve *vigil.Error
		if errors.As(err, &ve) && ve.Row >= 0 {
			ve.Row += base
		}
		return err
	}
	args := make([]any, len(batch))
	for i, r := range batch {
		args[i] = r.RecordID()
	}
	existing := make(map[string]string, len(batch))
	rows, err := tx.query(ctx, "SELECT id, hash FROM "+t.name+" WHERE id IN ("+placeholders(len(batch))+")", args...)
	if err != nil {
		return fmt.Errorf("import %s: look up existing: %w", t.kind, err)
	}
	for rows.Next() {
		var id, hash string
		if err := rows.Scan(&id, &hash); err != nil {
			rows.Close()
			return fmt.Errorf("import %s: look up existing: %w", t.kind, err)
		}
		existing[id] = hash
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("import %s: look up existing: %w", t.kind, err)
	}
	stamp := tx.s.now().UTC()
	var inserts [][]any
	for i, rec := range batch {
		doc, hash, err := document(rec)
		if err != nil {
			return err
		}
		old, found := existing[rec.RecordID()]
		switch {
		case !found:
			*rec.RecordMeta() = vigil.Meta{CreatedAt: stamp, CreatedBy: actor, UpdatedAt: stamp, UpdatedBy: actor}
			inserts = append(inserts, t.row(rec, doc, hash))
			existing[rec.RecordID()] = hash
			sum.Created++
		case old == hash:
			sum.Unchanged++
		default:
			*rec.RecordMeta() = vigil.Meta{UpdatedAt: stamp, UpdatedBy: actor}
			if err := tx.updateRow(ctx, t, rec, doc, hash); err != nil {
				var ve *vigil.Error
				if errors.As(err, &ve) {
					ve.Row = base + i
				}
				return err
			}
			existing[rec.RecordID()] = hash
			sum.Updated++
		}
	}
	if len(inserts) > 0 {
		if err := tx.s.dialect.InsertRows(ctx, tx.conn, t.name, t.rowColumns(), inserts); err != nil {
			return fmt.Errorf("import %s: insert: %w", t.kind, err)
		}
	}
	return nil
}
