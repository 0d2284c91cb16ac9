package http

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/grievance"
	"github.com/vigil-hrdd/vigil/portfolio"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/usage"
)

// parseUITemplates compiles each page with the shared layout. Pages are
// separate template sets so that each may define "content" and its own
// fragments.
func parseUITemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"join":      func(sep string, vs []string) string { return strings.Join(vs, sep) },
		"date":      func(d vigil.Date) time.Time { return d.Time },
		"tierClass": tierClass,
		"grade":     func(s *vigil.Source) string { return s.Reliability + strconv.Itoa(s.Credibility) },
		"short":     shorten,
		"int64":     func(i int) int64 { return int64(i) },
		"breakable": breakable,
		"ctxRow": func(p uiPage, c *vigil.CountryContext) struct {
			P uiPage
			C *vigil.CountryContext
		} {
			return struct {
				P uiPage
				C *vigil.CountryContext
			}{p, c}
		},
		// day reads an ISO date kept as text in stored documents; a value
		// that is not one gives the zero time, which formats as "".
		"day": func(s string) time.Time {
			t, _ := time.Parse(time.DateOnly, s)
			return t
		},
	}
	names, err := fs.Glob(uiTemplateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(uiTemplateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// tierClass maps a tier rank to a CSS class; the tier's name is always
// printed beside the colour, which is never the only cue (WCAG 1.4.1).
func tierClass(rank int) string {
	switch {
	case rank >= 3:
		return "tier-3"
	case rank == 2:
		return "tier-2"
	case rank == 1:
		return "tier-1"
	}
	return "tier-0"
}

// breakable lets a browser wrap a dotted tag (ai.speech_to_text) at its
// dots and underscores rather than anywhere, so narrow heat-map columns
// stay readable.
func breakable(s string) template.HTML {
	e := template.HTMLEscapeString(s)
	e = strings.ReplaceAll(e, ".", ".<wbr>")
	e = strings.ReplaceAll(e, "_", "_<wbr>")
	return template.HTML(e)
}

func shorten(n int, s string) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ---- dashboard ----

type countItem struct {
	Label string
	Href  string
	N     int64
}

type heatCell struct {
	Tier     string
	TierRank int
	N        int64
}

type heatRow struct {
	Country string
	Cells   []*heatCell // nil where nothing is assessed
}

type heatMap struct {
	Capabilities []string
	Rows         []heatRow
	Omitted      int // countries not shown
}

type topRow struct {
	Row          risk.Row
	Customer     string
	EndUser      string
	EndUserCtry  string
	AssessedDate time.Time
}

type dashView struct {
	Counts    []countItem
	Heat      *heatMap
	Top       []topRow
	Countries []countItem
	Sectors   []countItem
	Contexts  []*vigil.CountryContext
	// MoreContexts are the rest, behind a disclosure, most severe first.
	MoreContexts []*vigil.CountryContext
	Signals      []*usage.Signal
	SignalsTo    time.Time
	// Cases are the open cases by priority tier, with how many are past
	// their due date; NextDue the open cases whose deadline comes first.
	Cases   []caseTier
	NextDue []*casework.Case
	// Overdue grievances and stakeholder promises (only ids, deadlines and
	// names of the engaged organisations: grievance content stays in the
	// grievance officers' inbox).
	Overdue *grievance.OverdueReport
	Now     time.Time
	// SummaryAt is when the heat map or the party counts were computed.
	SummaryAt time.Time
}

// caseTier counts open cases of one priority.
type caseTier struct {
	Priority string
	Open     int
	Overdue  int
}

func (u *webUI) handleDashboard(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	st := u.s.store
	v := &dashView{}
	for _, k := range []vigil.Kind{vigil.KindParty, vigil.KindAccount, vigil.KindSubscription, vigil.KindSource} {
		n, err := st.Count(ctx, k)
		if err != nil {
			return fmt.Errorf("count %s: %w", k, err)
		}
		href := "/ui/" + string(k)
		v.Counts = append(v.Counts, countItem{Label: q.L.T("kind." + string(k)), Href: href, N: n})
	}
	sum, err := u.summaries.get(ctx, u.ws)
	if err != nil {
		return err
	}
	v.SummaryAt = sum.At
	cells := sum.Cells
	if len(cells) > 0 {
		v.Heat = buildHeatMap(cells, 15, 10)
		if rs, ok := st.(risk.Store); ok {
			rows, err := rs.TopAssessments(ctx, risk.TopFilter{Limit: 10})
			if err != nil {
				return fmt.Errorf("top assessments: %w", err)
			}
			names := u.partyNames(ctx, rowsParties(rows))
			for _, row := range rows {
				tr := topRow{Row: row, Customer: names[row.CustomerID].Name, EndUser: names[row.EndUserID].Name, EndUserCtry: names[row.EndUserID].Country}
				v.Top = append(v.Top, tr)
			}
		}
	} else {
		v.Countries, v.Sectors = summariseParties(sum.Counts, 12)
	}
	page, err := st.List(ctx, vigil.KindContext, vigil.ListOptions{Limit: 1000})
	if err != nil {
		return fmt.Errorf("list contexts: %w", err)
	}
	for _, rec := range page.Items {
		c := rec.(*vigil.CountryContext)
		if c.Status != vigil.ConflictNone || c.HighRisk {
			v.Contexts = append(v.Contexts, c)
		}
	}
	severity := map[vigil.ConflictStatus]int{vigil.ConflictActive: 0, vigil.ConflictOccupation: 1, vigil.ConflictPostConflict: 2, vigil.ConflictNone: 3}
	sort.SliceStable(v.Contexts, func(i, j int) bool {
		return severity[v.Contexts[i].Status] < severity[v.Contexts[j].Status]
	})
	if len(v.Contexts) > 12 {
		v.Contexts, v.MoreContexts = v.Contexts[:12], v.Contexts[12:]
	}
	if us, err := usage.StoreOf(st); err == nil {
		sp, err := us.ListSignals(ctx, usage.SignalQuery{Limit: 20})
		if err != nil {
			return fmt.Errorf("list signals: %w", err)
		}
		// The week that ends with the newest signal: usage arrives in
		// batches, and a quiet week should not hide the last findings.
		if len(sp.Items) > 0 {
			v.SignalsTo = sp.Items[0].AsOf.Time
			from := v.SignalsTo.AddDate(0, 0, -6)
			for _, sig := range sp.Items {
				if !sig.AsOf.Time.Before(from) && len(v.Signals) < 10 {
					v.Signals = append(v.Signals, sig)
				}
			}
		}
	}
	v.Now = u.s.now()
	if err := u.dashboardWork(ctx, v); err != nil {
		return err
	}
	return u.render(w, r, q, http.StatusOK, "dashboard.html", "dashboard", q.L.T("nav.dashboard"), v)
}

// dashboardWork adds the open cases by tier and deadline, and the overdue
// grievances and promises, for the stores that keep them.
func (u *webUI) dashboardWork(ctx context.Context, v *dashView) error {
	st := u.s.store
	if cs, err := casework.StoreOf(st); err == nil {
		byTier := map[string]*caseTier{}
		var open []*casework.Case
		after := ""
		for {
			pg, err := cs.ListCases(ctx, casework.CaseQuery{After: after, Limit: 1000})
			if err != nil {
				return fmt.Errorf("list cases: %w", err)
			}
			for _, c := range pg.Items {
				if c.Status == casework.StatusClosed {
					continue
				}
				open = append(open, c)
				t := byTier[c.Priority]
				if t == nil {
					t = &caseTier{Priority: c.Priority}
					byTier[c.Priority] = t
				}
				t.Open++
				if c.Overdue(v.Now) {
					t.Overdue++
				}
			}
			if pg.Next == "" {
				break
			}
			after = pg.Next
		}
		// Shortest deadline first (the most severe tier); a priority
		// without a default deadline goes last rather than vanishing.
		for _, t := range byTier {
			v.Cases = append(v.Cases, *t)
		}
		sort.Slice(v.Cases, func(i, j int) bool {
			di, oki := casework.DefaultDueDays[v.Cases[i].Priority]
			dj, okj := casework.DefaultDueDays[v.Cases[j].Priority]
			if oki != okj {
				return oki
			}
			if di != dj {
				return di < dj
			}
			return v.Cases[i].Priority < v.Cases[j].Priority
		})
		sort.SliceStable(open, func(i, j int) bool { return open[i].Due.Before(open[j].Due) })
		if len(open) > 8 {
			open = open[:8]
		}
		v.NextDue = open
	}
	if gs, err := grievance.StoreOf(st); err == nil {
		rep, err := grievance.Overdue(ctx, gs, v.Now)
		if err != nil {
			return err
		}
		v.Overdue = rep
	}
	return nil
}

func rowsParties(rows []risk.Row) []string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.CustomerID, r.EndUserID)
	}
	return ids
}

