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
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/risk"
)

// The casework storage (migration 00005): cases with their typed history,
// attachments kept by SHA-256 and decisions. Every change writes its
// history entry and its event in one transaction; the event payloads of
// cases and decisions carry the countries and sectors of the parties
// concerned, which the transparency report breaks figures down by (never
// the event type: the public log sees types).

var _ casework.Store = (*Store)(nil)

const caseColumns = "id, status, priority, assignee, due, party_ids, assessment_ids, auto_assessment, opened_at, updated_at, version, doc"

func caseRow(c *casework.Case, doc []byte) []any {
	auto := ""
	if c.Auto && len(c.AssessmentIDs) > 0 {
		auto = c.AssessmentIDs[0]
	}
	return []any{c.ID, string(c.Status), c.Priority, c.Assignee, dueTS(c.Due), joinList(c.PartyIDs), joinList(c.AssessmentIDs), auto,
		ts(c.OpenedAt), ts(c.UpdatedAt), c.Version, string(doc)}
}

// dueTS formats a due date with a fixed width, so that the text order of
// the column is the time order the overdue filter compares by (RFC 3339
// with trimmed fractions is not: "…00Z" sorts after "…00.5Z").
func dueTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func normalizeCase(c *casework.Case) {
	for _, l := range []*[]string{&c.PartyIDs, &c.AccountIDs, &c.SubscriptionIDs, &c.AssessmentIDs, &c.SignalIDs, &c.GrievanceIDs, &c.SourceIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
}

func scanCase(sc interface{ Scan(...any) error }) (*casework.Case, error) {
	var doc string
	var version int
	if err := sc.Scan(&doc, &version); err != nil {
		return nil, err
	}
	var c casework.Case
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return nil, fmt.Errorf("decode stored case: %w", err)
	}
	c.Version = version
	normalizeCase(&c)
	return &c, nil
}

func (tx *tx) loadCase(ctx context.Context, id string) (*casework.Case, error) {
	rows, err := tx.query(ctx, "SELECT doc, version FROM cases WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("get case %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("get case %s: %w", id, err)
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no case with id %q", id)
	}
	c, err := scanCase(rows)
	if err != nil {
		return nil, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, rows.Close()
}

// GetCase returns one case.
func (s *Store) GetCase(ctx context.Context, id string) (*casework.Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, s.q("SELECT doc, version FROM cases WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no case with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, nil
}

// CreateCase stores a new case with its "opened" entry and event. An
// automatic case about a relationship that already has an open case is
// refused (ECONFLICT), so retried or concurrent runs never open two.
func (s *Store) CreateCase(ctx context.Context, c *casework.Case, actor string) error {
	if c.ID == "" {
		c.ID = vigil.NewID(s.now())
	}
	if strings.TrimSpace(c.Title) == "" {
		return vigil.FieldError("title", "must not be empty")
	}
	if c.Status == "" {
		c.Status = casework.StatusOpen
	}
	if c.Status != casework.StatusOpen {
		return vigil.FieldError("status", "a new case is %q, not %q", casework.StatusOpen, c.Status)
	}
	normalizeCase(c)
	now := s.now().UTC().Truncate(time.Microsecond)
	c.OpenedBy, c.OpenedAt, c.UpdatedAt, c.Version, c.Outcome, c.ClosedAt = actor, now, now, 1, "", nil
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode case: %w", err)
	}
	return s.inTx(ctx, func(tx *tx) error {
		if c.Auto && len(c.AssessmentIDs) > 0 {
			if open, err := tx.openCaseFor(ctx, c.AssessmentIDs[0]); err == nil {
				return vigil.Errorf(vigil.ECONFLICT, "case %s about %s is open already", open.ID, c.AssessmentIDs[0])
			} else if vigil.ErrorCode(err) != vigil.ENOTFOUND {
				return err
			}
		}
		_, err := tx.exec(ctx, "INSERT INTO cases ("+caseColumns+") VALUES ("+placeholders(12)+")", caseRow(c, doc)...)
		if err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "a case with id %q, or an open automatic case about %v, exists already", c.ID, c.AssessmentIDs)
			}
			return fmt.Errorf("create case: %w", err)
		}
		how := "manual"
		if c.Auto {
			how = "auto"
		}
		_, err = tx.writeCaseEntry(ctx, c, &casework.Entry{Type: casework.EntryOpened, Actor: actor, Time: now}, map[string]any{
			"title": c.Title, "priority": c.Priority, "how": how, "due": c.Due.Format(time.DateOnly),
			"party_ids": c.PartyIDs, "account_ids": c.AccountIDs, "subscription_ids": c.SubscriptionIDs, "assessment_ids": c.AssessmentIDs,
			"signal_ids": c.SignalIDs, "grievance_ids": c.GrievanceIDs, "source_ids": c.SourceIDs,
		})
		return err
	})
}

