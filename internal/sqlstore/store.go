package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// Dialect is what differs between the databases.
type Dialect interface {
	// Rebind turns the ? placeholders of a query into the database's own.
	Rebind(query string) string
	// Begin starts a write transaction on the connection. SQLite needs
	// BEGIN IMMEDIATE so that two writers never deadlock on a lock upgrade.
	Begin(ctx context.Context, conn *sql.Conn) error
	// InsertRows inserts many rows into a table inside the current
	// transaction, as fast as the database allows.
	InsertRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
}

// Store implements vigil.Store on a database/sql handle.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
}

// New returns a Store. now is the clock (time.Now in production).
func New(db *sql.DB, d Dialect, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, dialect: d, now: now}
}

// DB returns the underlying handle.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) q(query string) string { return s.dialect.Rebind(query) }

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// tx is a write transaction pinned to one connection, so that dialects can
// reach the driver connection (PostgreSQL's COPY) inside it.
type tx struct {
	s    *Store
	conn *sql.Conn
}

func (s *Store) inTx(ctx context.Context, fn func(*tx) error) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if err := s.dialect.Begin(ctx, conn); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			// The context may be done: roll back on a fresh one so the
			// connection goes back to the pool clean.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(&tx{s: s, conn: conn}); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, t.s.q(query), args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.QueryContext(ctx, t.s.q(query), args...)
}

// document is the stored JSON of a record: its fields without the metadata,
// which has columns of its own. Its hash tells an import whether anything
// changed.
func document(rec vigil.Record) ([]byte, string, error) {
	vigil.Normalize(rec)
	meta := *rec.RecordMeta()
	*rec.RecordMeta() = vigil.Meta{}
	doc, err := json.Marshal(rec)
	*rec.RecordMeta() = meta
	if err != nil {
		return nil, "", fmt.Errorf("encode %s %s: %w", rec.RecordKind().Singular(), rec.RecordID(), err)
	}
	sum := sha256.Sum256(doc)
	return doc, hex.EncodeToString(sum[:]), nil
}

func (t *table) row(rec vigil.Record, doc []byte, hash string) []any {
	m := rec.RecordMeta()
	row := make([]any, 0, len(t.cols)+6)
	row = append(row, rec.RecordID())
	for _, c := range t.cols {
		row = append(row, c.value(rec))
	}
	return append(row, string(doc), hash, ts(m.CreatedAt), m.CreatedBy, ts(m.UpdatedAt), m.UpdatedBy)
}

func decode(kind vigil.Kind, doc string, createdAt, createdBy, updatedAt, updatedBy string) (vigil.Record, error) {
	rec, err := vigil.NewRecord(kind)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), rec); err != nil {
		return nil, fmt.Errorf("decode stored %s: %w", kind.Singular(), err)
	}
	vigil.Normalize(rec) // rows written before normalisation may hold null
	*rec.RecordMeta() = vigil.Meta{CreatedAt: parseTS(createdAt), CreatedBy: createdBy, UpdatedAt: parseTS(updatedAt), UpdatedBy: updatedBy}
	return rec, nil
}

const recordSelect = "SELECT id, doc, created_at, created_by, updated_at, updated_by FROM "

// Get returns one record.
func (s *Store) Get(ctx context.Context, kind vigil.Kind, id string) (vigil.Record, error) {
	t, err := tableFor(kind)
	if err != nil {
		return nil, err
	}
	var rid, doc, ca, cb, ua, ub string
	err = s.db.QueryRowContext(ctx, s.q(recordSelect+t.name+" WHERE id = ?"), id).Scan(&rid, &doc, &ca, &cb, &ua, &ub)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no %s with id %q", kind.Singular(), id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind.Singular(), id, err)
	}
	return decode(kind, doc, ca, cb, ua, ub)
}

// Count returns the number of records of a kind.
func (s *Store) Count(ctx context.Context, kind vigil.Kind) (int64, error) {
	t, err := tableFor(kind)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return n, nil
}