type partyName struct{ Name, Country string }

// partyNames looks up display names; a party that cannot be read keeps
// its id as its name rather than failing the whole page.
func (u *webUI) partyNames(ctx context.Context, ids []string) map[string]partyName {
	out := map[string]partyName{}
	for _, id := range ids {
		if _, ok := out[id]; ok || id == "" {
			continue
		}
		p, err := vigil.GetAs[*vigil.Party](ctx, u.s.store, vigil.KindParty, id)
		if err != nil {
			out[id] = partyName{Name: id}
			continue
		}
		out[id] = partyName{Name: p.Name, Country: p.Country}
	}
	return out
}

// buildHeatMap keeps the countries and capabilities with the highest
// tiers, so the grid fits a laptop screen; it says how many it left out.
func buildHeatMap(cells []vigil.RiskCell, maxRows, maxCols int) *heatMap {
	type agg struct {
		rank int
		n    int64
	}
	byCountry, byCap := map[string]*agg{}, map[string]*agg{}
	for _, c := range cells {
		for _, m := range []struct {
			m map[string]*agg
			k string
		}{{byCountry, c.Country}, {byCap, c.Capability}} {
			a := m.m[m.k]
			if a == nil {
				a = &agg{rank: -1}
				m.m[m.k] = a
			}
			a.n += c.N
			if c.TierRank > a.rank {
				a.rank = c.TierRank
			}
		}
	}
	top := func(m map[string]*agg, n int) []string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := m[keys[i]], m[keys[j]]
			if a.rank != b.rank {
				return a.rank > b.rank
			}
			if a.n != b.n {
				return a.n > b.n
			}
			return keys[i] < keys[j]
		})
		if len(keys) > n {
			keys = keys[:n]
		}
		return keys
	}
	countries := top(byCountry, maxRows)
	caps := top(byCap, maxCols)
	sort.Strings(caps)
	h := &heatMap{Capabilities: caps, Omitted: len(byCountry) - len(countries)}
	col := map[string]int{}
	for i, c := range caps {
		col[c] = i
	}
	row := map[string]int{}
	for i, c := range countries {
		row[c] = i
		h.Rows = append(h.Rows, heatRow{Country: c, Cells: make([]*heatCell, len(caps))})
	}
	for _, c := range cells {
		ri, ok1 := row[c.Country]
		ci, ok2 := col[c.Capability]
		if !ok1 || !ok2 {
			continue
		}
		h.Rows[ri].Cells[ci] = &heatCell{Tier: c.Tier, TierRank: c.TierRank, N: c.N}
	}
	return h
}

