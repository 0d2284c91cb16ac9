package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// Screening storage (migration 00007): list versions and their entries,
// matches of parties against entries, and portfolio runs.

var _ screening.Store = (*Store)(nil)

// SaveListVersion stores a new version of a list, its entries and change
// log, delists matches on removed entries, and writes the
// screening.list_imported event, all in one transaction.
func (s *Store) SaveListVersion(ctx context.Context, v screening.NewVersion) error {
	lv := v.Version
	links, err := json.Marshal(lv.SuggestedLinks)
	if err != nil {
		return fmt.Errorf("save list %s: %w", lv.List, err)
	}
	if lv.SuggestedLinks == nil {
		links = []byte("[]")
	}
	return s.inTx(ctx, func(tx *tx) error {
		cur := 0
		err := tx.conn.QueryRowContext(ctx, s.q("SELECT version FROM screening_lists WHERE name = ?"), lv.List).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("save list %s: %w", lv.List, err)
		}
		if cur != v.Base || lv.Version != v.Base+1 {
			return vigil.Errorf(vigil.ECONFLICT, "list %s is at version %d, not %d: another import stored a version meanwhile; import again", lv.List, cur, v.Base)
		}
		if cur == 0 {
			_, err = tx.exec(ctx, "INSERT INTO screening_lists (name, format, kind, version) VALUES (?, ?, ?, ?)", lv.List, lv.Format, lv.Kind, lv.Version)
		} else {
			_, err = tx.exec(ctx, "UPDATE screening_lists SET version = ?, kind = ? WHERE name = ?", lv.Version, lv.Kind, lv.List)
		}
		if err != nil && s.dialect.IsUniqueViolation(err) {
			return vigil.Errorf(vigil.ECONFLICT, "list %s was stored meanwhile by another import; import again", lv.List)
		}
		if err != nil {
			return fmt.Errorf("save list %s: %w", lv.List, err)
		}
		if _, err := tx.exec(ctx, "INSERT INTO screening_list_versions (list, version, format, kind, file, file_digest, content_digest, entries, added, changed, removed, imported_at, imported_by, suggested_links) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			lv.List, lv.Version, lv.Format, lv.Kind, lv.File, lv.FileDigest, lv.ContentDigest, lv.Entries, lv.Added, lv.Changed, lv.Removed,
			ts(lv.ImportedAt), lv.ImportedBy, string(links)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "list %s version %d was stored meanwhile by another import; import again", lv.List, lv.Version)
			}
			return fmt.Errorf("save list %s version %d: %w", lv.List, lv.Version, err)
		}
		var del [][]any
		for _, e := range v.Upsert {
			del = append(del, []any{lv.List, e.Entity.ID})
		}
		for _, id := range v.Remove {
			del = append(del, []any{lv.List, id})
		}
		if err := tx.eachRow(ctx, "DELETE FROM screening_entries WHERE list = ? AND id = ?", del); err != nil {
			return fmt.Errorf("save list %s entries: %w", lv.List, err)
		}
		rows := make([][]any, 0, len(v.Upsert))
		for _, e := range v.Upsert {
			doc, err := json.Marshal(e.Entity)
			if err != nil {
				return err
			}
			rows = append(rows, []any{lv.List, e.Entity.ID, lv.Version, e.Hash, string(doc)})
		}
		if len(rows) > 0 {
			if err := s.dialect.InsertRows(ctx, tx.conn, "screening_entries", []string{"list", "id", "version", "hash", "doc"}, rows); err != nil {
				return fmt.Errorf("save list %s entries: %w", lv.List, err)
			}
		}
		rows = rows[:0]
		for _, c := range v.Changes {
			doc, err := json.Marshal(c.Entity)
			if err != nil {
				return err
			}
			old := ""
			if c.Old != nil {
				b, err := json.Marshal(c.Old)
				if err != nil {
					return err
				}
				old = string(b)
			}
			rows = append(rows, []any{lv.List, lv.Version, c.EntryID, c.Change, strings.Join(c.Fields, ","), string(doc), old})
		}
		if len(rows) > 0 {
			if err := s.dialect.InsertRows(ctx, tx.conn, "screening_entry_changes", []string{"list", "version", "id", "change", "fields", "doc", "old_doc"}, rows); err != nil {
				return fmt.Errorf("save list %s changes: %w", lv.List, err)
			}
		}
		// Matches on entries that left the list stop being facts.
		var delisting, parties []string
		for _, id := range v.Remove {
			r, err := tx.query(ctx, "SELECT id, party_id FROM screening_matches WHERE list = ? AND entry_id = ? AND status IN ('pending', 'confirmed')", lv.List, id)
			if err != nil {
				return err
			}
			for r.Next() {
				var mid, pid string
				if err := r.Scan(&mid, &pid); err != nil {
					r.Close()
					return err
				}
				delisting = append(delisting, mid)
				if !slices.Contains(parties, pid) {
					parties = append(parties, pid)
				}
			}
			r.Close()
			if err := r.Err(); err != nil {
				return err
			}
		}
		dargs := make([][]any, len(delisting))
		for i, mid := range delisting {
			dargs[i] = []any{screening.StatusDelisted, ts(lv.ImportedAt), mid}
		}
		if err := tx.eachRow(ctx, "UPDATE screening_matches SET status = ?, updated_at = ? WHERE id = ?", dargs); err != nil {
			return fmt.Errorf("delist matches: %w", err)
		}
		ev, err := vigil.NewEvent(vigil.EventListImported, "lists/"+lv.List, lv.ImportedBy, lv.ImportedAt, map[string]any{
			"list": lv.List, "version": lv.Version, "format": lv.Format, "kind": lv.Kind, "file_digest": lv.FileDigest,
			"content_digest": lv.ContentDigest, "entries": lv.Entries, "added": lv.Added, "changed": lv.Changed, "removed": lv.Removed,
			"delisted_matches": delisting, "parties": parties, "suggested_links": len(lv.SuggestedLinks)})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
}

