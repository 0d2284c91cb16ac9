package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/grievance"
)

// The grievance channel and the engagement record (tables of migration
// 00008). Every step writes its event in the same transaction. Payloads
// carry SHA-256 digests of what people wrote, never the text and never the
// contact, which exists here only as age ciphertext.

var _ grievance.Store = (*Store)(nil)

// gts formats a time with a fixed number of fraction digits, so that the
// deadline columns compare correctly as text in both databases.
func gts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func gtsp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return gts(*t)
}

// textDigest commits to a text in an event payload.
func textDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func idList(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ";" + strings.Join(ids, ";") + ";"
}

func (tx *tx) grievanceEvent(ctx context.Context, typ, id, actor string, now time.Time, payload map[string]any) (string, error) {
	payload["grievance_id"] = id
	ev, err := vigil.NewEvent(typ, "grievances/"+id, actor, now, payload)
	if err != nil {
		return "", err
	}
	return ev.ID, tx.insertEvent(ctx, ev)
}

// putGrievanceAttachments stores files as they come: ciphertext when
// sealed (migration 00013's sealed column says which), never decrypted
// here.
func (tx *tx) putGrievanceAttachments(ctx context.Context, id string, atts []grievance.File) error {
	for _, a := range atts {
		if _, err := tx.exec(ctx, "INSERT INTO grievance_attachments (grievance_id, sha256, name, media_type, size, added_at, content, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			id, a.SHA256, a.Name, a.MediaType, a.Size, gts(a.AddedAt), a.Content, boolInt(a.Sealed)); err != nil {
			return fmt.Errorf("store attachment of grievance %s: %w", id, err)
		}
	}
	return nil
}

func attachmentDigests(atts []grievance.File) []map[string]any {
	out := []map[string]any{}
	for _, a := range atts {
		out = append(out, map[string]any{"sha256": a.SHA256, "media_type": a.MediaType, "size": a.Size, "sealed": a.Sealed})
	}
	return out
}

// CreateGrievance stores a new grievance with its sealed contact.
func (s *Store) CreateGrievance(ctx context.Context, g *grievance.Grievance, sealedContact []byte, receiptHash, actor string) error {
	if g.ID == "" || receiptHash == "" {
		return vigil.Errorf(vigil.EINVALID, "a grievance needs an id and a receipt hash")
	}
	g.HasContact = len(sealedContact) > 0
	g.Anonymous = !g.HasContact
	g.UpdatedAt, g.UpdatedBy, g.Version = g.ReceivedAt, actor, 1
	if g.Attachments == nil {
		g.Attachments = []grievance.File{}
	}
	doc, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode grievance: %w", err)
	}
	var sealed any
	if g.HasContact {
		sealed = sealedContact
	}
	return s.inTx(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO grievances (id, status, received_at, ack_due, answer_due, party_ids, receipt_hash, contact_sealed, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			g.ID, string(g.Status), gts(g.ReceivedAt), gts(g.AckDue), gts(g.AnswerDue), idList(g.PartyIDs), receiptHash, sealed, string(doc))
		if err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "grievance %s exists already", g.ID)
			}
			return fmt.Errorf("create grievance: %w", err)
		}
		if err := tx.putGrievanceAttachments(ctx, g.ID, g.Attachments); err != nil {
			return err
		}
		_, err = tx.grievanceEvent(ctx, vigil.EventGrievanceReceived, g.ID, actor, g.ReceivedAt, map[string]any{
			"channel": g.Channel, "anonymous": g.Anonymous, "language": g.Language,
			"subject_sha256": textDigest(g.Subject), "description_sha256": textDigest(g.Description),
			"ack_due": g.AckDue, "answer_due": g.AnswerDue, "attachments": attachmentDigests(g.Attachments),
		})
		return err
	})
}

const grievanceSelect = "SELECT doc FROM grievances "

func decodeGrievance(doc string) (*grievance.Grievance, error) {
	var g grievance.Grievance
	if err := json.Unmarshal([]byte(doc), &g); err != nil {
		return nil, fmt.Errorf("decode stored grievance: %w", err)
	}
	return &g, nil
}

