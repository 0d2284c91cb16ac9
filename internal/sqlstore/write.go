package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-hrdd/vigil"
)

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
	return tx.checkRefsBut(ctx, recs, nil)
}

// checkRefsBut is checkRefs for the references but those whose Ref.Field
// is in skip (ones the database checks itself).
func (tx *tx) checkRefsBut(ctx context.Context, recs []vigil.Record, skip map[string]bool) error {
	want := map[vigil.Kind]map[string]bool{}
	for _, r := range recs {
		for _, ref := range r.Refs() {
			if skip[ref.Field] {
				continue
			}
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
			if !skip[ref.Field] && !want[ref.Kind][ref.ID] {
				return &vigil.Error{Code: vigil.EINVALID, Field: ref.Field, Row: i,
					Message: fmt.Sprintf("refers to %s %q, which does not exist (import %s first)", ref.Kind.Singular(), ref.ID, ref.Kind)}
			}
		}
	}
	return nil
}

// Import upserts every record of the source in one transaction, through the
// dialect's pipelined bulk path (bulk.go).
func (s *Store) Import(ctx context.Context, req vigil.ImportRequest) (vigil.ImportSummary, error) {
	bi, ok := s.dialect.(BulkImporter)
	if !ok {
		return vigil.ImportSummary{}, fmt.Errorf("import %s: the %T dialect has no bulk import", req.Kind, s.dialect)
	}
	return s.bulkImport(ctx, bi, req)
}