// eachRow runs one prepared statement per row of arguments.
func (tx *tx) eachRow(ctx context.Context, query string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.conn.PrepareContext(ctx, tx.s.q(query))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return nil
}

const listVersionCols = "v.list, v.version, v.format, v.kind, v.file, v.file_digest, v.content_digest, v.entries, v.added, v.changed, v.removed, v.imported_at, v.imported_by, v.suggested_links, l.version, l.screened_version"

func scanListVersion(sc interface{ Scan(...any) error }) (screening.ListVersion, error) {
	var v screening.ListVersion
	var at, links string
	var current int
	if err := sc.Scan(&v.List, &v.Version, &v.Format, &v.Kind, &v.File, &v.FileDigest, &v.ContentDigest, &v.Entries, &v.Added, &v.Changed, &v.Removed,
		&at, &v.ImportedBy, &links, &current, &v.ScreenedVersion); err != nil {
		return v, err
	}
	v.ImportedAt = parseTS(at)
	v.Current = current == v.Version
	if !v.Current {
		v.ScreenedVersion = 0
	}
	if links != "" && links != "[]" {
		if err := json.Unmarshal([]byte(links), &v.SuggestedLinks); err != nil {
			return v, fmt.Errorf("list %s version %d: suggested links: %w", v.List, v.Version, err)
		}
	}
	return v, nil
}