// GetGrievance returns one grievance.
func (s *Store) GetGrievance(ctx context.Context, id string) (*grievance.Grievance, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, s.q(grievanceSelect+"WHERE id = ?"), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get grievance %s: %w", id, err)
	}
	return decodeGrievance(doc)
}

// GrievanceByReceipt finds a grievance by the hash of its receipt code.
func (s *Store) GrievanceByReceipt(ctx context.Context, receiptHash string) (*grievance.Grievance, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, s.q(grievanceSelect+"WHERE receipt_hash = ?"), receiptHash).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance has this receipt code")
	}
	if err != nil {
		return nil, fmt.Errorf("grievance by receipt: %w", err)
	}
	return decodeGrievance(doc)
}

// ListGrievances returns one page of grievances, newest first.
func (s *Store) ListGrievances(ctx context.Context, q grievance.Query) (grievance.Page, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return grievance.Page{}, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	if q.Status != "" {
		if !slices.Contains(grievance.Statuses, q.Status) {
			return grievance.Page{}, vigil.FieldError("status", "unknown status %q (want received, acknowledged, answered or closed)", q.Status)
		}
		where = append(where, "status = ?")
		args = append(args, string(q.Status))
	}
	if q.Open || q.Overdue {
		where = append(where, "closed_at = ''")
	}
	if q.Overdue {
		now := gts(q.Now)
		where = append(where, "((acknowledged_at = '' AND ack_due < ?) OR (answered_at = '' AND answer_due < ?))")
		args = append(args, now, now)
	}
	if !q.ReceivedFrom.IsZero() {
		where = append(where, "received_at >= ?")
		args = append(args, gts(q.ReceivedFrom))
	}
	if !q.ReceivedTo.IsZero() {
		where = append(where, "received_at < ?")
		args = append(args, gts(q.ReceivedTo))
	}
	if q.PartyID != "" {
		where = append(where, `party_ids LIKE ? ESCAPE '\'`)
		args = append(args, "%;"+escapeLike(q.PartyID)+";%")
	}
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return grievance.Page{}, err
		}
		where = append(where, "id < ?")
		args = append(args, after)
	}
	query := "SELECT id, doc FROM grievances"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return grievance.Page{}, fmt.Errorf("list grievances: %w", err)
	}
	defer rows.Close()
	page := grievance.Page{Items: []*grievance.Grievance{}}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return grievance.Page{}, fmt.Errorf("list grievances: %w", err)
		}
		if len(page.Items) == limit {
			page.Next = encodeCursor(page.Items[limit-1].ID)
			break
		}
		g, err := decodeGrievance(doc)
		if err != nil {
			return grievance.Page{}, err
		}
		page.Items = append(page.Items, g)
	}
	return page, rows.Err()
}

// GrievanceUpdates returns the conversation of a grievance, in order.
func (s *Store) GrievanceUpdates(ctx context.Context, id string) ([]*grievance.Exchange, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT seq, grievance_id, kind, author, text, time FROM grievance_updates WHERE grievance_id = ? ORDER BY seq"), id)
	if err != nil {
		return nil, fmt.Errorf("updates of grievance %s: %w", id, err)
	}
	defer rows.Close()
	out := []*grievance.Exchange{}
	for rows.Next() {
		var u grievance.Exchange
		var kind, tm string
		if err := rows.Scan(&u.Seq, &u.GrievanceID, &kind, &u.Author, &u.Text, &tm); err != nil {
			return nil, fmt.Errorf("updates of grievance %s: %w", id, err)
		}
		u.Kind, u.Time = grievance.UpdateKind(kind), parseTS(tm)
		out = append(out, &u)
	}
	return out, rows.Err()
}

const grievanceAttachmentSelect = "SELECT sha256, name, media_type, size, added_at, sealed, content FROM grievance_attachments WHERE grievance_id = ? AND sha256 = ?"

