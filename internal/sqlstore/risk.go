package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
)

// The risk engine's storage: versioned assessments (table
// risk_assessments, migration 00003) and the few portfolio look-ups an
// incremental recompute needs.

var _ risk.AssessmentStore = (*Store)(nil)

var riskColumns = []string{"id", "version", "account_id", "customer_id", "end_user_id", "tier", "tier_rank", "priority", "action",
	"policy_version", "digest", "assessed_at", "assessed_by", "current", "retired", "doc"}

// SaveAssessments writes new versions, retires relationships and writes the
// events, all in one transaction, so a tier change and its event are never
// seen apart.
func (s *Store) SaveAssessments(ctx context.Context, b risk.SaveBatch) error {
	if len(b.Rows)+len(b.Retire)+len(b.Events) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *tx) error {
		// Older versions stop being current first: the partial indexes
		// then never hold two current rows of one relationship.
		if err := tx.eachID(ctx, "UPDATE risk_assessments SET current = 0 WHERE id = ? AND current = 1", versionedIDs(b.Rows)); err != nil {
			return fmt.Errorf("save assessments: %w", err)
		}
		if len(b.Rows) > 0 {
			rows := make([][]any, len(b.Rows))
			for i, r := range b.Rows {
				rows[i] = []any{r.ID, r.Version, r.AccountID, r.CustomerID, r.EndUserID, r.Tier, r.TierRank, r.Priority, r.Action,
					r.PolicyVersion, r.Digest, ts(r.AssessedAt), r.AssessedBy, boolInt(r.Current), boolInt(r.Retired), docText(r.Doc)}
			}
			if err := s.dialect.InsertRows(ctx, tx.conn, "risk_assessments", riskColumns, rows); err != nil {
				if s.dialect.IsUniqueViolation(err) {
					return vigil.Errorf(vigil.ECONFLICT, "an assessment version was stored meanwhile by another run; run it again")
				}
				return fmt.Errorf("save assessments: %w", err)
			}
		}
		if err := tx.eachID(ctx, "UPDATE risk_assessments SET retired = 1 WHERE id = ? AND current = 1", b.Retire); err != nil {
			return fmt.Errorf("retire assessments: %w", err)
		}
		events := b.Events
		if len(b.Rows)+len(b.Retire) > 0 {
			// Whatever the caller's own events say, the versions this
			// batch stores are committed to in the log: one event names
			// each of them with the digest of its facts.
			ev, err := savedEvent(b, s.now())
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		for _, ev := range events {
			if err := tx.insertEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// docText hands an encoded assessment to the driver as text without
// copying it: the engine never changes a document once encoded, and a full
// run stores about a gigabyte of them, whose copies were a tenth of the
// writer's time and more work for the garbage collector.
func docText(doc []byte) string {
	if len(doc) == 0 {
		return ""
	}
	return unsafe.String(&doc[0], len(doc))
}

// savedEvent is the event of one batch of stored assessment versions.
func savedEvent(b risk.SaveBatch, now time.Time) (*vigil.Event, error) {
	type version struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
		Tier    string `json:"tier"`
		Digest  string `json:"digest"`
	}
	stored := make([]version, len(b.Rows))
	actor := "system:risk"
	for i, r := range b.Rows {
		stored[i] = version{ID: r.ID, Version: r.Version, Tier: r.Tier, Digest: r.Digest}
		if r.AssessedBy != "" {
			actor = r.AssessedBy
		}
	}
	return vigil.NewEvent("assessment.saved", "assessments", actor, now, map[string]any{"stored": stored, "retired": b.Retire})
}

func versionedIDs(rows []risk.Row) []string {
	var ids []string
	for _, r := range rows {
		if r.Version > 1 {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// eachID runs one prepared statement per id.
func (tx *tx) eachID(ctx context.Context, query string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	stmt, err := tx.conn.PrepareContext(ctx, tx.s.q(query))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range ids {
		if _, err := stmt.ExecContext(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// CurrentStates streams the current version of every relationship.
func (s *Store) CurrentStates(ctx context.Context, fn func(risk.State) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT id, account_id, version, tier, digest, retired FROM risk_assessments WHERE current = 1 ORDER BY id")
	if err != nil {
		return fmt.Errorf("current assessments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st risk.State
		var retired int
		if err := rows.Scan(&st.ID, &st.AccountID, &st.Version, &st.Tier, &st.Digest, &retired); err != nil {
			return fmt.Errorf("current assessments: %w", err)
		}
		st.Retired = retired != 0
		if err := fn(st); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CurrentStatesOf returns the current versions of some accounts'
// relationships.
func (s *Store) CurrentStatesOf(ctx context.Context, accountIDs []string) ([]risk.State, error) {
	var out []risk.State
	for _, chunk := range chunks(accountIDs, 400) {
		rows, err := s.db.QueryContext(ctx, s.q("SELECT id, account_id, version, tier, digest, retired FROM risk_assessments WHERE current = 1 AND account_id IN ("+placeholders(len(chunk))+") ORDER BY id"), anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("current assessments of accounts: %w", err)
		}
		for rows.Next() {
			var st risk.State
			var retired int
			if err := rows.Scan(&st.ID, &st.AccountID, &st.Version, &st.Tier, &st.Digest, &retired); err != nil {
				rows.Close()
				return nil, fmt.Errorf("current assessments of accounts: %w", err)
			}
			st.Retired = retired != 0
			out = append(out, st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("current assessments of accounts: %w", err)
		}
	}
	return out, nil
}

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

const riskSummaryColumns = "id, version, account_id, customer_id, end_user_id, tier, tier_rank, priority, action, policy_version, digest, assessed_at, assessed_by, current, retired"

func scanRiskRow(sc interface{ Scan(...any) error }, withDoc bool) (*risk.Row, error) {
	var r risk.Row
	var at string
	var current, retired int
	dest := []any{&r.ID, &r.Version, &r.AccountID, &r.CustomerID, &r.EndUserID, &r.Tier, &r.TierRank, &r.Priority, &r.Action,
		&r.PolicyVersion, &r.Digest, &at, &r.AssessedBy, &current, &retired}
	var doc string
	if withDoc {
		dest = append(dest, &doc)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	r.AssessedAt = parseTS(at)
	r.Current, r.Retired = current != 0, retired != 0
	if withDoc {
		r.Doc = []byte(doc)
	}
	return &r, nil
}

// GetAssessment returns one version, or the current one for version 0.
func (s *Store) GetAssessment(ctx context.Context, id string, version int) (*risk.Row, error) {
	query := "SELECT " + riskSummaryColumns + ", doc FROM risk_assessments WHERE id = ? AND "
	arg := any(version)
	if version == 0 {
		query += "current = ?"
		arg = 1
	} else {
		query += "version = ?"
	}
	r, err := scanRiskRow(s.db.QueryRowContext(ctx, s.q(query), id, arg), true)
	if errors.Is(err, sql.ErrNoRows) {
		if version == 0 {
			return nil, vigil.Errorf(vigil.ENOTFOUND, "no assessment of relationship %q", id)
		}
		return nil, vigil.Errorf(vigil.ENOTFOUND, "no version %d of the assessment of relationship %q", version, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get assessment %s: %w", id, err)
	}
	return r, nil
}

// AssessmentVersions lists a relationship's versions, newest first.
func (s *Store) AssessmentVersions(ctx context.Context, id string) ([]risk.Row, error) {
	return s.queryRiskRows(ctx, "SELECT "+riskSummaryColumns+" FROM risk_assessments WHERE id = ? ORDER BY version DESC", id)
}

func (s *Store) queryRiskRows(ctx context.Context, query string, args ...any) ([]risk.Row, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("assessments: %w", err)
	}
	defer rows.Close()
	out := []risk.Row{}
	for rows.Next() {
		r, err := scanRiskRow(rows, false)
		if err != nil {
			return nil, fmt.Errorf("assessments: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// TopAssessments ranks current assessments by tier, then priority.
func (s *Store) TopAssessments(ctx context.Context, f risk.TopFilter) ([]risk.Row, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 10000 {
		return nil, vigil.FieldError("n", "%d is more than 10000", limit)
	}
	where := []string{"current = 1", "retired = 0"}
	var args []any
	if f.MinTierRank > 0 {
		where = append(where, "tier_rank >= ?")
		args = append(args, f.MinTierRank)
	}
	if f.PartyID != "" {
		where = append(where, "(customer_id = ? OR end_user_id = ?)")
		args = append(args, f.PartyID, f.PartyID)
	}
	if f.AccountID != "" {
		where = append(where, "account_id = ?")
		args = append(args, f.AccountID)
	}
	query := fmt.Sprintf("SELECT %s FROM risk_assessments WHERE %s ORDER BY tier_rank DESC, priority DESC, id LIMIT %d", riskSummaryColumns, strings.Join(where, " AND "), limit)
	return s.queryRiskRows(ctx, query, args...)
}

// PartiesIn returns the parties in a territory: exactly there, or, for a
// country code, in one of its subdivisions too.
func (s *Store) PartiesIn(ctx context.Context, territory string) ([]string, error) {
	query, args := "SELECT id FROM parties WHERE country = ?", []any{territory}
	if len(territory) == 2 {
		// Subdivision codes are "XX-..."; '.' sorts right after '-', so
		// the range is exactly the codes with that prefix, on the index.
		query += " OR (country >= ? AND country < ?)"
		args = append(args, territory+"-", territory+".")
	}
	return s.queryIDs(ctx, query, args...)
}

// AccountsOf returns the accounts held by the parties.
func (s *Store) AccountsOf(ctx context.Context, partyIDs []string) ([]string, error) {
	var out []string
	for _, chunk := range chunks(partyIDs, 400) {
		ids, err := s.queryIDs(ctx, "SELECT id FROM accounts WHERE party_id IN ("+placeholders(len(chunk))+")", anys(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// AccountsWithService returns the accounts subscribing to a service.
func (s *Store) AccountsWithService(ctx context.Context, serviceID string) ([]string, error) {
	return s.queryIDs(ctx, "SELECT DISTINCT account_id FROM subscriptions WHERE service_id = ?", serviceID)
}

func (s *Store) queryIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("look up ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

var _ risk.PortfolioScanner = (*Store)(nil)

// ScanPortfolio reads the fields the risk facts need of one kind straight
// from the columns, skipping the JSON documents: at a million records,
// decoding documents is most of the cost of a full assessment. Dates that
// have no column are cut out of the document (see docDate).
func (s *Store) ScanPortfolio(ctx context.Context, kind vigil.Kind, fn func(vigil.Record) error) error {
	var query string
	switch kind {
	case vigil.KindParty:
		query = "SELECT id, type, name, country, sectors FROM parties"
	case vigil.KindLink:
		query = "SELECT id, from_id, to_id, type FROM links"
	case vigil.KindAccount:
		query = "SELECT id, party_id, name, billing_country, doc FROM accounts ORDER BY id"
	case vigil.KindSubscription:
		query = "SELECT id, account_id, service_id, region, status, doc FROM subscriptions"
	default:
		return vigil.Errorf(vigil.EINVALID, "scan %s: only parties, links, accounts and subscriptions", kind)
	}
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("scan %s: %w", kind, err)
	}
	defer rows.Close()
	var a, b, c, d, e, doc string
	for rows.Next() {
		var rec vigil.Record
		switch kind {
		case vigil.KindParty:
			err = rows.Scan(&a, &b, &c, &d, &e)
			rec = &vigil.Party{ID: a, Type: vigil.PartyType(b), Name: c, Country: d, Sectors: splitList(e)}
		case vigil.KindLink:
			err = rows.Scan(&a, &b, &c, &d)
			rec = &vigil.Link{ID: a, From: b, To: c, Type: vigil.LinkType(d)}
		case vigil.KindAccount:
			err = rows.Scan(&a, &b, &c, &d, &doc)
			rec = &vigil.Account{ID: a, PartyID: b, Name: c, BillingCountry: d, OpenedOn: docDate(doc, "opened_on")}
		case vigil.KindSubscription:
			err = rows.Scan(&a, &b, &c, &d, &e, &doc)
			rec = &vigil.Subscription{ID: a, AccountID: b, ServiceID: c, Region: d, Status: vigil.SubscriptionStatus(e), StartedOn: docDate(doc, "started_on")}
		}
		if err != nil {
			return fmt.Errorf("scan %s: %w", kind, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

// splitList reads a list column (";a;b;").
func splitList(s string) []string {
	s = strings.Trim(s, ";")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ";")
}

// docDate cuts a date field out of a stored document without decoding it:
// documents are written by encoding/json from vigil types, so a Date is
// always "name":"YYYY-MM-DD" (or null), with no space.
func docDate(doc, name string) vigil.Date {
	key := `"` + name + `":"`
	i := strings.Index(doc, key)
	if i < 0 || len(doc) < i+len(key)+10 {
		return vigil.Date{}
	}
	d, err := vigil.ParseDate(doc[i+len(key) : i+len(key)+10])
	if err != nil {
		return vigil.Date{}
	}
	return d
}

var _ risk.SourceFinder = (*Store)(nil)

// SourcesOfParties returns the sources linked to any of the parties, each
// once, in one scan of the sources table.
func (s *Store) SourcesOfParties(ctx context.Context, partyIDs []string) ([]*vigil.Source, error) {
	var out []*vigil.Source
	seen := map[string]bool{}
	for _, chunk := range chunks(partyIDs, 100) {
		where := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			where[i] = `party_ids LIKE ? ESCAPE '\'`
			args[i] = "%;" + escapeLike(id) + ";%"
		}
		rows, err := s.db.QueryContext(ctx, s.q(recordSelect+"sources WHERE "+strings.Join(where, " OR ")+" ORDER BY id"), args...)
		if err != nil {
			return nil, fmt.Errorf("sources of parties: %w", err)
		}
		for rows.Next() {
			var id, doc, ca, cb, ua, ub string
			if err := rows.Scan(&id, &doc, &ca, &cb, &ua, &ub); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sources of parties: %w", err)
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			rec, err := decode(vigil.KindSource, doc, ca, cb, ua, ub)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, rec.(*vigil.Source))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sources of parties: %w", err)
		}
	}
	return out, nil
}