func (s *Store) queryListVersions(ctx context.Context, where string, args ...any) ([]screening.ListVersion, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+listVersionCols+" FROM screening_list_versions v JOIN screening_lists l ON l.name = v.list "+where), args...)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	var out []screening.ListVersion
	for rows.Next() {
		v, err := scanListVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("list versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Lists returns the current version of every list.
func (s *Store) Lists(ctx context.Context) ([]screening.ListVersion, error) {
	vs, err := s.queryListVersions(ctx, "WHERE v.version = l.version ORDER BY v.list")
	for i := range vs {
		vs[i].SuggestedLinks = nil // the versions listing carries them; the current list does not need them
	}
	return vs, err
}

// ListVersions returns every version of a list, newest first.
func (s *Store) ListVersions(ctx context.Context, list string) ([]screening.ListVersion, error) {
	vs, err := s.queryListVersions(ctx, "WHERE v.list = ? ORDER BY v.version DESC", list)
	if err == nil && len(vs) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no list named %q", list)
	}
	return vs, err
}

// ListChanges returns what one version did, in entry id order.
func (s *Store) ListChanges(ctx context.Context, list string, version int) ([]screening.EntryChange, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q("SELECT count(*) FROM screening_list_versions WHERE list = ? AND version = ?"), list, version).Scan(&n); err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	if n == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "list %q has no version %d", list, version)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, change, fields, doc, old_doc FROM screening_entry_changes WHERE list = ? AND version = ? ORDER BY id"), list, version)
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	defer rows.Close()
	out := []screening.EntryChange{}
	for rows.Next() {
		c := screening.EntryChange{List: list, Version: version}
		var fields, doc, old string
		if err := rows.Scan(&c.EntryID, &c.Change, &fields, &doc, &old); err != nil {
			return nil, fmt.Errorf("list changes: %w", err)
		}
		if fields != "" {
			c.Fields = strings.Split(fields, ",")
		}
		if err := json.Unmarshal([]byte(doc), &c.Entity); err != nil {
			return nil, fmt.Errorf("list change %s: %w", c.EntryID, err)
		}
		if old != "" {
			c.Old = &screen.Entity{}
			if err := json.Unmarshal([]byte(old), c.Old); err != nil {
				return nil, fmt.Errorf("list change %s: %w", c.EntryID, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) queryEntries(ctx context.Context, where string, args ...any) ([]screening.Entry, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT list, id, version, hash, doc FROM screening_entries "+where), args...)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	defer rows.Close()
	var out []screening.Entry
	for rows.Next() {
		var e screening.Entry
		var id, doc string
		if err := rows.Scan(&e.List, &id, &e.Version, &e.Hash, &doc); err != nil {
			return nil, fmt.Errorf("list entries: %w", err)
		}
		if err := json.Unmarshal([]byte(doc), &e.Entity); err != nil {
			return nil, fmt.Errorf("list entry %s/%s: %w", e.List, id, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ListEntries returns the current entries of one list or of all.
func (s *Store) ListEntries(ctx context.Context, list string) ([]screening.Entry, error) {
	if list == "" {
		return s.queryEntries(ctx, "ORDER BY list, id")
	}
	return s.queryEntries(ctx, "WHERE list = ? ORDER BY id", list)
}

// EntriesSince returns the entries added or changed after the given
// version of each list; a list missing from the map gives all its entries.
func (s *Store) EntriesSince(ctx context.Context, versions map[string]int) ([]screening.Entry, error) {
	ls, err := s.Lists(ctx)
	if err != nil {
		return nil, err
	}
	var out []screening.Entry
	for _, l := range ls {
		es, err := s.queryEntries(ctx, "WHERE list = ? AND version > ? ORDER BY id", l.List, versions[l.List])
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// ScreeningCursor returns each party's screened content and each list's
// screened version.
func (s *Store) ScreeningCursor(ctx context.Context) (*screening.Cursor, error) {
	c := &screening.Cursor{Parties: map[string]string{}, Lists: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, "SELECT party_id, hash FROM screening_parties")
	if err != nil {
		return nil, fmt.Errorf("screening cursor: %w", err)
	}
	for rows.Next() {
		var id, h string
		if err := rows.Scan(&id, &h); err != nil {
			rows.Close()
			return nil, fmt.Errorf("screening cursor: %w", err)
		}
		c.Parties[id] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, "SELECT name, screened_version FROM screening_lists WHERE screened_version > 0")
	if err != nil {
		return nil, fmt.Errorf("screening cursor: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return nil, fmt.Errorf("screening cursor: %w", err)
		}
		c.Lists[name] = v
	}
	return c, rows.Err()
}

const matchCols = "id, party_id, party_name, list, list_kind, list_version, entry_id, entry_name, entry_doc, score, decision, status, explanation, party_hash, entry_hash, run_id, found_at, updated_at, decided_by, decided_at, reason"

func scanMatch(sc interface{ Scan(...any) error }) (*screening.Match, error) {
	var m screening.Match
	var doc, expl, found, updated, decided, decision string
	if err := sc.Scan(&m.ID, &m.PartyID, &m.PartyName, &m.List, &m.ListKind, &m.ListVersion, &m.EntryID, &m.EntryName, &doc, &m.Score, &decision,
		&m.Status, &expl, &m.PartyHash, &m.EntryHash, &m.RunID, &found, &updated, &m.DecidedBy, &decided, &m.Reason); err != nil {
		return nil, err
	}
	m.Decision = screen.Decision(decision)
	m.FoundAt, m.UpdatedAt, m.DecidedAt = parseTS(found), parseTS(updated), parseTS(decided)
	if err := json.Unmarshal([]byte(doc), &m.Entry); err != nil {
		return nil, fmt.Errorf("match %s: entry: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(expl), &m.Explanation); err != nil {
		return nil, fmt.Errorf("match %s: explanation: %w", m.ID, err)
	}
	return &m, nil
}

func matchArgs(m *screening.Match) ([]any, error) {
	doc, err := json.Marshal(m.Entry)
	if err != nil {
		return nil, err
	}
	expl, err := json.Marshal(m.Explanation)
	if err != nil {
		return nil, err
	}
	return []any{m.ID, m.PartyID, m.PartyName, m.List, m.ListKind, m.ListVersion, m.EntryID, m.EntryName, string(doc), m.Score, string(m.Decision),
		m.Status, string(expl), m.PartyHash, m.EntryHash, m.RunID, ts(m.FoundAt), ts(m.UpdatedAt), m.DecidedBy, ts(m.DecidedAt), m.Reason}, nil
}

func (tx *tx) getMatch(ctx context.Context, id string) (*screening.Match, error) {
	m, err := scanMatch(tx.conn.QueryRowContext(ctx, tx.s.q("SELECT "+matchCols+" FROM screening_matches WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// putMatch writes a match over any stored row of the same id.
func (tx *tx) putMatch(ctx context.Context, m *screening.Match, exists bool) error {
	args, err := matchArgs(m)
	if err != nil {
		return err
	}
	if exists {
		_, err = tx.exec(ctx, "UPDATE screening_matches SET party_name = ?, list_kind = ?, list_version = ?, entry_name = ?, entry_doc = ?, score = ?, decision = ?, status = ?, explanation = ?, party_hash = ?, entry_hash = ?, run_id = ?, updated_at = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
			m.PartyName, m.ListKind, m.ListVersion, m.EntryName, args[8], m.Score, string(m.Decision), m.Status, args[12], m.PartyHash, m.EntryHash, m.RunID,
			ts(m.UpdatedAt), m.DecidedBy, ts(m.DecidedAt), m.Reason, m.ID)
	} else {
		_, err = tx.exec(ctx, "INSERT INTO screening_matches ("+matchCols+") VALUES ("+placeholders(21)+")", args...)
	}
	if err != nil {
		if tx.s.dialect.IsUniqueViolation(err) {
			return vigil.Errorf(vigil.ECONFLICT, "match %s was stored meanwhile by another run; run again", m.ID)
		}
		return fmt.Errorf("store match %s: %w", m.ID, err)
	}
	return nil
}

func matchPayload(m *screening.Match, extra map[string]any) map[string]any {
	p := map[string]any{"match": m.ID, "party_id": m.PartyID, "list": m.List, "list_version": m.ListVersion, "entry_id": m.EntryID,
		"score": m.Score, "decision": m.Decision, "status": m.Status, "party_hash": m.PartyHash, "entry_hash": m.EntryHash}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// SaveRun stores a run's findings, clears pending matches in its scope
// that it did not find again, and records the run, in one transaction.
func (s *Store) SaveRun(ctx context.Context, r screening.RunResult) (*screening.Run, error) {
	run := r.Run
	at := run.FinishedAt
	err := s.inTx(ctx, func(tx *tx) error {
		found := map[string]bool{}
		changed := map[string]bool{} // parties whose matches changed other than through a match_found event
		for _, f := range r.Findings {
			id := screening.MatchID(f.PartyID, f.Entry.List, f.Entry.Entity.ID)
			if found[id] {
				continue
			}
			found[id] = true
			old, err := tx.getMatch(ctx, id)
			if err != nil {
				return fmt.Errorf("save run: %w", err)
			}
			next, outcome := screening.Reconcile(old, f, run.ID, at)
			switch outcome {
			case screening.Found:
				run.Found++
			case screening.Reopened:
				run.Reopened++
			case screening.Updated:
				run.Updated++
				changed[f.PartyID] = true
			case screening.Held:
				run.Held++
			}
			if next == nil {
				continue
			}
			if err := tx.putMatch(ctx, next, old != nil); err != nil {
				return err
			}
			if outcome == screening.Found || outcome == screening.Reopened {
				extra := map[string]any{"run": run.ID, "reopened": outcome == screening.Reopened}
				if old != nil {
					extra["previous_status"] = old.Status
				}
				ev, err := vigil.NewEvent(vigil.EventScreeningMatch, "matches/"+next.ID, run.Actor, at, matchPayload(next, extra))
				if err != nil {
					return err
				}
				if err := tx.insertEvent(ctx, ev); err != nil {
					return err
				}
			}
		}
		// Pending matches in the run's scope that it did not find again.
		parties := map[string]bool{}
		for _, p := range r.Parties {
			parties[p.PartyID] = true
		}
		entries := map[screening.EntryKey]bool{}
		for _, e := range r.Entries {
			entries[e] = true
		}
		rows, err := tx.query(ctx, "SELECT id, party_id, list, entry_id FROM screening_matches WHERE status = ?", screening.StatusPending)
		if err != nil {
			return fmt.Errorf("save run: %w", err)
		}
		var clear []string
		for rows.Next() {
			var id, pid, list, eid string
			if err := rows.Scan(&id, &pid, &list, &eid); err != nil {
				rows.Close()
				return fmt.Errorf("save run: %w", err)
			}
			inScope := r.All || parties[pid] || entries[screening.EntryKey{List: list, ID: eid}]
			if inScope && !found[id] {
				clear = append(clear, id)
				changed[pid] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		cargs := make([][]any, len(clear))
		for i, id := range clear {
			cargs[i] = []any{screening.StatusCleared, ts(at), run.ID, id}
		}
		if err := tx.eachRow(ctx, "UPDATE screening_matches SET status = ?, updated_at = ?, run_id = ? WHERE id = ?", cargs); err != nil {
			return fmt.Errorf("clear matches: %w", err)
		}
		run.Cleared = len(clear)
		pargs := make([][]any, len(r.Parties))
		for i, p := range r.Parties {
			pargs[i] = []any{p.PartyID, p.Hash, ts(at)}
		}
		if err := tx.eachRow(ctx, "INSERT INTO screening_parties (party_id, hash, screened_at) VALUES (?, ?, ?) ON CONFLICT (party_id) DO UPDATE SET hash = excluded.hash, screened_at = excluded.screened_at", pargs); err != nil {
			return fmt.Errorf("save screened parties: %w", err)
		}
		largs := make([][]any, 0, len(run.Lists))
		for name, v := range run.Lists {
			largs = append(largs, []any{v, name, v})
		}
		if err := tx.eachRow(ctx, "UPDATE screening_lists SET screened_version = ? WHERE name = ? AND version >= ?", largs); err != nil {
			return fmt.Errorf("save screened lists: %w", err)
		}
		doc, err := json.Marshal(run)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO screening_runs (id, mode, started_at, finished_at, actor, doc) VALUES (?, ?, ?, ?, ?, ?)",
			run.ID, run.Mode, ts(run.StartedAt), ts(run.FinishedAt), run.Actor, string(doc)); err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return vigil.Errorf(vigil.ECONFLICT, "a screening run with id %s exists; run again", run.ID)
			}
			return fmt.Errorf("save run: %w", err)
		}
		changedParties := make([]string, 0, len(changed))
		for p := range changed {
			changedParties = append(changedParties, p)
		}
		slices.Sort(changedParties)
		ev, err := vigil.NewEvent(vigil.EventScreeningRun, "screening-runs/"+run.ID, run.Actor, at, map[string]any{
			"run": run.ID, "mode": run.Mode, "lists": run.Lists, "parties": run.Parties, "parties_screened": run.PartiesScreened,
			"entries_screened": run.EntriesScreened, "found": run.Found, "reopened": run.Reopened, "updated": run.Updated,
			"held": run.Held, "cleared": clear, "changed_parties": changedParties})
		if err != nil {
			return err
		}
		return tx.insertEvent(ctx, ev)
	})
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// GetMatch returns one match.
func (s *Store) GetMatch(ctx context.Context, id string) (*screening.Match, error) {
	m, err := scanMatch(s.db.QueryRowContext(ctx, s.q("SELECT "+matchCols+" FROM screening_matches WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no match with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get match %s: %w", id, err)
	}
	return m, nil
}

// ListMatches returns one page of matches, highest score first.
func (s *Store) ListMatches(ctx context.Context, f screening.MatchFilter) (screening.MatchPage, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var where []string
	var args []any
	if f.Status != "" {
		if !slices.Contains(screening.Statuses, f.Status) {
			return screening.MatchPage{}, vigil.FieldError("status", "unknown status %q (want one of %s)", f.Status, strings.Join(screening.Statuses, ", "))
		}
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if len(f.PartyIDs) > 0 {
		if len(f.PartyIDs) > 500 {
			return screening.MatchPage{}, vigil.FieldError("party_id", "at most 500 parties at once")
		}
		where = append(where, "party_id IN ("+placeholders(len(f.PartyIDs))+")")
		args = append(args, anys(f.PartyIDs)...)
	}
	if f.List != "" {
		where, args = append(where, "list = ?"), append(args, f.List)
	}
	if f.EntryID != "" {
		where, args = append(where, "entry_id = ?"), append(args, f.EntryID)
	}
	if f.MinScore > 0 {
		where, args = append(where, "score >= ?"), append(args, f.MinScore)
	}
	if f.After != "" {
		score, id, err := decodeMatchCursor(f.After)
		if err != nil {
			return screening.MatchPage{}, err
		}
		where = append(where, "(score < ? OR (score = ? AND id > ?))")
		args = append(args, score, score, id)
	}
	query := "SELECT " + matchCols + " FROM screening_matches"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY score DESC, id LIMIT ?"
	args = append(args, f.Limit+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return screening.MatchPage{}, fmt.Errorf("list matches: %w", err)
	}
	defer rows.Close()
	page := screening.MatchPage{Items: []*screening.Match{}}
	for rows.Next() {
		m, err := scanMatch(rows)
		if err != nil {
			return screening.MatchPage{}, fmt.Errorf("list matches: %w", err)
		}
		page.Items = append(page.Items, m)
	}
	if err := rows.Err(); err != nil {
		return screening.MatchPage{}, fmt.Errorf("list matches: %w", err)
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := page.Items[f.Limit-1]
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatFloat(last.Score, 'g', -1, 64) + " " + last.ID))
	}
	return page, nil
}

func decodeMatchCursor(c string) (float64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if sc, id, ok := strings.Cut(string(b), " "); ok {
			if f, err := strconv.ParseFloat(sc, 64); err == nil {
				return f, id, nil
			}
		}
	}
	return 0, "", vigil.FieldError("after", "not a cursor returned by a previous page")
}

// DecideMatch confirms or dismisses a match, with its event.
func (s *Store) DecideMatch(ctx context.Context, d screening.DecideRequest) (*screening.Match, error) {
	var out *screening.Match
	err := s.inTx(ctx, func(tx *tx) error {
		m, err := tx.getMatch(ctx, d.MatchID)
		if err != nil {
			return fmt.Errorf("decide match %s: %w", d.MatchID, err)
		}
		if m == nil {
			return vigil.Errorf(vigil.ENOTFOUND, "no match with id %q", d.MatchID)
		}
		if d.At.IsZero() {
			d.At = s.now().UTC()
		}
		next, err := screening.Decide(m, d)
		if err != nil {
			return err
		}
		if err := tx.putMatch(ctx, next, true); err != nil {
			return err
		}
		typ := vigil.EventScreeningConfirmed
		if next.Status == screening.StatusDismissed {
			typ = vigil.EventScreeningDismissed
		}
		ev, err := vigil.NewEvent(typ, "matches/"+next.ID, d.Actor, d.At, matchPayload(next, map[string]any{"reason": d.Reason, "previous_status": m.Status}))
		if err != nil {
			return err
		}
		out = next
		return tx.insertEvent(ctx, ev)
	})
	return out, err
}

// ScreeningMatchFacts returns the pending and confirmed matches of the
// parties (all parties when partyIDs is nil), as facts of the risk rules.
func (s *Store) ScreeningMatchFacts(ctx context.Context, partyIDs []string) ([]risk.MatchFact, error) {
	const q = "SELECT id, party_id, list, entry_id, list_kind, status, score FROM screening_matches WHERE status IN ('pending', 'confirmed')"
	var out []risk.MatchFact
	scan := func(query string, args ...any) error {
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return fmt.Errorf("match facts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m risk.MatchFact
			if err := rows.Scan(&m.ID, &m.PartyID, &m.List, &m.Entry, &m.Kind, &m.Status, &m.Score); err != nil {
				return fmt.Errorf("match facts: %w", err)
			}
			out = append(out, m)
		}
		return rows.Err()
	}
	if partyIDs == nil {
		return out, scan(q + " ORDER BY id")
	}
	for _, chunk := range chunks(partyIDs, 400) {
		if err := scan(q+" AND party_id IN ("+placeholders(len(chunk))+") ORDER BY id", anys(chunk)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}