func scanGrievanceAttachment(sc interface{ Scan(...any) error }) (*grievance.File, []byte, error) {
	var a grievance.File
	var added string
	var sealed int
	var content []byte
	if err := sc.Scan(&a.SHA256, &a.Name, &a.MediaType, &a.Size, &added, &sealed, &content); err != nil {
		return nil, nil, err
	}
	a.AddedAt, a.Sealed = parseTS(added), sealed != 0
	return &a, content, nil
}

// GrievanceAttachment returns one attachment and its stored bytes
// (ciphertext when sealed).
func (s *Store) GrievanceAttachment(ctx context.Context, id, sha string) (*grievance.File, []byte, error) {
	a, content, err := scanGrievanceAttachment(s.db.QueryRowContext(ctx, s.q(grievanceAttachmentSelect), id, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, vigil.Errorf(vigil.ENOTFOUND, "grievance %s has no attachment %s", id, sha)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("attachment of grievance %s: %w", id, err)
	}
	return a, content, nil
}

// OpenGrievanceAttachment returns a sealed attachment's ciphertext and
// records the opening in the transaction that reads it, so no one reads
// it for opening without the event.
func (s *Store) OpenGrievanceAttachment(ctx context.Context, id, sha, actor string, now time.Time) (*grievance.File, []byte, error) {
	var a *grievance.File
	var sealed []byte
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, grievanceAttachmentSelect, id, sha)
		if err != nil {
			return fmt.Errorf("attachment of grievance %s: %w", id, err)
		}
		found := rows.Next()
		if found {
			a, sealed, err = scanGrievanceAttachment(rows)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("attachment of grievance %s: %w", id, err)
		}
		if !found {
			return vigil.Errorf(vigil.ENOTFOUND, "grievance %s has no attachment %s", id, sha)
		}
		if !a.Sealed {
			return vigil.Errorf(vigil.ECONFLICT, "attachment %s of grievance %s is not sealed: download it as it is", sha, id)
		}
		_, err = tx.grievanceEvent(ctx, vigil.EventGrievanceAttachmentOpened, id, actor, now.UTC(), map[string]any{"sha256": a.SHA256})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return a, sealed, nil
}

// updateGrievance reads a grievance inside the transaction, lets fn
// change it and writes it back with a higher version.
func (tx *tx) updateGrievance(ctx context.Context, id, actor string, now time.Time, fn func(*grievance.Grievance) error) (*grievance.Grievance, error) {
	rows, err := tx.query(ctx, grievanceSelect+"WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("read grievance %s: %w", id, err)
	}
	var doc string
	found := rows.Next()
	if found {
		err = rows.Scan(&doc)
	}
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read grievance %s: %w", id, err)
	}
	if !found {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no grievance with id %q", id)
	}
	g, err := decodeGrievance(doc)
	if err != nil {
		return nil, err
	}
	if err := fn(g); err != nil {
		return nil, err
	}
	g.UpdatedAt, g.UpdatedBy = now.UTC(), actor
	g.Version++
	b, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode grievance: %w", err)
	}
	res, err := tx.exec(ctx, `UPDATE grievances SET status = ?, acknowledged_at = ?, answered_at = ?, closed_at = ?, party_ids = ?, version = ?, doc = ?
		WHERE id = ? AND version = ?`,
		string(g.Status), gtsp(g.AcknowledgedAt), gtsp(g.AnsweredAt), gtsp(g.ClosedAt), idList(g.PartyIDs), g.Version, string(b), id, g.Version-1)
	if err != nil {
		return nil, fmt.Errorf("update grievance %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, vigil.Errorf(vigil.ECONFLICT, "grievance %s changed meanwhile; try again", id)
	}
	return g, nil
}

func (tx *tx) addUpdate(ctx context.Context, id string, kind grievance.UpdateKind, author, text string, now time.Time, eventID string) error {
	if text == "" {
		return nil
	}
	_, err := tx.exec(ctx, "INSERT INTO grievance_updates (grievance_id, kind, author, text, time, event_id) VALUES (?, ?, ?, ?, ?, ?)",
		id, string(kind), author, text, ts(now.UTC()), eventID)
	if err != nil {
		return fmt.Errorf("add to grievance %s: %w", id, err)
	}
	return nil
}

