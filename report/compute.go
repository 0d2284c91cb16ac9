package report

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
)

// Store is what a report reads: the outbox events, the parties and
// contexts, and the current assessments. The SQL stores implement it.
type Store interface {
	vigil.RecordStore
	ListEvents(ctx context.Context, after int64, limit int) ([]*vigil.Event, error)
	CurrentStates(ctx context.Context, fn func(risk.State) error) error
	GetAssessment(ctx context.Context, id string, version int) (*risk.Row, error)
	RiskCells(ctx context.Context) ([]vigil.RiskCell, error)
}

// Options choose what a report covers.
type Options struct {
	Period Period
	// MinCell is the smallest count shown (default DefaultMinCell).
	MinCell int
	// Checkpoint is the log checkpoint to compute at: only events with a
	// leaf index below its size count. Nil counts every event and makes an
	// unverifiable report.
	Checkpoint *Checkpoint
	Now        time.Time
}

// enforcementOps are the control-plane operations of enforcement events.
var enforcementOps = []string{"restrict", "suspend", "terminate", "reinstate"}

// ddPrefixes are the event types of the due-diligence process, counted by
// the time series (record imports and user administration are not).
var ddPrefixes = []string{"decision.", "enforcement.", "grievance.", "engagement.", "case.", "monitoring.", "screening.", "assessment."}