// summariseParties totals parties by country and by sector, largest first.
func summariseParties(counts []vigil.PartyCount, n int) (countries, sectors []countItem) {
	byCountry, bySector := map[string]int64{}, map[string]int64{}
	for _, c := range counts {
		byCountry[c.Country] += c.N
		for _, s := range c.Sectors {
			bySector[s] += c.N
		}
	}
	top := func(m map[string]int64, filter string) []countItem {
		var out []countItem
		for k, v := range m {
			out = append(out, countItem{Label: k, N: v, Href: "/ui/parties?" + url.Values{filter: {k}}.Encode()})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].N != out[j].N {
				return out[i].N > out[j].N
			}
			return out[i].Label < out[j].Label
		})
		if len(out) > n {
			out = out[:n]
		}
		return out
	}
	return top(byCountry, "country"), top(bySector, "sector")
}

// ---- lists ----

type filterField struct {
	Name    string
	Label   string
	Value   string
	Options []string // a select when set, a text field otherwise
}

type listView struct {
	Kind    string
	Filters []filterField
	Items   []vigil.Record
	NextURL string
	Error   string
	Names   map[string]partyName
	// Fragment is set for htmx swaps, which also update the page's
	// status region so that screen readers hear the new count.
	Fragment bool
}

// listPage reads one page of a kind with the filters of the query string.
// A filter value the store refuses is shown beside the form, not as an
// error page, so the user can correct it.
func (u *webUI) listPage(w http.ResponseWriter, r *http.Request, q *uiRequest, kind vigil.Kind, fields []filterField, title string) error {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	qs := r.URL.Query()
	opt := vigil.ListOptions{Filters: map[string]string{}, After: qs.Get("after"), Limit: 50}
	for i := range fields {
		f := &fields[i]
		f.Value = strings.TrimSpace(qs.Get(f.Name))
		if f.Value == "" {
			continue
		}
		if f.Name == "q" {
			opt.Query = f.Value
		} else {
			opt.Filters[f.Name] = f.Value
		}
	}
	v := &listView{Kind: string(kind), Filters: fields}
	pg, err := u.s.store.List(ctx, kind, opt)
	switch {
	case vigil.ErrorCode(err) == vigil.EINVALID:
		v.Error = vigil.ErrorMessage(err)
	case err != nil:
		return fmt.Errorf("list %s: %w", kind, err)
	default:
		v.Items = pg.Items
		if pg.Next != "" {
			next := url.Values{}
			for k, vals := range qs {
				if k != "after" {
					next[k] = vals
				}
			}
			next.Set("after", pg.Next)
			v.NextURL = r.URL.Path + "?" + next.Encode()
		}
	}
	if kind == vigil.KindAccount {
		var ids []string
		for _, rec := range v.Items {
			ids = append(ids, rec.(*vigil.Account).PartyID)
		}
		v.Names = u.partyNames(ctx, ids)
	}
	if r.Header.Get("HX-Request") == "true" {
		v.Fragment = true
		return u.renderFragment(w, q, "list.html", "results", v)
	}
	return u.render(w, r, q, http.StatusOK, "list.html", string(kind), title, v)
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (u *webUI) handleParties(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.listPage(w, r, q, vigil.KindParty, []filterField{
		{Name: "q", Label: q.L.T("filter.name")},
		{Name: "type", Label: q.L.T("field.type"), Options: enumStrings(vigil.PartyTypes)},
		{Name: "country", Label: q.L.T("field.country")},
		{Name: "sector", Label: q.L.T("field.sector")},
	}, q.L.T("kind.parties"))
}

func (u *webUI) handleAccounts(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.listPage(w, r, q, vigil.KindAccount, []filterField{
		{Name: "q", Label: q.L.T("filter.name")},
		{Name: "party_id", Label: q.L.T("field.party_id")},
		{Name: "billing_country", Label: q.L.T("field.billing_country")},
	}, q.L.T("kind.accounts"))
}

func (u *webUI) handleSubscriptions(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.listPage(w, r, q, vigil.KindSubscription, []filterField{
		{Name: "account_id", Label: q.L.T("field.account_id")},
		{Name: "service_id", Label: q.L.T("field.service_id")},
		{Name: "region", Label: q.L.T("field.region")},
		{Name: "status", Label: q.L.T("field.status"), Options: enumStrings(vigil.SubscriptionStatuses)},
	}, q.L.T("kind.subscriptions"))
}

func (u *webUI) handleSources(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return u.listPage(w, r, q, vigil.KindSource, []filterField{
		{Name: "q", Label: q.L.T("filter.title")},
		{Name: "party_id", Label: q.L.T("field.party_id")},
		{Name: "reliability", Label: q.L.T("field.reliability"), Options: []string{"A", "B", "C", "D", "E", "F"}},
		{Name: "publisher", Label: q.L.T("field.publisher")},
	}, q.L.T("kind.sources"))
}

func (u *webUI) handleNotFound(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	return vigil.Errorf(vigil.ENOTFOUND, "%s", q.L.T("error.notfound"))
}

// ---- party ----

const (
	chainTableMax  = 200
	maxNameLookups = 600
)

type chainCounts struct{ EndUsers, Parents, Upstream, Children int }

// chainTable is the part of the chain the page lists.
type chainTable struct {
	Upstream, Children, Parents, Downstream []portfolio.Step
	Omitted                                 int
}

func capSteps(s []portfolio.Step) []portfolio.Step {
	if len(s) > chainTableMax {
		return s[:chainTableMax]
	}
	return s
}

// DownRole names a downstream party's role: an end user when nothing lies
// beyond it, an intermediary otherwise.
func (v *partyView) DownRole(id string) string {
	for _, s := range v.Chain.EndUsers {
		if s.PartyID == id {
			return "enduser"
		}
	}
	return "down"
}

// NameOf is a party's display name, or its id when the name was not read.
func (v *partyView) NameOf(id string) string {
	if n := v.Names[id].Name; n != "" {
		return n
	}
	return id
}

type accountView struct {
	Account *vigil.Account
	Subs    []*vigil.Subscription
	More    bool
	// Signals are the newest usage signals of the account, when the
	// store keeps usage.
	Signals []*usage.Signal
}

type partyView struct {
	Party   *vigil.Party
	Status  []string
	Context *vigil.CountryContext
	Chain   *portfolio.Chain
	// Upstream are the parties that resell to this one or act for it:
	// the way the provider's services reach it. The chain walk goes the
	// other way, so the page reads them separately.
	Upstream []portfolio.Step
	// Children are the units it commands and the bodies it owns or
	// controls, one level down: a ministry's page lists its units.
	Children    []portfolio.Step
	Graph       *chainGraph
	Counts      chainCounts
	Table       chainTable
	Names       map[string]partyName
	Accounts    []accountView
	Sources     []*vigil.Source
	Assessments []risk.Row
	History     []*vigil.Event
	Saved       bool
	// CanAssess is set when the store keeps assessments, so the page
	// offers to run them; Assessed reports the last run from this page.
	CanAssess bool
	Assessed  *assessRun
}

type assessRun struct{ Relationships, Stored, Changes int }

func (u *webUI) handleParty(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	v, err := u.partyView(r, q, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Saved = r.URL.Query().Get("saved") == "1"
	if qs := r.URL.Query(); qs.Has("assessed") {
		n, _ := strconv.Atoi(qs.Get("assessed"))
		st, _ := strconv.Atoi(qs.Get("stored"))
		ch, _ := strconv.Atoi(qs.Get("changes"))
		v.Assessed = &assessRun{Relationships: n, Stored: st, Changes: ch}
	}
	return u.render(w, r, q, http.StatusOK, "party.html", "parties", v.Party.Name, v)
}

func (u *webUI) partyView(r *http.Request, q *uiRequest, id string) (*partyView, error) {
	ctx, cancel := uiTimeout(r.Context())
	defer cancel()
	st := u.s.store
	p, err := vigil.GetAs[*vigil.Party](ctx, st, vigil.KindParty, id)
	if err != nil {
		return nil, err
	}
	v := &partyView{Party: p}
	// The context of the party's territory, or of its country when the
	// party sits in a subdivision without a context of its own.
	for _, t := range []string{p.Country, strings.SplitN(p.Country, "-", 2)[0]} {
		c, err := vigil.GetAs[*vigil.CountryContext](ctx, st, vigil.KindContext, t)
		if err == nil {
			v.Context = c
			break
		}
		if vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return nil, fmt.Errorf("context of %s: %w", t, err)
		}
	}
	if v.Chain, err = portfolio.Walk(ctx, st, p.ID); err != nil {
		return nil, err
	}
	in, err := st.LinksOf(ctx, []string{p.ID})
	if err != nil {
		return nil, fmt.Errorf("links of %s: %w", p.ID, err)
	}
	for _, l := range in {
		if l.To == p.ID && (l.Type == vigil.LinkResellsTo || l.Type == vigil.LinkActsFor) {
			v.Upstream = append(v.Upstream, portfolio.Step{PartyID: l.From, Depth: 1, Via: []*vigil.Link{l}})
		}
		if (l.From == p.ID && (l.Type == vigil.LinkOwns || l.Type == vigil.LinkControls)) || (l.To == p.ID && l.Type == vigil.LinkUnitOf) {
			child := l.To
			if l.Type == vigil.LinkUnitOf {
				child = l.From
			}
			v.Children = append(v.Children, portfolio.Step{PartyID: child, Depth: 1, Via: []*vigil.Link{l}})
		}
	}
	// Counts for the status sentence come from the whole chain; the
	// table lists at most chainTableMax parties of each kind, and names
	// are read for at most maxNameLookups parties, so that a ministry of
	// thousands of units still opens quickly.
	v.Counts = chainCounts{EndUsers: len(v.Chain.EndUsers), Parents: len(v.Chain.Parents), Upstream: len(v.Upstream), Children: len(v.Children)}
	var ids []string
	for _, steps := range [][]portfolio.Step{v.Chain.Parents, v.Chain.Downstream, v.Upstream, v.Children} {
		for i, s := range steps {
			if i < chainTableMax {
				ids = append(ids, s.PartyID)
			}
		}
	}
	if len(ids) > maxNameLookups {
		ids = ids[:maxNameLookups]
	}
	v.Names = u.partyNames(ctx, ids)
	v.Names[p.ID] = partyName{Name: p.Name, Country: p.Country}
	v.Graph = layoutChain(v.Chain, v.Upstream, v.Children, v.Names, q.L)
	v.Table = chainTable{Upstream: capSteps(v.Upstream), Children: capSteps(v.Children), Parents: capSteps(v.Chain.Parents), Downstream: capSteps(v.Chain.Downstream)}
	v.Table.Omitted = len(v.Upstream) + len(v.Children) + len(v.Chain.Parents) + len(v.Chain.Downstream) -
		len(v.Table.Upstream) - len(v.Table.Children) - len(v.Table.Parents) - len(v.Table.Downstream)

	accts, err := st.List(ctx, vigil.KindAccount, vigil.ListOptions{Filters: map[string]string{"party_id": p.ID}, Limit: 50})
	if err != nil {
		return nil, fmt.Errorf("accounts of %s: %w", p.ID, err)
	}
	for _, rec := range accts.Items {
		a := rec.(*vigil.Account)
		subs, err := st.List(ctx, vigil.KindSubscription, vigil.ListOptions{Filters: map[string]string{"account_id": a.ID}, Limit: 50})
		if err != nil {
			return nil, fmt.Errorf("subscriptions of %s: %w", a.ID, err)
		}
		av := accountView{Account: a, More: subs.Next != ""}
		for _, s := range subs.Items {
			av.Subs = append(av.Subs, s.(*vigil.Subscription))
		}
		if us, err := usage.StoreOf(st); err == nil {
			sp, err := us.ListSignals(ctx, usage.SignalQuery{Account: a.ID, Limit: 5})
			if err != nil {
				return nil, fmt.Errorf("signals of %s: %w", a.ID, err)
			}
			av.Signals = sp.Items
		}
		v.Accounts = append(v.Accounts, av)
	}
	srcs, err := st.List(ctx, vigil.KindSource, vigil.ListOptions{Filters: map[string]string{"party_id": p.ID}, Limit: 100})
	if err != nil {
		return nil, fmt.Errorf("sources of %s: %w", p.ID, err)
	}
	for _, rec := range srcs.Items {
		v.Sources = append(v.Sources, rec.(*vigil.Source))
	}
	if rs, ok := st.(risk.Store); ok {
		v.CanAssess = true
		if v.Assessments, err = rs.TopAssessments(ctx, risk.TopFilter{PartyID: p.ID, Limit: 20}); err != nil {
			return nil, fmt.Errorf("assessments of %s: %w", p.ID, err)
		}
		more := u.partyNames(ctx, rowsParties(v.Assessments))
		for k, n := range more {
			v.Names[k] = n
		}
	}
	if v.History, err = u.ws.SubjectEvents(ctx, "parties/"+p.ID, 50); err != nil {
		return nil, err
	}
	v.Status = statusSentences(q, v)
	return v, nil
}

// statusSentences say in plain words what the page shows, as the
// OpenSanctions factsheet does: who the party is, where, what the
// provider's context says of that place, how it is tied to the provider,
// and its highest current risk tier.
func statusSentences(q *uiRequest, v *partyView) []string {
	L := q.L
	p := v.Party
	out := []string{L.T("status.is", p.Name, L.Label("ptype", string(p.Type)), p.Country)}
	if c := v.Context; c != nil && c.Status != vigil.ConflictNone {
		out = append(out, L.T("status.context", c.ID, L.Label("conflict", string(c.Status)), L.Date(c.AsOf.Time), c.Source))
	} else if c != nil && c.HighRisk {
		out = append(out, L.T("status.highrisk", c.ID, L.Date(c.AsOf.Time)))
	}
	out = append(out, L.T("status.accounts", len(v.Accounts)))
	if n := v.Counts.EndUsers; n > 0 {
		out = append(out, L.T("status.endusers", n))
	}
	if n := v.Counts.Upstream; n > 0 {
		out = append(out, L.T("status.upstream", n))
	}
	if n := v.Counts.Parents; n > 0 {
		out = append(out, L.T("status.parents", n))
	}
	if n := v.Counts.Children; n > 0 {
		out = append(out, L.T("status.children", n))
	}
	if len(v.Assessments) > 0 {
		best := v.Assessments[0]
		out = append(out, L.T("status.tier", L.Label("tier", best.Tier), len(v.Assessments)))
	}
	out = append(out, L.T("status.sources", len(v.Sources)))
	return out
}

// handlePartyNotes saves a party's notes: the one edit the party page
// offers, through the same Store.Update (and its event) as the API.
func (u *webUI) handlePartyNotes(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	ctx := r.Context()
	p, err := vigil.GetAs[*vigil.Party](ctx, u.s.store, vigil.KindParty, r.PathValue("id"))
	if err != nil {
		return err
	}
	notes := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("notes"), "\r\n", "\n"))
	if len(notes) > 10000 {
		return vigil.FieldError("notes", "at most 10,000 characters")
	}
	p.Notes = notes
	if err := u.s.store.Update(ctx, p, q.user.ID); err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		return u.renderFragment(w, q, "party.html", "notes-saved", p)
	}
	http.Redirect(w, r, "/ui/parties/"+url.PathEscape(p.ID)+"?saved=1#notes", http.StatusSeeOther)
	return nil
}