func notClosed(g *grievance.Grievance) error {
	if g.ClosedAt != nil {
		return vigil.Errorf(vigil.ECONFLICT, "grievance %s is closed", g.ID)
	}
	return nil
}

// AddGrievanceInformation adds the submitter's text and files.
func (s *Store) AddGrievanceInformation(ctx context.Context, id, text string, atts []grievance.File, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return s.inTx(ctx, func(tx *tx) error {
		g, err := tx.updateGrievance(ctx, id, "submitter", now, func(g *grievance.Grievance) error {
			if err := notClosed(g); err != nil {
				return err
			}
			for _, a := range atts {
				if len(g.Attachments) >= 20 {
					return vigil.FieldError("attachments", "grievance %s holds 20 files already", g.ID)
				}
				dup := false
				for _, b := range g.Attachments {
					dup = dup || b.SHA256 == a.SHA256
				}
				if !dup {
					a.Content = nil
					g.Attachments = append(g.Attachments, a)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.putGrievanceAttachments(ctx, g.ID, atts); err != nil {
			return err
		}
		evID, err := tx.grievanceEvent(ctx, vigil.EventGrievanceUpdated, g.ID, "submitter", now, map[string]any{
			"text_sha256": textDigest(text), "attachments": attachmentDigests(atts)})
		if err != nil {
			return err
		}
		return tx.addUpdate(ctx, g.ID, grievance.UpdateInformation, "submitter", text, now, evID)
	})
}

// AcknowledgeGrievance records the acknowledgement; the event type says
// whether it came within the deadline.
func (s *Store) AcknowledgeGrievance(ctx context.Context, id, message, actor string, now time.Time) (*grievance.Grievance, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var out *grievance.Grievance
	err := s.inTx(ctx, func(tx *tx) error {
		g, err := tx.updateGrievance(ctx, id, actor, now, func(g *grievance.Grievance) error {
			if err := notClosed(g); err != nil {
				return err
			}
			if g.AcknowledgedAt != nil {
				return vigil.Errorf(vigil.ECONFLICT, "grievance %s was acknowledged already", g.ID)
			}
			g.AcknowledgedAt = &now
			g.AckLate = now.After(g.AckDue)
			if g.Status == grievance.StatusReceived {
				g.Status = grievance.StatusAcknowledged
			}
			return nil
		})
		if err != nil {
			return err
		}
		typ := vigil.EventGrievanceAcknowledged
		if g.AckLate {
			typ = vigil.EventGrievanceAcknowledgedLate
		}
		evID, err := tx.grievanceEvent(ctx, typ, g.ID, actor, now, map[string]any{"due": g.AckDue, "message_sha256": textDigest(message)})
		if err != nil {
			return err
		}
		out = g
		return tx.addUpdate(ctx, g.ID, grievance.UpdateAcknowledgement, actor, message, now, evID)
	})
	return out, err
}

// TriageGrievance links a grievance to parties, subscriptions and cases.
func (s *Store) TriageGrievance(ctx context.Context, id string, t grievance.Triage, actor string, now time.Time) (*grievance.Grievance, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var out *grievance.Grievance
	err := s.inTx(ctx, func(tx *tx) error {
		for _, pid := range t.PartyIDs {
			if err := tx.recordExists(ctx, "parties", pid); err != nil {
				return vigil.FieldError("party_ids", "no party with id %q", pid)
			}
		}
		for _, sid := range t.SubscriptionIDs {
			if err := tx.recordExists(ctx, "subscriptions", sid); err != nil {
				return vigil.FieldError("subscription_ids", "no subscription with id %q", sid)
			}
		}
		g, err := tx.updateGrievance(ctx, id, actor, now, func(g *grievance.Grievance) error {
			g.PartyIDs, g.SubscriptionIDs, g.CaseIDs, g.TriageNote = t.PartyIDs, t.SubscriptionIDs, t.CaseIDs, t.Note
			return nil
		})
		if err != nil {
			return err
		}
		out = g
		_, err = tx.grievanceEvent(ctx, vigil.EventGrievanceTriaged, g.ID, actor, now, map[string]any{
			"party_ids": g.PartyIDs, "subscription_ids": g.SubscriptionIDs, "case_ids": g.CaseIDs, "note_sha256": textDigest(t.Note)})
		return err
	})
	return out, err
}

func (tx *tx) recordExists(ctx context.Context, table, id string) error {
	rows, err := tx.query(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id)
	if err != nil {
		return err
	}
	found := rows.Next()
	rows.Close()
	if !found {
		return vigil.Errorf(vigil.ENOTFOUND, "no %s %q", table, id)
	}
	return rows.Err()
}

// AnswerGrievance records the provider's answer; the event type says
// whether it came within the deadline.
func (s *Store) AnswerGrievance(ctx context.Context, id, answer, actor string, now time.Time) (*grievance.Grievance, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var out *grievance.Grievance
	err := s.inTx(ctx, func(tx *tx) error {
		g, err := tx.updateGrievance(ctx, id, actor, now, func(g *grievance.Grievance) error {
			if err := notClosed(g); err != nil {
				return err
			}
			if g.AnsweredAt != nil {
				return vigil.Errorf(vigil.ECONFLICT, "grievance %s was answered already; add to the answer by closing it with a note", g.ID)
			}
			g.AnsweredAt = &now
			g.AnswerLate = now.After(g.AnswerDue)
			// An answer acknowledges too: a grievance answered at once
			// needs no separate acknowledgement.
			if g.AcknowledgedAt == nil {
				g.AcknowledgedAt = &now
				g.AckLate = now.After(g.AckDue)
			}
			g.Status = grievance.StatusAnswered
			return nil
		})
		if err != nil {
			return err
		}
		typ := vigil.EventGrievanceAnswered
		if g.AnswerLate {
			typ = vigil.EventGrievanceAnsweredLate
		}
		evID, err := tx.grievanceEvent(ctx, typ, g.ID, actor, now, map[string]any{"due": g.AnswerDue, "answer_sha256": textDigest(answer)})
		if err != nil {
			return err
		}
		out = g
		return tx.addUpdate(ctx, g.ID, grievance.UpdateAnswer, actor, answer, now, evID)
	})
	return out, err
}

// CloseGrievance closes a grievance with its outcome.
func (s *Store) CloseGrievance(ctx context.Context, id string, outcome grievance.Outcome, ledToAction bool, note, actor string, now time.Time) (*grievance.Grievance, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var out *grievance.Grievance
	err := s.inTx(ctx, func(tx *tx) error {
		g, err := tx.updateGrievance(ctx, id, actor, now, func(g *grievance.Grievance) error {
			if err := notClosed(g); err != nil {
				return err
			}
			g.ClosedAt = &now
			g.Outcome, g.LedToAction = outcome, ledToAction
			g.Status = grievance.StatusClosed
			return nil
		})
		if err != nil {
			return err
		}
		evID, err := tx.grievanceEvent(ctx, vigil.EventGrievanceClosed, g.ID, actor, now, map[string]any{
			"outcome": outcome, "led_to_action": ledToAction, "answered": g.AnsweredAt != nil, "note_sha256": textDigest(note)})
		if err != nil {
			return err
		}
		out = g
		return tx.addUpdate(ctx, g.ID, grievance.UpdateClosing, actor, note, now, evID)
	})
	return out, err
}

// OpenGrievanceContact returns the sealed contact and records the opening.
func (s *Store) OpenGrievanceContact(ctx context.Context, id, actor string, now time.Time) ([]byte, error) {
	var sealed []byte
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, "SELECT contact_sealed FROM grievances WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("contact of grievance %s: %w", id, err)
		}
		found := rows.Next()
		if found {
			err = rows.Scan(&sealed)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("contact of grievance %s: %w", id, err)
		}
		if !found {
			return vigil.Errorf(vigil.ENOTFOUND, "no grievance with id %q", id)
		}
		if len(sealed) == 0 {
			return vigil.Errorf(vigil.ENOTFOUND, "grievance %s is anonymous: there is no contact to open", id)
		}
		_, err = tx.grievanceEvent(ctx, vigil.EventGrievanceContactOpened, id, actor, now.UTC(), map[string]any{})
		return err
	})
	if err != nil {
		return nil, err
	}
	return sealed, nil
}

// ---- engagement ----

// CreateEngagement stores a letter or meeting.
func (s *Store) CreateEngagement(ctx context.Context, e *grievance.Engagement, actor string) error {
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode engagement: %w", err)
	}
	return s.inTx(ctx, func(tx *tx) error {
		for _, pid := range e.PartyIDs {
			if err := tx.recordExists(ctx, "parties", pid); err != nil {
				return vigil.FieldError("party_ids", "no party with id %q", pid)
			}
		}
		if _, err := tx.exec(ctx, "INSERT INTO engagements (id, stakeholder_type, date, party_ids, recorded_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
			e.ID, string(e.StakeholderType), e.Date.Format(vigil.DateLayout), idList(e.PartyIDs), gts(e.RecordedAt), string(doc)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "engagement %s exists already", e.ID)
			}
			return fmt.Errorf("create engagement: %w", err)
		}
		ev, err := vigil.NewEvent(vigil.EventEngagementRecorded, "engagements/"+e.ID, actor, e.RecordedAt, map[string]any{
			"engagement_id": e.ID, "kind": e.Kind, "stakeholder_type": e.StakeholderType, "date": e.Date,
			"party_ids": e.PartyIDs, "case_ids": e.CaseIDs, "grievance_ids": e.GrievanceIDs,
			"stakeholders_sha256": textDigest(e.Stakeholders), "asked_sha256": textDigest(e.Asked), "summary_sha256": textDigest(e.Summary)})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

// GetEngagement returns one engagement.
func (s *Store) GetEngagement(ctx context.Context, id string) (*grievance.Engagement, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, s.q("SELECT doc FROM engagements WHERE id = ?"), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no engagement with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get engagement %s: %w", id, err)
	}
	var e grievance.Engagement
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return nil, fmt.Errorf("decode engagement %s: %w", id, err)
	}
	return &e, nil
}