// EncodeCursor and DecodeCursor make the opaque page cursor from the last id.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", vigil.FieldError("after", "not a cursor returned by a previous page")
	}
	return string(b), nil
}

// escapeLike escapes LIKE wildcards so user input matches literally.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// List returns one page of records in id order.
func (s *Store) List(ctx context.Context, kind vigil.Kind, opt vigil.ListOptions) (vigil.Page, error) {
	t, err := tableFor(kind)
	if err != nil {
		return vigil.Page{}, err
	}
	limit := opt.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return vigil.Page{}, vigil.FieldError("limit", "%d is outside 1..1000", limit)
	}
	var where []string
	var args []any
	for name, v := range opt.Filters {
		c := t.column(name)
		if c == nil {
			return vigil.Page{}, vigil.FieldError(name, "%s cannot be filtered by %q (filters: %s)", kind, name, strings.Join(vigil.FilterFields[kind], ", "))
		}
		if c.list {
			where = append(where, c.name+` LIKE ? ESCAPE '\'`)
			args = append(args, "%;"+escapeLike(v)+";%")
		} else {
			where = append(where, c.name+" = ?")
			args = append(args, v)
		}
	}
	if opt.Query != "" {
		if t.search == "" {
			return vigil.Page{}, vigil.FieldError("q", "%s have no name to search", kind)
		}
		where = append(where, "lower("+t.search+`) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(opt.Query))+"%")
	}
	if opt.After != "" {
		after, err := decodeCursor(opt.After)
		if err != nil {
			return vigil.Page{}, err
		}
		where = append(where, "id > ?")
		args = append(args, after)
	}
	query := recordSelect + t.name
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id LIMIT %d", limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return vigil.Page{}, fmt.Errorf("list %s: %w", kind, err)
	}
	defer rows.Close()
	page := vigil.Page{Items: make([]vigil.Record, 0, limit)}
	for rows.Next() {
		var id, doc, ca, cb, ua, ub string
		if err := rows.Scan(&id, &doc, &ca, &cb, &ua, &ub); err != nil {
			return vigil.Page{}, fmt.Errorf("list %s: %w", kind, err)
		}
		if len(page.Items) == limit {
			page.Next = encodeCursor(page.Items[limit-1].RecordID())
			break
		}
		rec, err := decode(kind, doc, ca, cb, ua, ub)
		if err != nil {
			return vigil.Page{}, err
		}
		page.Items = append(page.Items, rec)
	}
	return page, rows.Err()
}

// LinksOf returns every link touching one of the parties.
func (s *Store) LinksOf(ctx context.Context, partyIDs []string) ([]*vigil.Link, error) {
	var out []*vigil.Link
	for _, chunk := range chunks(partyIDs, 400) {
		marks := placeholders(len(chunk))
		args := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, args...)
		rows, err := s.db.QueryContext(ctx, s.q(recordSelect+"links WHERE from_id IN ("+marks+") OR to_id IN ("+marks+") ORDER BY id"), args...)
		if err != nil {
			return nil, fmt.Errorf("links of parties: %w", err)
		}
		for rows.Next() {
			var id, doc, ca, cb, ua, ub string
			if err := rows.Scan(&id, &doc, &ca, &cb, &ua, &ub); err != nil {
				rows.Close()
				return nil, fmt.Errorf("links of parties: %w", err)
			}
			rec, err := decode(vigil.KindLink, doc, ca, cb, ua, ub)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, rec.(*vigil.Link))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("links of parties: %w", err)
		}
	}
	return dedupeLinks(out), nil
}

func dedupeLinks(ls []*vigil.Link) []*vigil.Link {
	seen := make(map[string]bool, len(ls))
	out := ls[:0]
	for _, l := range ls {
		if !seen[l.ID] {
			seen[l.ID] = true
			out = append(out, l)
		}
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func chunks(ids []string, size int) [][]string {
	var out [][]string
	for len(ids) > size {
		out = append(out, ids[:size])
		ids = ids[size:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