// saveCase writes a changed case, one version up from the one read; a
// concurrent change in between is ECONFLICT.
func (tx *tx) saveCase(ctx context.Context, c *casework.Case, now time.Time) error {
	read := c.Version
	c.Version, c.UpdatedAt = read+1, now
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	row := caseRow(c, doc)
	res, err := tx.exec(ctx, "UPDATE cases SET status = ?, priority = ?, assignee = ?, due = ?, party_ids = ?, assessment_ids = ?, auto_assessment = ?, updated_at = ?, version = ?, doc = ? WHERE id = ? AND version = ?",
		append(slices.Concat(row[1:8], row[9:]), c.ID, read)...)
	if err != nil {
		if tx.s.dialect.IsUniqueViolation(err) {
			return vigil.Errorf(vigil.ECONFLICT, "another automatic case about %v is open: it cannot be reopened beside it", c.AssessmentIDs)
		}
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return vigil.Errorf(vigil.ECONFLICT, "case %s was changed meanwhile by someone else: reload it and try again", c.ID)
	}
	return nil
}

// UpdateCase applies fn to the case read inside the transaction and stores
// the result with the entry fn returns and its event. A status change is
// checked against the allowed transitions (closing needs an outcome) and
// closing writes case.closed besides case.status_changed.
func (s *Store) UpdateCase(ctx context.Context, id string, expectVersion int, actor string, fn func(*casework.Case) (*casework.Entry, error)) (*casework.Case, error) {
	var out *casework.Case
	err := s.inTx(ctx, func(tx *tx) error {
		c, err := tx.loadCase(ctx, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && expectVersion != c.Version {
			return vigil.Errorf(vigil.ECONFLICT, "case %s is at version %d, not %d: someone changed it meanwhile; reload it", id, c.Version, expectVersion)
		}
		before := *c
		e, err := fn(c)
		if err != nil {
			return err
		}
		if e == nil {
			return vigil.Errorf(vigil.EINTERNAL, "a change of case %s came without its history entry", id)
		}
		c.ID, c.Version, c.OpenedAt, c.OpenedBy, c.Auto = before.ID, before.Version, before.OpenedAt, before.OpenedBy, before.Auto
		normalizeCase(c)
		now := s.now().UTC().Truncate(time.Microsecond)
		detail, err := entryDetail(e)
		if err != nil {
			return err
		}
		if c.Status != before.Status {
			if err := checkMove(&before, c, now); err != nil {
				return err
			}
			detail["from"], detail["to"] = before.Status, c.Status
			if c.Status == casework.StatusClosed {
				detail["outcome"] = c.Outcome
			}
		} else if e.Type == casework.EntryStatusChanged || e.Type == casework.EntryReopened {
			return vigil.FieldError("status", "case %s is %s already", id, c.Status)
		} else if c.Outcome != before.Outcome || !sameTime(c.ClosedAt, before.ClosedAt) {
			return vigil.FieldError("outcome", "changes only when the case closes or reopens")
		}
		if err := tx.saveCase(ctx, c, now); err != nil {
			return err
		}
		e.Actor, e.Time = actor, now
		if _, err := tx.writeCaseEntry(ctx, c, e, detail); err != nil {
			return err
		}
		if c.Status == casework.StatusClosed && before.Status != casework.StatusClosed {
			if _, err := tx.caseEvent(ctx, c, vigil.EventCaseClosed, actor, now, map[string]any{"outcome": c.Outcome}); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// checkMove checks a status change and sets what goes with it: closing
// needs an outcome and sets the closing time; leaving closed clears both.
func checkMove(before, c *casework.Case, now time.Time) error {
	if !casework.ValidStatus(c.Status) {
		return vigil.FieldError("status", "unknown status %q (want one of %v)", c.Status, casework.Statuses)
	}
	if !casework.CanMove(before.Status, c.Status) {
		return vigil.Errorf(vigil.ECONFLICT, "case %s cannot move from %s to %s (allowed: %v)", c.ID, before.Status, c.Status, casework.Next(before.Status))
	}
	switch {
	case c.Status == casework.StatusClosed:
		if !casework.ValidOutcome(c.Outcome) {
			return vigil.FieldError("outcome", "closing a case needs an outcome, one of %v", casework.Outcomes)
		}
		c.ClosedAt = &now
	case before.Status == casework.StatusClosed:
		c.Outcome, c.ClosedAt = "", nil
	default:
		if c.Outcome != before.Outcome {
			return vigil.FieldError("outcome", "is set only when the case closes")
		}
	}
	return nil
}

func entryDetail(e *casework.Entry) (map[string]any, error) {
	detail := map[string]any{}
	if len(e.Detail) > 0 && string(e.Detail) != "null" {
		if err := json.Unmarshal(e.Detail, &detail); err != nil {
			return nil, vigil.Errorf(vigil.EINVALID, "the detail of a %s entry is not a JSON object: %v", e.Type, err)
		}
	}
	return detail, nil
}

// moveCase moves a case inside the caller's transaction (package enforce
// reopens a case when usage goes on after a suspension), with its entry
// and event: case.reopened when the entry is of type EntryReopened or the
// case leaves closed, case.status_changed otherwise. entry may be nil; its
// Detail (a JSON object, e.g. {"reason": ...}) is kept and from/to added.
// A case already in status to is returned unchanged.
func (tx *tx) moveCase(ctx context.Context, caseID string, to casework.Status, actor string, entry *casework.Entry) (*casework.Case, error) {
	c, err := tx.loadCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Status == to {
		return c, nil
	}
	if entry == nil {
		entry = &casework.Entry{}
	}
	if entry.Type == "" {
		entry.Type = casework.EntryStatusChanged
		if c.Status == casework.StatusClosed {
			entry.Type = casework.EntryReopened
		}
	}
	detail, err := entryDetail(entry)
	if err != nil {
		return nil, err
	}
	before := *c
	c.Status = to
	now := tx.s.now().UTC().Truncate(time.Microsecond)
	if err := checkMove(&before, c, now); err != nil {
		return nil, err
	}
	detail["from"], detail["to"] = before.Status, to
	if err := tx.saveCase(ctx, c, now); err != nil {
		return nil, err
	}
	entry.Actor, entry.Time = actor, now
	if _, err := tx.writeCaseEntry(ctx, c, entry, detail); err != nil {
		return nil, err
	}
	return c, nil
}

// insertCaseEntry writes one history entry inside the caller's
// transaction and sets its Seq; the caller has written its event and set
// EventID (package enforce writes enforcement steps so).
func (tx *tx) insertCaseEntry(ctx context.Context, e *casework.Entry) error {
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	rows, err := tx.query(ctx, "INSERT INTO case_entries (case_id, type, actor, time, detail, event_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
		e.CaseID, string(e.Type), e.Actor, ts(e.Time), string(e.Detail), e.EventID)
	if err != nil {
		return fmt.Errorf("record %s entry of case %s: %w", e.Type, e.CaseID, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&e.Seq); err != nil {
			return fmt.Errorf("record %s entry of case %s: %w", e.Type, e.CaseID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("record %s entry of case %s: %w", e.Type, e.CaseID, err)
	}
	return rows.Close()
}

// writeCaseEntry writes an entry of the case and its event (type from
// casework.EventTypeOf), the payload being detail plus the case's id,
// priority, countries and sectors.
func (tx *tx) writeCaseEntry(ctx context.Context, c *casework.Case, e *casework.Entry, detail map[string]any) (*vigil.Event, error) {
	raw, err := json.Marshal(detail)
	if err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", e.Type, err)
	}
	e.CaseID, e.Detail = c.ID, raw
	typ := casework.EventTypeOf(e)
	if typ == "" {
		return nil, vigil.Errorf(vigil.EINTERNAL, "no event type for a %s entry", e.Type)
	}
	ev, err := tx.caseEvent(ctx, c, typ, e.Actor, e.Time, detail)
	if err != nil {
		return nil, err
	}
	e.EventID = ev.ID
	return ev, tx.insertCaseEntry(ctx, e)
}

// caseEvent writes an event about a case; detail is extended in place with
// the case's id, priority and the countries and sectors of its parties.
func (tx *tx) caseEvent(ctx context.Context, c *casework.Case, typ, actor string, now time.Time, detail map[string]any) (*vigil.Event, error) {
	countries, sectors, err := tx.partyContext(ctx, c.PartyIDs)
	if err != nil {
		return nil, err
	}
	payload := map[string]any{}
	for k, v := range detail {
		payload[k] = v
	}
	payload["case_id"], payload["priority"], payload["countries"], payload["sectors"] = c.ID, c.Priority, countries, sectors
	ev, err := vigil.NewEvent(typ, "cases/"+c.ID, actor, now, payload)
	if err != nil {
		return nil, err
	}
	return ev, tx.insertEvent(ctx, ev)
}

// partyContext returns the sorted, distinct countries and sectors of
// parties (unknown ids are skipped: a case may name a party not yet
// imported).
func (tx *tx) partyContext(ctx context.Context, partyIDs []string) (countries, sectors []string, err error) {
	countries, sectors = []string{}, []string{}
	for _, chunk := range chunks(partyIDs, 400) {
		rows, err := tx.query(ctx, "SELECT country, sectors FROM parties WHERE id IN ("+placeholders(len(chunk))+")", anys(chunk)...)
		if err != nil {
			return nil, nil, fmt.Errorf("countries and sectors of parties: %w", err)
		}
		for rows.Next() {
			var country, list string
			if err := rows.Scan(&country, &list); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("countries and sectors of parties: %w", err)
			}
			if country != "" {
				countries = append(countries, country)
			}
			for _, sec := range strings.Split(list, ";") {
				if sec != "" {
					sectors = append(sectors, sec)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("countries and sectors of parties: %w", err)
		}
	}
	slices.Sort(countries)
	slices.Sort(sectors)
	return slices.Compact(countries), slices.Compact(sectors), nil
}

// casePartyContext returns the countries and sectors of a case's parties,
// for events written about it by other packages' store code.
func (tx *tx) casePartyContext(ctx context.Context, caseID string) (countries, sectors []string, err error) {
	c, err := tx.loadCase(ctx, caseID)
	if err != nil {
		return nil, nil, err
	}
	return tx.partyContext(ctx, c.PartyIDs)
}

// ListCases returns one page of cases in id (opening) order.
func (s *Store) ListCases(ctx context.Context, q casework.CaseQuery) (casework.CasePage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return casework.CasePage{}, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	if q.Status != "" {
		if !casework.ValidStatus(q.Status) {
			return casework.CasePage{}, vigil.FieldError("status", "unknown status %q (want one of %v)", q.Status, casework.Statuses)
		}
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.Assignee != "" {
		where, args = append(where, "assignee = ?"), append(args, q.Assignee)
	}
	if q.Priority != "" {
		where, args = append(where, "priority = ?"), append(args, q.Priority)
	}
	if q.PartyID != "" {
		where, args = append(where, `party_ids LIKE ? ESCAPE '\'`), append(args, "%;"+escapeLike(q.PartyID)+";%")
	}
	if q.Overdue {
		now := q.Now
		if now.IsZero() {
			now = s.now()
		}
		where, args = append(where, "status <> 'closed' AND due <> '' AND due < ?"), append(args, dueTS(now))
	}
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return casework.CasePage{}, err
		}
		where, args = append(where, "id > ?"), append(args, after)
	}
	query := "SELECT doc, version FROM cases"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return casework.CasePage{}, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	page := casework.CasePage{Items: []*casework.Case{}}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return casework.CasePage{}, fmt.Errorf("list cases: %w", err)
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return casework.CasePage{}, fmt.Errorf("list cases: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(page.Items[limit-1].ID)
	}
	return page, nil
}

// CaseEntries returns a case's history in order.
func (s *Store) CaseEntries(ctx context.Context, caseID string) ([]*casework.Entry, error) {
	if _, err := s.GetCase(ctx, caseID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT seq, case_id, type, actor, time, detail, event_id FROM case_entries WHERE case_id = ? ORDER BY seq"), caseID)
	if err != nil {
		return nil, fmt.Errorf("entries of case %s: %w", caseID, err)
	}
	defer rows.Close()
	out := []*casework.Entry{}
	for rows.Next() {
		var e casework.Entry
		var typ, tm, detail string
		if err := rows.Scan(&e.Seq, &e.CaseID, &typ, &e.Actor, &tm, &detail, &e.EventID); err != nil {
			return nil, fmt.Errorf("entries of case %s: %w", caseID, err)
		}
		e.Type, e.Time, e.Detail = casework.EntryType(typ), parseTS(tm), json.RawMessage(detail)
		out = append(out, &e)
	}
	return out, rows.Err()
}

func (tx *tx) openCaseFor(ctx context.Context, assessmentID string) (*casework.Case, error) {
	rows, err := tx.query(ctx, `SELECT doc, version FROM cases WHERE status <> 'closed' AND assessment_ids LIKE ? ESCAPE '\' ORDER BY id LIMIT 1`,
		"%;"+escapeLike(assessmentID)+";%")
	if err != nil {
		return nil, fmt.Errorf("open case about %s: %w", assessmentID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("open case about %s: %w", assessmentID, err)
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no open case about %q", assessmentID)
	}
	c, err := scanCase(rows)
	if err != nil {
		return nil, fmt.Errorf("open case about %s: %w", assessmentID, err)
	}
	return c, rows.Close()
}

// OpenCaseFor returns the open case about an assessment (relationship) id.
func (s *Store) OpenCaseFor(ctx context.Context, assessmentID string) (*casework.Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, s.q(`SELECT doc, version FROM cases WHERE status <> 'closed' AND assessment_ids LIKE ? ESCAPE '\' ORDER BY id LIMIT 1`),
		"%;"+escapeLike(assessmentID)+";%"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no open case about %q", assessmentID)
	}
	if err != nil {
		return nil, fmt.Errorf("open case about %s: %w", assessmentID, err)
	}
	return c, nil
}

// PutAttachment keeps a file with a case: the content once per SHA-256,
// the file in the case's list, an "attached" entry and event. The same
// bytes attached again to the same case change nothing and write nothing.
func (s *Store) PutAttachment(ctx context.Context, a *casework.Attachment, content []byte, actor string) error {
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	if a.SHA256 != "" && a.SHA256 != digest {
		return vigil.FieldError("sha256", "the content's SHA-256 is %s, not %s", digest, a.SHA256)
	}
	if strings.TrimSpace(a.Name) == "" {
		return vigil.FieldError("name", "must not be empty")
	}
	if a.MediaType == "" {
		return vigil.FieldError("media_type", "must not be empty")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	a.SHA256, a.Size, a.AddedBy, a.AddedAt = digest, int64(len(content)), actor, now
	return s.inTx(ctx, func(tx *tx) error {
		c, err := tx.loadCase(ctx, a.CaseID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, "SELECT count(*) FROM case_attachments WHERE case_id = ? AND sha256 = ?", []any{a.CaseID, digest}, &n); err != nil {
			return fmt.Errorf("attach to case %s: %w", a.CaseID, err)
		}
		if n > 0 {
			stored, _, err := tx.s.attachment(ctx, tx, a.CaseID, digest, false)
			if err != nil {
				return err
			}
			*a = *stored
			return nil
		}
		if _, err := tx.exec(ctx, "INSERT INTO attachment_contents (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING", digest, len(content), content); err != nil {
			return fmt.Errorf("store attachment content: %w", err)
		}
		if _, err := tx.exec(ctx, "INSERT INTO case_attachments (case_id, sha256, name, media_type, size, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			a.CaseID, digest, a.Name, a.MediaType, a.Size, actor, ts(now)); err != nil {
			return fmt.Errorf("attach to case %s: %w", a.CaseID, err)
		}
		if err := tx.saveCase(ctx, c, now); err != nil {
			return err
		}
		_, err = tx.writeCaseEntry(ctx, c, &casework.Entry{Type: casework.EntryAttached, Actor: actor, Time: now},
			map[string]any{"name": a.Name, "media_type": a.MediaType, "sha256": digest, "size": a.Size})
		return err
	})
}

func (tx *tx) queryRow(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// Attachment returns a case's file and its content.
func (s *Store) Attachment(ctx context.Context, caseID, digest string) (*casework.Attachment, []byte, error) {
	return s.attachment(ctx, nil, caseID, digest, true)
}

// Attachments lists a case's files, oldest first.
func (s *Store) Attachments(ctx context.Context, caseID string) ([]*casework.Attachment, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT case_id, sha256, name, media_type, size, added_by, added_at FROM case_attachments WHERE case_id = ? ORDER BY added_at, sha256"), caseID)
	if err != nil {
		return nil, fmt.Errorf("attachments of case %s: %w", caseID, err)
	}
	defer rows.Close()
	out := []*casework.Attachment{}
	for rows.Next() {
		var a casework.Attachment
		var at string
		if err := rows.Scan(&a.CaseID, &a.SHA256, &a.Name, &a.MediaType, &a.Size, &a.AddedBy, &at); err != nil {
			return nil, fmt.Errorf("attachments of case %s: %w", caseID, err)
		}
		a.AddedAt = parseTS(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}

func (s *Store) attachment(ctx context.Context, tx *tx, caseID, digest string, withContent bool) (*casework.Attachment, []byte, error) {
	query := "SELECT a.case_id, a.sha256, a.name, a.media_type, a.size, a.added_by, a.added_at"
	if withContent {
		query += ", c.content"
	}
	query += " FROM case_attachments a JOIN attachment_contents c ON c.sha256 = a.sha256 WHERE a.case_id = ? AND a.sha256 = ?"
	var a casework.Attachment
	var at string
	var content []byte
	dest := []any{&a.CaseID, &a.SHA256, &a.Name, &a.MediaType, &a.Size, &a.AddedBy, &at}
	if withContent {
		dest = append(dest, &content)
	}
	var err error
	if tx != nil {
		err = tx.queryRow(ctx, query, []any{caseID, strings.ToLower(digest)}, dest...)
	} else {
		err = s.db.QueryRowContext(ctx, s.q(query), caseID, strings.ToLower(digest)).Scan(dest...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, vigil.Errorf(vigil.ENOTFOUND, "case %s has no attachment with SHA-256 %s", caseID, digest)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %s of case %s: %w", digest, caseID, err)
	}
	a.AddedAt = parseTS(at)
	return &a, content, nil
}

// Decisions.

const decisionColumns = "id, case_id, type, status, proposed_by, proposed_at, decided_by, decided_at, decision_note, enforcement_planned, doc"

func scanDecision(sc interface{ Scan(...any) error }) (*casework.Decision, error) {
	var id, caseID, typ, status, by, at, decidedBy, decidedAt, note, doc string
	var planned int
	if err := sc.Scan(&id, &caseID, &typ, &status, &by, &at, &decidedBy, &decidedAt, &note, &planned, &doc); err != nil {
		return nil, err
	}
	var d casework.Decision
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("decode stored decision %s: %w", id, err)
	}
	d.ID, d.CaseID, d.Type, d.Status, d.ProposedBy, d.ProposedAt = id, caseID, casework.DecisionType(typ), casework.DecisionStatus(status), by, parseTS(at)
	d.DecidedBy, d.DecisionNote, d.EnforcementPlanned, d.DecidedAt = decidedBy, note, planned != 0, nil
	if decidedAt != "" {
		t := parseTS(decidedAt)
		d.DecidedAt = &t
	}
	return &d, nil
}

func (tx *tx) loadDecision(ctx context.Context, id string) (*casework.Decision, error) {
	rows, err := tx.query(ctx, "SELECT "+decisionColumns+" FROM decisions WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("get decision %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("get decision %s: %w", id, err)
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no decision with id %q", id)
	}
	d, err := scanDecision(rows)
	if err != nil {
		return nil, fmt.Errorf("get decision %s: %w", id, err)
	}
	return d, rows.Close()
}

// GetDecision returns one decision.
func (s *Store) GetDecision(ctx context.Context, id string) (*casework.Decision, error) {
	d, err := scanDecision(s.db.QueryRowContext(ctx, s.q("SELECT "+decisionColumns+" FROM decisions WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no decision with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get decision %s: %w", id, err)
	}
	return d, nil
}

// ListDecisions returns decisions in the order they were proposed.
func (s *Store) ListDecisions(ctx context.Context, q casework.DecisionQuery) ([]*casework.Decision, error) {
	var where []string
	var args []any
	if q.CaseID != "" {
		where, args = append(where, "case_id = ?"), append(args, q.CaseID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, string(q.Type))
	}
	if q.Unplanned {
		where = append(where, "status = 'approved' AND enforcement_planned = 0 AND type IN ('restrict', 'suspend', 'terminate')")
	}
	query := "SELECT " + decisionColumns + " FROM decisions"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY proposed_at, id"), args...)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	defer rows.Close()
	out := []*casework.Decision{}
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, fmt.Errorf("list decisions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// userCan checks, inside the transaction, that an actor is an enabled user
// whose role grants the permission: the store re-checks who may propose
// and decide whatever the caller checked before.
func (tx *tx) userCan(ctx context.Context, actor string, p vigil.Permission) error {
	var role string
	var disabled int
	err := tx.queryRow(ctx, "SELECT role, disabled FROM users WHERE id = ?", []any{actor}, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return vigil.Errorf(vigil.EFORBIDDEN, "%q is not a user", actor)
	}
	if err != nil {
		return fmt.Errorf("role of %s: %w", actor, err)
	}
	if disabled != 0 || !vigil.Role(role).Can(p) {
		return vigil.Errorf(vigil.EFORBIDDEN, "%s (%s) may not %s", actor, role, p)
	}
	return nil
}

// CreateDecision stores a proposed decision, or an engage or condition
// decision recorded as approved at once (no second approver), and moves
// its case toward decision_pending (and on to monitoring for a recorded
// engage or condition), all with entries and events in one transaction.
func (s *Store) CreateDecision(ctx context.Context, d *casework.Decision, actor string) error {
	if !casework.ValidDecisionType(d.Type) {
		return vigil.FieldError("type", "unknown decision type %q (want one of %v)", d.Type, casework.DecisionTypes)
	}
	if strings.TrimSpace(d.Reasons) == "" {
		return vigil.FieldError("reasons", "a decision must give its reasons")
	}
	if d.Status == "" {
		d.Status = casework.DecisionProposed
	}
	switch {
	case d.Status == casework.DecisionApproved && d.Type.NeedsFourEyes():
		return vigil.Errorf(vigil.EFORBIDDEN, "a %s decision needs a second approver: it can only be proposed", d.Type)
	case d.Status != casework.DecisionProposed && d.Status != casework.DecisionApproved:
		return vigil.FieldError("status", "a new decision is proposed (or, for engage and condition, approved), not %q", d.Status)
	}
	if d.Type == casework.DecisionTerminate {
		if err := d.Disengagement.Complete(); err != nil {
			return err
		}
	}
	if d.ID == "" {
		d.ID = vigil.NewID(s.now())
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	d.ProposedBy, d.ProposedAt, d.DecidedBy, d.DecidedAt, d.DecisionNote, d.EnforcementPlanned = actor, now, "", nil, "", false
	if d.Status == casework.DecisionApproved {
		d.DecidedBy, d.DecidedAt = actor, &now
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode decision: %w", err)
	}
	return s.inTx(ctx, func(tx *tx) error {
		if err := tx.userCan(ctx, actor, vigil.PermWorkCases); err != nil {
			return err
		}
		c, err := tx.loadCase(ctx, d.CaseID)
		if err != nil {
			return err
		}
		if c.Status == casework.StatusClosed {
			return vigil.Errorf(vigil.ECONFLICT, "case %s is closed: reopen it before deciding on it", c.ID)
		}
		decidedAt := ""
		if d.DecidedAt != nil {
			decidedAt = ts(*d.DecidedAt)
		}
		if _, err := tx.exec(ctx, "INSERT INTO decisions ("+decisionColumns+") VALUES ("+placeholders(11)+")",
			d.ID, d.CaseID, string(d.Type), string(d.Status), actor, ts(now), d.DecidedBy, decidedAt, "", 0, string(doc)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "a decision with id %q exists already", d.ID)
			}
			return fmt.Errorf("create decision: %w", err)
		}
		if err := tx.decisionEntry(ctx, c, d, casework.DecisionProposed, actor, now); err != nil {
			return err
		}
		if d.Status == casework.DecisionProposed {
			if err := tx.walkCase(ctx, c, casework.StatusDecisionPending, actor, now, "decision "+d.ID+" proposed"); err != nil {
				return err
			}
		} else {
			if err := tx.decisionEntry(ctx, c, d, casework.DecisionApproved, actor, now); err != nil {
				return err
			}
			if err := tx.afterDecided(ctx, c, d, actor, now); err != nil {
				return err
			}
		}
		return tx.saveCase(ctx, c, now)
	})
}

// walkCase moves a case along the allowed transitions to a status, one
// entry and event per step, without saving the case (the caller does).
func (tx *tx) walkCase(ctx context.Context, c *casework.Case, to casework.Status, actor string, now time.Time, reason string) error {
	if c.Status == to {
		return nil
	}
	path := casework.PathTo(c.Status, to)
	if path == nil {
		return vigil.Errorf(vigil.ECONFLICT, "case %s cannot go from %s to %s", c.ID, c.Status, to)
	}
	for _, next := range path {
		before := *c
		c.Status = next
		if err := checkMove(&before, c, now); err != nil {
			return err
		}
		e := &casework.Entry{Type: casework.EntryStatusChanged, Actor: actor, Time: now}
		if _, err := tx.writeCaseEntry(ctx, c, e, map[string]any{"from": before.Status, "to": next, "reason": reason}); err != nil {
			return err
		}
	}
	return nil
}

// afterDecided moves the case once a decision is approved or rejected:
// approval puts it where the decision type says (action in force or
// monitoring); a rejection or withdrawal with no other proposal pending
// sends a case waiting for a decision back to investigating.
func (tx *tx) afterDecided(ctx context.Context, c *casework.Case, d *casework.Decision, actor string, now time.Time) error {
	var pending int
	if err := tx.queryRow(ctx, "SELECT count(*) FROM decisions WHERE case_id = ? AND status = 'proposed' AND id <> ?", []any{c.ID, d.ID}, &pending); err != nil {
		return fmt.Errorf("pending decisions of case %s: %w", c.ID, err)
	}
	if pending > 0 {
		return nil // the case still waits for another decision
	}
	switch d.Status {
	case casework.DecisionApproved:
		to := d.Type.StatusAfterApproval()
		if c.Status == casework.StatusActionInForce && to == casework.StatusMonitoring {
			// An action in force stays in force while engagement goes on.
			return nil
		}
		return tx.walkCase(ctx, c, to, actor, now, "decision "+d.ID+" approved")
	default:
		if c.Status == casework.StatusDecisionPending {
			return tx.walkCase(ctx, c, casework.StatusInvestigating, actor, now, "decision "+d.ID+" "+string(d.Status))
		}
	}
	return nil
}

// decisionEntry writes the entry and the decision.<type>.<step> event of a
// decision's step.
func (tx *tx) decisionEntry(ctx context.Context, c *casework.Case, d *casework.Decision, step casework.DecisionStatus, actor string, now time.Time) error {
	detail := map[string]any{
		"decision_id": d.ID, "type": d.Type, "step": step,
		"subscription_ids": nonNil(d.SubscriptionIDs), "capabilities": nonNil(d.Capabilities),
		"assessment_id": d.AssessmentID, "assessment_version": d.AssessmentVersion, "public": d.Public,
	}
	if step == casework.DecisionProposed {
		detail["reasons"] = d.Reasons
		detail["proposed_by"] = d.ProposedBy
		if d.Disengagement != nil {
			detail["disengagement"] = d.Disengagement
		}
	} else {
		detail["decided_by"] = actor
		detail["note"] = d.DecisionNote
	}
	e := &casework.Entry{Type: casework.EntryDecision, Actor: actor, Time: now}
	_, err := tx.writeCaseEntry(ctx, c, e, detail)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DecideDecision approves, rejects or (by its proposer) withdraws a
// proposed decision. Approving and rejecting need a user with the approver
// permission other than the proposer (four eyes), checked here inside the
// transaction whatever the caller checked.
func (s *Store) DecideDecision(ctx context.Context, id string, status casework.DecisionStatus, actor, note string, now time.Time) (*casework.Decision, error) {
	if now.IsZero() {
		now = s.now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	var out *casework.Decision
	err := s.inTx(ctx, func(tx *tx) error {
		d, err := tx.loadDecision(ctx, id)
		if err != nil {
			return err
		}
		if d.Status != casework.DecisionProposed {
			return vigil.Errorf(vigil.ECONFLICT, "decision %s is %s already", id, d.Status)
		}
		switch status {
		case casework.DecisionApproved, casework.DecisionRejected:
			if actor == d.ProposedBy {
				return vigil.Errorf(vigil.EFORBIDDEN, "four eyes: %s proposed decision %s and cannot also %s it", actor, id, verb(status))
			}
			if err := tx.userCan(ctx, actor, vigil.PermApproveDecisions); err != nil {
				return err
			}
			if status == casework.DecisionRejected && strings.TrimSpace(note) == "" {
				return vigil.FieldError("note", "a rejection must give its reasons")
			}
		case casework.DecisionWithdrawn:
			if actor != d.ProposedBy {
				return vigil.Errorf(vigil.EFORBIDDEN, "only the proposer (%s) may withdraw decision %s", d.ProposedBy, id)
			}
		default:
			return vigil.FieldError("status", "a decision is approved, rejected or withdrawn, not %q", status)
		}
		c, err := tx.loadCase(ctx, d.CaseID)
		if err != nil {
			return err
		}
		if c.Status == casework.StatusClosed && status == casework.DecisionApproved {
			return vigil.Errorf(vigil.ECONFLICT, "case %s is closed: reopen it before approving a decision on it", c.ID)
		}
		d.Status, d.DecidedBy, d.DecidedAt, d.DecisionNote = status, actor, &now, note
		res, err := tx.exec(ctx, "UPDATE decisions SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? AND status = 'proposed'",
			string(status), actor, ts(now), note, id)
		if err != nil {
			return fmt.Errorf("decide decision %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return vigil.Errorf(vigil.ECONFLICT, "decision %s was decided meanwhile", id)
		}
		if err := tx.decisionEntry(ctx, c, d, status, actor, now); err != nil {
			return err
		}
		if c.Status != casework.StatusClosed {
			if err := tx.afterDecided(ctx, c, d, actor, now); err != nil {
				return err
			}
		}
		if err := tx.saveCase(ctx, c, now); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

func verb(s casework.DecisionStatus) string {
	if s == casework.DecisionApproved {
		return "approve"
	}
	return "reject"
}

// markDecisionPlanned records, inside package enforce's transaction, that
// an approved decision's control-plane actions are in its outbox.
func (tx *tx) markDecisionPlanned(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, "UPDATE decisions SET enforcement_planned = 1 WHERE id = ? AND status = 'approved' AND enforcement_planned = 0", id)
	if err != nil {
		return fmt.Errorf("mark decision %s planned: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return vigil.Errorf(vigil.ECONFLICT, "decision %s is not an approved decision waiting for enforcement", id)
	}
	return nil
}

// RecordResponse adds the customer's response to an approved engage or
// condition decision, with a case entry and its
// decision.response_recorded event, in one transaction. The payload names
// the relationship the decision rests on, which the risk engine
// re-assesses.
func (s *Store) RecordResponse(ctx context.Context, decisionID string, r *casework.Response, actor string, now time.Time) (*casework.Decision, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = s.now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	var out *casework.Decision
	err := s.inTx(ctx, func(tx *tx) error {
		if err := tx.userCan(ctx, actor, vigil.PermWorkCases); err != nil {
			return err
		}
		d, err := tx.loadDecision(ctx, decisionID)
		if err != nil {
			return err
		}
		if !d.Type.TakesResponses() {
			return vigil.Errorf(vigil.ECONFLICT, "decision %s is a %s decision: only engage and condition decisions ask the customer something", d.ID, d.Type)
		}
		if d.Status != casework.DecisionApproved {
			return vigil.Errorf(vigil.ECONFLICT, "decision %s is %s: a response is recorded on a decision in force", d.ID, d.Status)
		}
		resp := *r
		resp.ID, resp.RecordedBy, resp.RecordedAt = vigil.NewID(now), actor, now
		d.Responses = append(d.Responses, resp)
		doc, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encode decision %s: %w", d.ID, err)
		}
		if _, err := tx.exec(ctx, "UPDATE decisions SET doc = ? WHERE id = ?", string(doc), d.ID); err != nil {
			return fmt.Errorf("record response to decision %s: %w", d.ID, err)
		}
		c, err := tx.loadCase(ctx, d.CaseID)
		if err != nil {
			return err
		}
		e := &casework.Entry{Type: casework.EntryResponse, Actor: actor, Time: now}
		if _, err := tx.writeCaseEntry(ctx, c, e, map[string]any{
			"decision_id": d.ID, "type": d.Type, "response_id": resp.ID, "kind": resp.Kind, "response": resp.Answer, "note": resp.Note,
			"assessment_id": d.AssessmentID, "assessment_version": d.AssessmentVersion,
		}); err != nil {
			return err
		}
		if err := tx.saveCase(ctx, c, now); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

var _ risk.ResponseSource = (*Store)(nil)

// DecisionResponses returns the responses recorded on approved engage and
// condition decisions resting on the relationships (nil: on all), for the
// risk engine's declarations. Decisions are human-scale, and only those
// with a response (a "responses" key in their document) are decoded.
func (s *Store) DecisionResponses(ctx context.Context, relationshipIDs []string) ([]risk.DecisionResponse, error) {
	if relationshipIDs != nil && len(relationshipIDs) == 0 {
		return []risk.DecisionResponse{}, nil
	}
	want := map[string]bool{}
	for _, id := range relationshipIDs {
		want[id] = true
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT doc FROM decisions WHERE type IN ('engage', 'condition') AND status = 'approved' AND doc LIKE '%"responses"%' ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("decision responses: %w", err)
	}
	defer rows.Close()
	out := []risk.DecisionResponse{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("decision responses: %w", err)
		}
		var d casework.Decision
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			return nil, fmt.Errorf("decode stored decision: %w", err)
		}
		if relationshipIDs != nil && !want[d.AssessmentID] {
			continue
		}
		for _, r := range d.Responses {
			out = append(out, risk.DecisionResponse{ID: r.ID, DecisionID: d.ID, Relationship: d.AssessmentID, Kind: string(r.Kind),
				Answer: string(r.Answer), Note: r.Note, At: r.RecordedAt})
		}
	}
	return out, rows.Err()
}