// ListEngagements returns engagements, newest first.
func (s *Store) ListEngagements(ctx context.Context, q grievance.EngagementQuery) ([]*grievance.Engagement, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return nil, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	if q.StakeholderType != "" {
		where = append(where, "stakeholder_type = ?")
		args = append(args, string(q.StakeholderType))
	}
	if q.PartyID != "" {
		where = append(where, `party_ids LIKE ? ESCAPE '\'`)
		args = append(args, "%;"+escapeLike(q.PartyID)+";%")
	}
	query := "SELECT doc FROM engagements"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY date DESC, id DESC LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list engagements: %w", err)
	}
	defer rows.Close()
	out := []*grievance.Engagement{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list engagements: %w", err)
		}
		var e grievance.Engagement
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, fmt.Errorf("decode engagement: %w", err)
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// AddPromise stores a promise made in an engagement.
func (s *Store) AddPromise(ctx context.Context, p *grievance.Promise, actor string) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode promise: %w", err)
	}
	return s.inTx(ctx, func(tx *tx) error {
		if err := tx.recordExists(ctx, "engagements", p.EngagementID); err != nil {
			return vigil.Errorf(vigil.ENOTFOUND, "no engagement with id %q", p.EngagementID)
		}
		if _, err := tx.exec(ctx, "INSERT INTO engagement_promises (id, engagement_id, due, doc) VALUES (?, ?, ?, ?)",
			p.ID, p.EngagementID, p.Due.Format(vigil.DateLayout), string(doc)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "promise %s exists already", p.ID)
			}
			return fmt.Errorf("add promise: %w", err)
		}
		ev, err := vigil.NewEvent(vigil.EventEngagementPromised, "engagements/"+p.EngagementID, actor, p.PromisedAt, map[string]any{
			"engagement_id": p.EngagementID, "promise_id": p.ID, "due": p.Due, "text_sha256": textDigest(p.Text)})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