// ---- log ----

type logView struct {
	Available bool
	Origin    string
	Size      int64
	Root      string
	Signers   []string
	Raw       string
	Pending   int64
	// PendingMore says Pending stopped at the read limit.
	PendingMore bool
}

// handleLog shows the proof log's current checkpoint, read through the
// log handler mounted at /log/, the same bytes a verifier downloads.
func (u *webUI) handleLog(w http.ResponseWriter, r *http.Request, q *uiRequest) error {
	v := &logView{}
	for _, m := range u.s.mounts {
		if m.prefix != "/log/" {
			continue
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/log/checkpoint", nil)
		if err != nil {
			return fmt.Errorf("checkpoint request: %w", err)
		}
		rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
		m.h.ServeHTTP(rec, req)
		if rec.status == http.StatusOK {
			parseCheckpoint(rec.body.Bytes(), v)
		}
	}
	// The outbox has no count; reading up to a limit bounds the cost.
	const pendingLimit = 1000
	pending, err := u.s.store.PendingEvents(r.Context(), pendingLimit)
	if err != nil {
		return fmt.Errorf("pending events: %w", err)
	}
	v.Pending, v.PendingMore = int64(len(pending)), len(pending) == pendingLimit
	return u.render(w, r, q, http.StatusOK, "log.html", "log", q.L.T("nav.log"), v)
}

// parseCheckpoint reads a C2SP signed note: origin, size and root hash,
// a blank line, then one "— name signature" line per signer.
func parseCheckpoint(raw []byte, v *logView) {
	v.Raw = string(raw)
	sc := bufio.NewScanner(bytes.NewReader(raw))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 3 {
		return
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return
	}
	v.Available = true
	v.Origin, v.Size, v.Root = lines[0], size, lines[2]
	for _, l := range lines[3:] {
		if name, ok := strings.CutPrefix(l, "— "); ok {
			if n, _, ok := strings.Cut(name, " "); ok {
				v.Signers = append(v.Signers, n)
			}
		}
	}
}

// bufferWriter is a ResponseWriter that keeps what a handler writes.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferWriter) WriteHeader(status int)      { b.status = status }