// Build computes a report's figures.
func Build(ctx context.Context, s Store, opt Options) (*Document, error) {
	if opt.MinCell <= 0 {
		opt.MinCell = DefaultMinCell
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	doc := &Document{
		Format: FiguresFormat, GeneratedAt: opt.Now.UTC().Truncate(time.Second),
		Period: opt.Period, Previous: opt.Period.Previous(), MinCell: opt.MinCell, Checkpoint: opt.Checkpoint,
	}
	events, err := loggedEvents(ctx, s, opt.Checkpoint, doc.Previous.From, doc.Period.To)
	if err != nil {
		return nil, err
	}
	figs := eventFigures(doc.Period, doc.Previous, events)
	defs := make([]*Definition, len(figs))
	for i := range figs {
		defs[i] = &figs[i].Definition
	}
	c := newCounter(defs)
	for _, ev := range events {
		c.add(Leaf{Type: ev.Type, Time: ev.Time, Payload: ev.Payload})
	}
	snap, snapCounts, err := snapshotFigures(ctx, s)
	if err != nil {
		return nil, err
	}
	figs = append(figs, snap...)
	counts := append(c.counts, snapCounts...)
	suppress(figs, counts, opt.MinCell)
	for i := range figs {
		if figs[i].Suppressed != "" {
			figs[i].Tier, figs[i].TierRank = "", 0 // the tier of a hidden cell would say something about its few relationships
		}
	}
	doc.Figures = hiddenLast(figs)
	if doc.Named, err = namedDecisions(ctx, s, doc.Period); err != nil {
		return nil, err
	}
	return doc, nil
}

// hiddenLast moves the hidden cells of the groups ranked by count to the
// end of their group, in name order: left in rank order, their places would
// say which of two hidden counts is larger.
func hiddenLast(figs []Figure) []Figure {
	ranked := map[string]bool{"rights": true, "flags": true, "relationships.sector": true}
	out := make([]Figure, 0, len(figs))
	for i := 0; i < len(figs); {
		g := figs[i].Group
		if !ranked[g] {
			out = append(out, figs[i])
			i++
			continue
		}
		j := i
		var hidden []Figure
		for ; j < len(figs) && figs[j].Group == g; j++ {
			if figs[j].Suppressed != "" {
				hidden = append(hidden, figs[j])
			} else {
				out = append(out, figs[j])
			}
		}
		sort.Slice(hidden, func(a, b int) bool { return hidden[a].Label < hidden[b].Label })
		out = append(out, hidden...)
		i = j
	}
	return out
}

// loggedEvents reads the events in [from, to) that the checkpoint covers.
func loggedEvents(ctx context.Context, s Store, cp *Checkpoint, from, to time.Time) ([]*vigil.Event, error) {
	var out []*vigil.Event
	var after int64
	for {
		page, err := s.ListEvents(ctx, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("report: read events: %w", err)
		}
		for _, ev := range page {
			if cp != nil && (ev.LeafIndex < 0 || uint64(ev.LeafIndex) >= cp.Size) {
				continue
			}
			if ev.Time.Before(from) || !ev.Time.Before(to) {
				continue
			}
			out = append(out, ev)
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Seq
	}
}

func tp(t time.Time) *time.Time { return &t }

// eventFigures lays out every figure counted from events, in the order
// the report shows them, for the period and (prefixed "previous.") the
// period before.
func eventFigures(cur, prev Period, events []*vigil.Event) []Figure {
	var figs []Figure
	for _, pass := range []struct {
		prefix string
		p      Period
	}{{"", cur}, {"previous.", prev}} {
		add := func(kind, id, group, total, label string, d Definition) {
			d.From, d.To = tp(pass.p.From), tp(pass.p.To)
			if group != "" {
				group = pass.prefix + group
			}
			if total != "" {
				total = pass.prefix + total
			}
			figs = append(figs, Figure{ID: pass.prefix + id, Kind: kind, Group: group, Total: total, Label: label, Definition: d})
		}
		pub := func(id, label string, types ...string) {
			add(KindPublic, id, "", "", label, Definition{Types: types})
		}
		var all []string
		for _, t := range vigil.DecisionTypes {
			ty := vigil.DecisionEventType(t, vigil.DecisionStepApproved)
			all = append(all, ty)
			add(KindPublic, "decisions.approved."+t, "decisions.approved", "decisions.approved.total", t, Definition{Types: []string{ty}})
		}
		pub("decisions.approved.total", "total", all...)
		var rejected []string
		for _, t := range vigil.DecisionTypes {
			rejected = append(rejected, vigil.DecisionEventType(t, vigil.DecisionStepRejected))
		}
		pub("decisions.rejected", "rejected", rejected...)
		for _, step := range []string{vigil.EnforcementStepQueued, vigil.EnforcementStepConfirmed, vigil.EnforcementStepFailed, vigil.EnforcementStepVerified, vigil.EnforcementStepUnverified} {
			var types []string
			for _, op := range enforcementOps {
				types = append(types, vigil.EnforcementEventType(op, step))
			}
			pub("enforcement."+step, step, types...)
		}
		for _, op := range enforcementOps[:3] {
			pub("enforcement.verified."+op, op, vigil.EnforcementEventType(op, vigil.EnforcementStepVerified))
		}
		pub("grievances.received", "received", vigil.EventGrievanceReceived)
		pub("grievances.acknowledged", "acknowledged", vigil.EventGrievanceAcknowledged)
		pub("grievances.acknowledged_late", "acknowledged_late", vigil.EventGrievanceAcknowledgedLate)
		pub("grievances.answered", "answered", vigil.EventGrievanceAnswered)
		pub("grievances.answered_late", "answered_late", vigil.EventGrievanceAnsweredLate)
		pub("grievances.closed", "closed", vigil.EventGrievanceClosed)
		add(KindConfidential, "grievances.led_to_action", "", "", "led_to_action", Definition{Types: []string{vigil.EventGrievanceClosed}, PayloadTrue: "led_to_action"})
		pub("engagement.recorded", "recorded", vigil.EventEngagementRecorded)
		pub("engagement.promised", "promised", vigil.EventEngagementPromised)
		pub("engagement.kept", "kept", vigil.EventEngagementKept)
		pub("engagement.kept_late", "kept_late", vigil.EventEngagementKeptLate)
		pub("engagement.overdue", "overdue", vigil.EventEngagementPromiseOpen)
		pub("cases.opened", "opened", vigil.EventCaseOpened)
		pub("cases.closed", "closed", vigil.EventCaseClosed)
		pub("screening.runs", "runs", vigil.EventScreeningRun)
		pub("screening.matches_found", "matches_found", vigil.EventScreeningMatch)
		pub("screening.matches_confirmed", "matches_confirmed", vigil.EventScreeningConfirmed)
		pub("assessments.tier_changed", "tier_changed", vigil.EventAssessmentTierShift)
		if pass.prefix != "" {
			continue
		}
		for _, m := range cur.Months() {
			from, to := m, m.AddDate(0, 1, 0)
			if from.Before(cur.From) {
				from = cur.From
			}
			if to.After(cur.To) {
				to = cur.To
			}
			figs = append(figs, Figure{ID: "events.month." + m.Format("2006-01"), Kind: KindPublic, Group: "events.month", Label: m.Format("2006-01"),
				Definition: Definition{Prefixes: ddPrefixes, From: tp(from), To: tp(to)}})
		}
		// The breakdowns need the payloads; the categories are those the
		// period's approved decisions name.
		approved := map[string]bool{}
		for _, t := range all {
			approved[t] = true
		}
		countries, sectors := map[string]bool{}, map[string]bool{}
		for _, ev := range events {
			if !approved[ev.Type] || !cur.Contains(ev.Time) {
				continue
			}
			var p struct {
				Countries []string `json:"countries"`
				Sectors   []string `json:"sectors"`
			}
			if json.Unmarshal(ev.Payload, &p) != nil {
				continue
			}
			for _, c := range p.Countries {
				countries[c] = true
			}
			for _, s := range p.Sectors {
				sectors[s] = true
			}
		}
		for _, c := range sortedKeys(countries) {
			add(KindConfidential, "decisions.approved.country."+c, "decisions.by_country", "decisions.approved.total", c, Definition{Types: all, GroupBy: "countries", GroupValue: c})
		}
		for _, s := range sortedKeys(sectors) {
			add(KindConfidential, "decisions.approved.sector."+s, "decisions.by_sector", "decisions.approved.total", s, Definition{Types: all, GroupBy: "sectors", GroupValue: s})
		}
	}
	return figs
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// snapshotFigures describes the current, live assessments: by the context
// and sector of the end user, by red flag and right, and the risk cells of
// the heat map.
func snapshotFigures(ctx context.Context, s Store) ([]Figure, []int64, error) {
	var ids []string
	if err := s.CurrentStates(ctx, func(st risk.State) error {
		if !st.Retired {
			ids = append(ids, st.ID)
		}
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("report: read assessments: %w", err)
	}
	parties := map[string]*vigil.Party{}
	contexts := map[string]*vigil.CountryContext{}
	party := func(id string) (*vigil.Party, error) {
		if p, ok := parties[id]; ok {
			return p, nil
		}
		p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			p, err = &vigil.Party{ID: id}, nil
		}
		if err != nil {
			return nil, err
		}
		parties[id] = p
		return p, nil
	}
	contextOf := func(territory string) (*vigil.CountryContext, error) {
		for _, code := range []string{territory, strings.SplitN(territory, "-", 2)[0]} {
			if c, ok := contexts[code]; ok {
				if c != nil {
					return c, nil
				}
				continue
			}
			c, err := vigil.GetAs[*vigil.CountryContext](ctx, s, vigil.KindContext, code)
			if vigil.ErrorCode(err) == vigil.ENOTFOUND {
				contexts[code] = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			contexts[code] = c
			return c, nil
		}
		return nil, nil
	}
	statusCount := map[string]int64{}
	sectorCount := map[string]int64{}
	flagCount := map[string]int64{}
	rightCount := map[string]int64{}
	var total, highRisk int64
	for _, id := range ids {
		row, err := s.GetAssessment(ctx, id, 0)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue // retired or replaced since the listing
		}
		if err != nil {
			return nil, nil, fmt.Errorf("report: read assessment %s: %w", id, err)
		}
		// Only the flags are read: decoding the whole explanation (facts,
		// evidence, derivation) would cost most of the report's time.
		var a struct {
			Flags []struct {
				ID     string   `json:"id"`
				Rights []string `json:"rights"`
			} `json:"flags"`
		}
		if err := json.Unmarshal(row.Doc, &a); err != nil {
			return nil, nil, fmt.Errorf("report: assessment %s: %w", id, err)
		}
		total++
		p, err := party(row.EndUserID)
		if err != nil {
			return nil, nil, fmt.Errorf("report: end user of %s: %w", id, err)
		}
		status := string(vigil.ConflictNone)
		if p.Country != "" {
			c, err := contextOf(p.Country)
			if err != nil {
				return nil, nil, fmt.Errorf("report: context of %s: %w", p.Country, err)
			}
			if c != nil {
				status = string(c.Status)
				if c.HighRisk {
					highRisk++
				}
			}
		}
		statusCount[status]++
		if len(p.Sectors) == 0 {
			sectorCount["none"]++
		}
		for _, sec := range uniq(p.Sectors) {
			sectorCount[sec]++
		}
		rights := map[string]bool{}
		seen := map[string]bool{}
		for _, f := range a.Flags {
			if !seen[f.ID] {
				seen[f.ID] = true
				flagCount[f.ID]++
			}
			for _, r := range f.Rights {
				rights[r] = true
			}
		}
		for r := range rights {
			rightCount[r]++
		}
	}
	var figs []Figure
	var counts []int64
	snap := func(id, group, totalID, label, text string, n int64) {
		figs = append(figs, Figure{ID: id, Kind: KindSnapshot, Group: group, Total: totalID, Label: label, Definition: Definition{Text: text}})
		counts = append(counts, n)
	}
	const cur = "current assessments of live relationships when the report was generated"
	snap("relationships.total", "", "", "total", cur, total)
	for _, st := range vigil.ConflictStatuses {
		snap("relationships.context."+string(st), "relationships.context", "relationships.total", string(st), cur+", by the conflict status of the end user's territory (none when no context is recorded)", statusCount[string(st)])
	}
	snap("relationships.high_risk", "", "", "high_risk", cur+" whose end user's territory is a conflict-affected or high-risk area", highRisk)
	for _, sec := range rankKeys(sectorCount) {
		snap("relationships.sector."+sec, "relationships.sector", "relationships.total", sec, cur+", by the end user's sectors (one relationship counts in each of its sectors)", sectorCount[sec])
	}
	for _, f := range rankKeys(flagCount) {
		snap("flags."+f, "flags", "", f, cur+" on which the red flag fired", flagCount[f])
	}
	for _, r := range rankKeys(rightCount) {
		snap("rights."+r, "rights", "", r, cur+" with a red flag naming this right at risk", rightCount[r])
	}
	cells, err := s.RiskCells(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("report: risk cells: %w", err)
	}
	for _, c := range heatGrid(cells) {
		figs = append(figs, Figure{ID: "heat." + c.Country + "." + c.Capability, Kind: KindSnapshot, Group: "heat", Label: c.Country + "|" + c.Capability, Tier: c.Tier, TierRank: c.TierRank,
			Definition: Definition{Text: fmt.Sprintf("%s, by the end user's territory (the %d with most relationships, the rest as %q) and a capability of a subscribed service (the %d most used); tier is the highest among them", cur, heatRows, heatOther, heatCols)}})
		counts = append(counts, c.N)
	}
	return figs, counts, nil
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// rankKeys orders categories by count, highest first, then by name.
func rankKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// The heat map keeps to what a page can show: the territories with most
// relationships, the others folded into one row, and the capabilities
// most subscribed.
const (
	heatRows  = 15
	heatCols  = 8
	heatOther = "other"
)

// heatGrid folds the store's risk cells into the heat map's grid. A
// folded cell's count adds its territories' counts (an upper bound, like
// the store's) and keeps the highest tier.
func heatGrid(cells []vigil.RiskCell) []vigil.RiskCell {
	byCountry, byCap := map[string]int64{}, map[string]int64{}
	for _, c := range cells {
		byCountry[c.Country] += c.N
		byCap[c.Capability] += c.N
	}
	rows := rankKeys(byCountry)
	if len(rows) > heatRows {
		rows = rows[:heatRows]
	}
	cols := rankKeys(byCap)
	if len(cols) > heatCols {
		cols = cols[:heatCols]
	}
	keepRow, keepCol := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		keepRow[r] = true
	}
	for _, c := range cols {
		keepCol[c] = true
	}
	type key struct{ country, capability string }
	grid := map[key]*vigil.RiskCell{}
	for _, c := range cells {
		if !keepCol[c.Capability] {
			continue
		}
		country := c.Country
		if !keepRow[country] {
			country = heatOther
		}
		k := key{country, c.Capability}
		g, ok := grid[k]
		if !ok {
			g = &vigil.RiskCell{Country: country, Capability: c.Capability, Tier: c.Tier, TierRank: c.TierRank}
			grid[k] = g
		} else if c.TierRank > g.TierRank {
			g.Tier, g.TierRank = c.Tier, c.TierRank
		}
		g.N += c.N
	}
	if len(byCountry) > heatRows {
		rows = append(rows, heatOther)
	}
	var out []vigil.RiskCell
	for _, r := range rows {
		for _, c := range cols {
			if g, ok := grid[key{r, c}]; ok {
				out = append(out, *g)
			}
		}
	}
	return out
}