func (tx *tx) readPromise(ctx context.Context, id string) (*grievance.Promise, error) {
	rows, err := tx.query(ctx, "SELECT doc FROM engagement_promises WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("read promise %s: %w", id, err)
	}
	var doc string
	found := rows.Next()
	if found {
		err = rows.Scan(&doc)
	}
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read promise %s: %w", id, err)
	}
	if !found {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no promise with id %q", id)
	}
	var p grievance.Promise
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode promise %s: %w", id, err)
	}
	return &p, nil
}

func (tx *tx) writePromise(ctx context.Context, p *grievance.Promise) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode promise: %w", err)
	}
	_, err = tx.exec(ctx, "UPDATE engagement_promises SET answered_at = ?, overdue_marked = ?, doc = ? WHERE id = ?",
		gtsp(p.AnsweredAt), boolInt(p.OverdueMarked), string(doc), p.ID)
	if err != nil {
		return fmt.Errorf("update promise %s: %w", p.ID, err)
	}
	return nil
}

// AnswerPromise records the answer that keeps a promise; the event type
// says whether it came by the due date.
func (s *Store) AnswerPromise(ctx context.Context, id, answer, actor string, now time.Time) (*grievance.Promise, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var out *grievance.Promise
	err := s.inTx(ctx, func(tx *tx) error {
		p, err := tx.readPromise(ctx, id)
		if err != nil {
			return err
		}
		if p.AnsweredAt != nil {
			return vigil.Errorf(vigil.ECONFLICT, "promise %s was answered already", id)
		}
		p.Late = p.Overdue(now)
		p.Answer, p.AnsweredAt = answer, &now
		if err := tx.writePromise(ctx, p); err != nil {
			return err
		}
		typ := vigil.EventEngagementKept
		if p.Late {
			typ = vigil.EventEngagementKeptLate
		}
		ev, err := vigil.NewEvent(typ, "engagements/"+p.EngagementID, actor, now, map[string]any{
			"engagement_id": p.EngagementID, "promise_id": p.ID, "due": p.Due, "answer_sha256": textDigest(answer)})
		if err != nil {
			return err
		}
		out = p
		return tx.insertEvent(ctx, ev)
	})
	return out, err
}

// ListPromises returns promises by due date.
func (s *Store) ListPromises(ctx context.Context, q grievance.PromiseQuery) ([]*grievance.Promise, error) {
	var where []string
	var args []any
	if q.EngagementID != "" {
		where = append(where, "engagement_id = ?")
		args = append(args, q.EngagementID)
	}
	if q.Open {
		where = append(where, "answered_at = ''")
	}
	if !q.DueBefore.IsZero() {
		where = append(where, "due < ?")
		args = append(args, q.DueBefore.Format(vigil.DateLayout))
	}
	query := "SELECT doc FROM engagement_promises"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY due, id LIMIT 5000"
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list promises: %w", err)
	}
	defer rows.Close()
	out := []*grievance.Promise{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list promises: %w", err)
		}
		var p grievance.Promise
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return nil, fmt.Errorf("decode promise: %w", err)
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// MarkOverduePromises records, once per promise, that its due date passed
// unanswered.
func (s *Store) MarkOverduePromises(ctx context.Context, now time.Time, actor string) ([]*grievance.Promise, error) {
	now = now.UTC().Truncate(time.Microsecond)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Format(vigil.DateLayout)
	var marked []*grievance.Promise
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, "SELECT id FROM engagement_promises WHERE answered_at = '' AND overdue_marked = 0 AND due < ? ORDER BY due, id", today)
		if err != nil {
			return fmt.Errorf("overdue promises: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("overdue promises: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("overdue promises: %w", err)
		}
		for _, id := range ids {
			p, err := tx.readPromise(ctx, id)
			if err != nil {
				return err
			}
			p.OverdueMarked = true
			if err := tx.writePromise(ctx, p); err != nil {
				return err
			}
			ev, err := vigil.NewEvent(vigil.EventEngagementPromiseOpen, "engagements/"+p.EngagementID, actor, now, map[string]any{
				"engagement_id": p.EngagementID, "promise_id": p.ID, "due": p.Due})
			if err != nil {
				return err
			}
			if err := tx.insertEvent(ctx, ev); err != nil {
				return err
			}
			marked = append(marked, p)
		}
		return nil
	})
	return marked, err
}
