// Package demo generates deterministic synthetic portfolios of a cloud and
// AI provider, of any size, for the demo, the tests and the benchmarks. All
// names are invented; every country code appears, some countries and
// subdivisions are marked as in conflict or under occupation, and the
// structure has the shapes due diligence must see through: resellers and
// integrators in front of end users, ministries with many units, holdings
// with subsidiaries, names in several scripts.
package demo

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/catalogue"
	"github.com/vigil-hrdd/vigil/transfer"
)

// Options size and seed a portfolio.
type Options struct {
	Parties int
	Seed    uint64
	// AsOf is the day the portfolio describes; subscriptions start before
	// it. Zero means 2026-06-30, so the same seed always gives the same files.
	AsOf time.Time
}

// Counts says how many records of each kind were written.
type Counts map[vigil.Kind]int

// Total is the number of records of all kinds.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

type writer struct {
	f  *os.File
	bw *bufio.Writer
	cw *csv.Writer
}

type generator struct {
	r       *rand.Rand
	opt     Options
	out     map[vigil.Kind]*writer
	counts  Counts
	parties int
	// countries and the context of each
	countries  []string
	conflict   map[string]vigil.ConflictStatus
	occupied   map[string][]string // country -> occupied subdivisions
	conflicted []string            // countries with a conflict or occupation
	services   []string
	err        error
}

// Generate writes one CSV file per kind into dir (created if needed), in
// the formats of vigil import. The same options always give the same bytes.
func Generate(dir string, opt Options) (Counts, error) {
	if opt.Parties < 1 {
		return nil, vigil.FieldError("parties", "need at least 1 party, got %d", opt.Parties)
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	g := &generator{
		r:        rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		opt:      opt,
		out:      map[vigil.Kind]*writer{},
		counts:   Counts{},
		conflict: map[string]vigil.ConflictStatus{},
		occupied: map[string][]string{},
	}
	for _, k := range vigil.Kinds {
		f, err := os.Create(filepath.Join(dir, string(k)+".csv"))
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		bw := bufio.NewWriterSize(f, 1<<16)
		w := &writer{f: f, bw: bw, cw: csv.NewWriter(bw)}
		g.out[k] = w
		w.cw.Write(transfer.Columns(k))
	}
	g.run()
	for _, k := range vigil.Kinds {
		w := g.out[k]
		w.cw.Flush()
		if err := w.cw.Error(); err != nil && g.err == nil {
			g.err = err
		}
		if err := w.bw.Flush(); err != nil && g.err == nil {
			g.err = err
		}
		if err := w.f.Close(); err != nil && g.err == nil {
			g.err = err
		}
	}
	if g.err != nil {
		return nil, fmt.Errorf("demo: %w", g.err)
	}
	return g.counts, nil
}

func (g *generator) write(kind vigil.Kind, row ...string) {
	if g.err != nil {
		return
	}
	g.err = g.out[kind].cw.Write(row)
	g.counts[kind]++
}

func (g *generator) run() {
	g.writeServices()
	g.writeContexts()
	g.showcase()
	for g.parties < g.opt.Parties && g.err == nil {
		switch x := g.r.IntN(100); {
		case x < 28:
			g.government()
		case x < 40:
			g.resellerChain()
		default:
			g.holding()
		}
	}
}

func (g *generator) writeServices() {
	rc, _ := catalogue.Open()
	defer rc.Close()
	rows, err := csv.NewReader(rc).ReadAll()
	if err != nil {
		g.err = err
		return
	}
	for _, row := range rows[1:] {
		g.write(vigil.KindService, row...)
		g.services = append(g.services, row[0])
	}
}

// writeContexts gives every country a context row. A few countries, drawn by
// the seed, are in armed conflict, occupation (of one or two subdivisions)
// or post-conflict: which ones is data of the run, never fixed in code.
// Every run has at least one conflict and one occupation, so every demo has
// the situations heightened due diligence is for.
func (g *generator) writeContexts() {
	g.countries = vigil.CountryCodes()
	asOf := g.opt.AsOf.AddDate(0, -1, 0).Format(vigil.DateLayout)
	statuses := make([]vigil.ConflictStatus, len(g.countries))
	for i := range g.countries {
		statuses[i] = vigil.ConflictNone
		switch x := g.r.IntN(100); {
		case x < 4:
			statuses[i] = vigil.ConflictActive
		case x < 6:
			statuses[i] = vigil.ConflictOccupation
		case x < 9:
			statuses[i] = vigil.ConflictPostConflict
		}
	}
	for _, want := range []vigil.ConflictStatus{vigil.ConflictActive, vigil.ConflictOccupation} {
		if !slices.Contains(statuses, want) {
			statuses[g.r.IntN(len(statuses))] = want
		}
	}
	for i, c := range g.countries {
		status := statuses[i]
		g.conflict[c] = status
		notes := ""
		switch status {
		case vigil.ConflictOccupation:
			// The country as a whole is not at war: its occupied
			// subdivisions carry the status.
			g.write(vigil.KindContext, c, string(vigil.ConflictNone), "false", "Demo analyst desk", asOf, "parts of the territory are occupied, see subdivisions")
			for j := range 1 + g.r.IntN(2) {
				sub := fmt.Sprintf("%s-%02d", c, 10+j*7+g.r.IntN(5))
				g.occupied[c] = append(g.occupied[c], sub)
				g.write(vigil.KindContext, sub, string(vigil.ConflictOccupation), "true", "Demo analyst desk", asOf, "occupied subdivision (synthetic)")
			}
			g.conflicted = append(g.conflicted, c)
			continue
		case vigil.ConflictActive:
			notes = "active armed conflict (synthetic)"
			g.conflicted = append(g.conflicted, c)
		case vigil.ConflictPostConflict:
			notes = "post-conflict (synthetic)"
		}
		highRisk := status == vigil.ConflictActive || (status == vigil.ConflictPostConflict && g.r.IntN(2) == 0)
		g.write(vigil.KindContext, c, string(status), strconv.FormatBool(highRisk), "Demo analyst desk", asOf, notes)
	}
}

// showcase writes the case heightened due diligence exists for, first in
// every portfolio: a reseller holds the contract; behind it an integrator
// acts for a military intelligence unit located in an occupied subdivision,
// which stores bulk audio with transcription and translation; a credible
// source (B2) reports on the unit. Its parties' notes start "showcase:".
func (g *generator) showcase() {
	if g.opt.Parties < 4 {
		return
	}
	var occupier, sub string
	for _, c := range g.countries {
		if subs := g.occupied[c]; len(subs) > 0 {
			sub = subs[0]
			break
		}
	}
	for occupier == "" || occupier == vigil.CountryOf(sub) {
		occupier = g.countries[g.r.IntN(len(g.countries))]
	}
	neutral := g.countries[g.r.IntN(len(g.countries))]
	num := itoa(1000 + g.r.IntN(89000))
	reseller := g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " Cloud Partners " + legalForms[g.r.IntN(len(legalForms))],
		country: neutral, sectors: []string{"it_services", "reseller"}, notes: "showcase: reseller holding the contract"})
	integrator := g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " Defence Integration " + legalForms[g.r.IntN(len(legalForms))],
		country: occupier, sectors: []string{"it_services", "integrator", "defence_industry"}, notes: "showcase: integrator acting for the unit"})
	land := word(g.r)
	ministry := g.party(partyRow{typ: vigil.PartyGovernment, name: "Ministry of Defence of " + land, aliases: []string{"MOD " + land},
		country: occupier, sectors: []string{"government", "military"}, notes: "showcase: parent ministry"})
	unit := g.party(partyRow{typ: vigil.PartyUnit, name: "Signals Intelligence Unit " + num,
		aliases: []string{"Unit " + num, localName(wUnit, cyrillic, num, true), localName(wUnit, arabic, num, true)},
		country: sub, sectors: []string{"military", "intelligence"}, notes: "showcase: military intelligence unit in an occupied subdivision"})
	g.link(reseller, integrator, vigil.LinkResellsTo, 0, "partner agreement")
	g.link(integrator, unit, vigil.LinkActsFor, 0, "end-use statement")
	g.link(unit, ministry, vigil.LinkUnitOf, 0, "organisation chart")
	id := fmt.Sprintf("A%07d", g.counts[vigil.KindAccount]+1)
	opened := g.opt.AsOf.AddDate(-2, 0, 0)
	g.write(vigil.KindAccount, id, reseller, "Partner account 7", neutral, opened.Format(vigil.DateLayout))
	region := regions[g.r.IntN(len(regions))]
	for _, svc := range []string{"object-storage", "archive-storage", "speech-to-text", "translation", "language-models"} {
		sid := fmt.Sprintf("S%07d", g.counts[vigil.KindSubscription]+1)
		g.write(vigil.KindSubscription, sid, id, svc, region, opened.AddDate(0, 0, 3).Format(vigil.DateLayout), string(vigil.SubscriptionActive))
	}
	src := fmt.Sprintf("SRC%06d", g.counts[vigil.KindSource]+1)
	g.write(vigil.KindSource, src, "Intercepted calls of a population stored and transcribed on a commercial cloud", "Demo Investigative Desk",
		"https://example.org/demo/"+strings.ToLower(src), g.opt.AsOf.AddDate(0, -2, 0).Format(vigil.DateLayout), "en", "B", "2", unit+";"+integrator)
}

// country picks a party's territory: conflict-affected places are
// over-represented, as they are in the portfolios that need review.
func (g *generator) country() string {
	if g.r.IntN(100) < 15 {
		c := g.conflicted[g.r.IntN(len(g.conflicted))]
		if subs := g.occupied[c]; len(subs) > 0 && g.r.IntN(2) == 0 {
			return subs[g.r.IntN(len(subs))]
		}
		return c
	}
	return g.countries[g.r.IntN(len(g.countries))]
}

func (g *generator) pickScript() script {
	if g.r.IntN(100) < 55 {
		return latin
	}
	return scripts[1+g.r.IntN(len(scripts)-1)]
}

// name builds a name in the latin script and, for some parties, its
// spelling in another script; one of the two is the primary name.
func localName(w orgWord, s script, proper string, before bool) string {
	word := w[s]
	p := transliterate(proper, s)
	if word == "" {
		return p
	}
	if s == cjk {
		return p + word
	}
	if before || s == arabic || s == hebrew {
		return word + " " + p
	}
	return p + " " + word
}

type partyRow struct {
	typ     vigil.PartyType
	name    string
	aliases []string
	country string
	ids     []string
	sectors []string
	notes   string
}

// party writes a party and returns its id, or "" once the requested number
// of parties is reached, so that clusters stop cleanly at any size.
func (g *generator) party(p partyRow) string {
	if g.parties >= g.opt.Parties {
		return ""
	}
	g.parties++
	id := fmt.Sprintf("P%07d", g.parties)
	g.write(vigil.KindParty, id, string(p.typ), p.name, strings.Join(p.aliases, ";"), p.country, strings.Join(p.ids, ";"), strings.Join(p.sectors, ";"), p.notes)
	return id
}

func (g *generator) link(from, to string, typ vigil.LinkType, share float64, source string) {
	if from == "" || to == "" {
		return
	}
	id := fmt.Sprintf("L%07d", g.counts[vigil.KindLink]+1)
	s := ""
	if share > 0 {
		s = strconv.FormatFloat(share, 'f', -1, 64)
	}
	g.write(vigil.KindLink, id, from, to, string(typ), s, source)
}

// account opens an account for a party with a few subscriptions. heavy
// accounts subscribe to the capabilities that matter for surveillance.
func (g *generator) account(partyID, name, billing string, heavy bool) {
	if partyID == "" {
		return
	}
	id := fmt.Sprintf("A%07d", g.counts[vigil.KindAccount]+1)
	opened := g.opt.AsOf.AddDate(0, 0, -30-g.r.IntN(2500))
	g.write(vigil.KindAccount, id, partyID, name, vigil.CountryOf(billing), opened.Format(vigil.DateLayout))
	n := 1 + g.r.IntN(4)
	var picks []string
	if heavy {
		picks = []string{"object-storage", "speech-to-text", "translation"}
		if g.r.IntN(2) == 0 {
			picks = append(picks, "face-api")
		}
		if g.r.IntN(2) == 0 {
			picks = append(picks, "language-models")
		}
	}
	for range n {
		picks = append(picks, g.services[g.r.IntN(len(g.services))])
	}
	seen := map[string]bool{}
	region := regions[g.r.IntN(len(regions))]
	for _, svc := range picks {
		if seen[svc] {
			continue
		}
		seen[svc] = true
		status := vigil.SubscriptionActive
		switch x := g.r.IntN(100); {
		case x < 3:
			status = vigil.SubscriptionSuspended
		case x < 6:
			status = vigil.SubscriptionTerminated
		case x < 7:
			status = vigil.SubscriptionRestricted
		}
		started := opened.AddDate(0, 0, g.r.IntN(30))
		sid := fmt.Sprintf("S%07d", g.counts[vigil.KindSubscription]+1)
		g.write(vigil.KindSubscription, sid, id, svc, region, started.Format(vigil.DateLayout), string(status))
	}
}

func (g *generator) source(partyIDs []string, about string) {
	var ids []string
	for _, p := range partyIDs {
		if p != "" {
			ids = append(ids, p)
		}
	}
	if len(ids) == 0 {
		return
	}
	id := fmt.Sprintf("SRC%06d", g.counts[vigil.KindSource]+1)
	publishers := []string{"Demo Rights Monitor", "Demo Investigative Desk", "Demo UN Panel Summary", "Demo Newswire", "Demo Trade Registry"}
	langs := []string{"en", "fr", "ar", "ru", "es", "he", "zh"}
	rel := string(rune('A' + g.r.IntN(6)))
	cred := 1 + g.r.IntN(6)
	day := g.opt.AsOf.AddDate(0, 0, -g.r.IntN(700)).Format(vigil.DateLayout)
	g.write(vigil.KindSource, id, "Report on "+about, publishers[g.r.IntN(len(publishers))],
		"https://example.org/demo/"+strings.ToLower(id), day, langs[g.r.IntN(len(langs))], rel, strconv.Itoa(cred), strings.Join(ids, ";"))
}

// government writes a ministry with its units; some units hold accounts of
// their own, others are reached through an integrator that acts for them.
func (g *generator) government() {
	mk := ministryKinds[g.r.IntN(len(ministryKinds))]
	country := g.country()
	land := word(g.r)
	s := g.pickScript()
	latinName := "Ministry of " + mk.name + " of " + land
	aliases := []string{}
	name := latinName
	if s != latin {
		name = localName(wMinistry, s, land, true) + " (" + mk.name + ")"
		aliases = append(aliases, latinName)
	}
	aliases = append(aliases, "MO"+strings.ToUpper(mk.name[:1])+" "+land)
	ministry := g.party(partyRow{typ: vigil.PartyGovernment, name: name, aliases: aliases, country: country, sectors: mk.sectors})
	if ministry == "" {
		return
	}
	if g.r.IntN(3) == 0 {
		g.account(ministry, latinName+" (central IT)", country, false)
	}
	inConflict := g.conflict[vigil.CountryOf(country)] != vigil.ConflictNone
	units := 2 + g.r.IntN(10)
	if g.r.IntN(10) == 0 {
		units += 20 // a few very large ministries
	}
	var unitIDs []string
	parent := ministry
	for i := 0; i < units; i++ {
		n := 1 + g.r.IntN(150)
		var uname string
		var ualiases []string
		us := g.pickScript()
		switch mk.unitType {
		case "brigade":
			uname = ordinal(n) + " " + word(g.r) + " Brigade"
			ualiases = []string{localName(wBrigade, us, itoa(n)+"-"+word(g.r), false)}
		case "unit":
			num := 1000 + g.r.IntN(89000)
			uname = "Military Unit " + itoa(num)
			ualiases = []string{"Unit " + itoa(num), localName(wUnit, us, itoa(num), true)}
		case "police":
			region := word(g.r)
			uname = region + " Regional Police Directorate"
			ualiases = []string{localName(wPolice, us, region, false)}
		default:
			uname = word(g.r) + " " + mk.name + " Office"
		}
		typ := vigil.PartyUnit
		if mk.unitType == "office" {
			typ = vigil.PartyGovernment
		}
		uc := country
		if subs := g.occupied[vigil.CountryOf(country)]; len(subs) > 0 && g.r.IntN(3) == 0 {
			uc = subs[g.r.IntN(len(subs))]
		}
		unit := g.party(partyRow{typ: typ, name: uname, aliases: dedupe(ualiases), country: uc, sectors: mk.unitSectors})
		if unit == "" {
			return
		}
		g.link(unit, parent, vigil.LinkUnitOf, 0, "organisation chart")
		unitIDs = append(unitIDs, unit)
		// Some units sit under another unit rather than the ministry.
		if g.r.IntN(4) == 0 {
			parent = unit
		} else {
			parent = ministry
		}
		if g.r.IntN(4) == 0 {
			g.account(unit, uname, uc, inConflict && typ == vigil.PartyUnit && g.r.IntN(2) == 0)
		}
	}
	if g.r.IntN(2) == 0 && len(unitIDs) > 0 {
		// An integrator holds the contract and acts for one of the units.
		integrator := g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " Systems " + legalForms[g.r.IntN(len(legalForms))],
			country: g.country(), sectors: []string{"it_services", "integrator"}})
		if integrator == "" {
			return
		}
		target := unitIDs[g.r.IntN(len(unitIDs))]
		g.link(integrator, target, vigil.LinkActsFor, 0, "procurement notice")
		g.account(integrator, "Integrator contract", country, inConflict)
	}
	if inConflict && len(unitIDs) > 0 {
		g.source([]string{unitIDs[g.r.IntN(len(unitIDs))], ministry}, "the conduct of security units")
	}
}

// resellerChain writes a reseller in one country selling to an integrator
// that acts for an end user elsewhere: the account shows only the reseller.
func (g *generator) resellerChain() {
	reseller := g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " Cloud Partners " + legalForms[g.r.IntN(len(legalForms))],
		country: g.countries[g.r.IntN(len(g.countries))], sectors: []string{"it_services", "reseller"}})
	if reseller == "" {
		return
	}
	integrator := g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " Integration " + legalForms[g.r.IntN(len(legalForms))],
		country: g.country(), sectors: []string{"it_services", "integrator"}})
	g.link(reseller, integrator, vigil.LinkResellsTo, 0, "partner agreement")
	endCountry := g.country()
	var endUser string
	if g.r.IntN(2) == 0 {
		num := 1000 + g.r.IntN(89000)
		endUser = g.party(partyRow{typ: vigil.PartyUnit, name: "Signals Intelligence Unit " + itoa(num),
			aliases: []string{"Unit " + itoa(num)}, country: endCountry, sectors: []string{"military", "intelligence"}})
	} else {
		endUser = g.party(partyRow{typ: vigil.PartyCompany, name: word(g.r) + " " + companyKind(g.r) + " " + legalForms[g.r.IntN(len(legalForms))],
			country: endCountry, sectors: companySectors[g.r.IntN(len(companySectors))]})
	}
	g.link(integrator, endUser, vigil.LinkActsFor, 0, "end-use statement")
	heavy := g.conflict[vigil.CountryOf(endCountry)] != vigil.ConflictNone && g.r.IntN(2) == 0
	g.account(reseller, "Partner account", g.countries[g.r.IntN(len(g.countries))], heavy)
}

func companyKind(r *rand.Rand) string {
	kinds := []string{"Telecom", "Health", "Bank", "Energy", "Media", "Logistics", "Analytics", "Security", "Robotics", "Retail"}
	return kinds[r.IntN(len(kinds))]
}

// holding writes a company group: a parent owning subsidiaries, a director
// controlling the parent, accounts held by the subsidiaries.
func (g *generator) holding() {
	base := word(g.r)
	country := g.country()
	sectors := companySectors[g.r.IntN(len(companySectors))]
	s := g.pickScript()
	form := legalForms[g.r.IntN(len(legalForms))]
	latinName := base + " Group " + form
	name := latinName
	aliases := []string{}
	if s != latin {
		name = localName(wCompany, s, base, s == cyrillic)
		aliases = append(aliases, latinName)
	}
	ids := []string{fmt.Sprintf("reg:%s%08d", vigil.CountryOf(country), g.r.IntN(100000000))}
	parent := g.party(partyRow{typ: vigil.PartyCompany, name: name, aliases: aliases, country: country, ids: ids, sectors: sectors})
	if parent == "" {
		return
	}
	if g.r.IntN(5) == 0 {
		person := g.party(partyRow{typ: vigil.PartyPerson, name: firstNames[g.r.IntN(len(firstNames))] + " " + word(g.r), country: vigil.CountryOf(country)})
		g.link(person, parent, vigil.LinkControls, 0, "company register")
	}
	if g.r.IntN(3) == 0 {
		g.account(parent, latinName, country, false)
	}
	for i := range g.r.IntN(5) {
		sc := country
		if g.r.IntN(3) == 0 {
			sc = g.country()
		}
		sub := g.party(partyRow{typ: vigil.PartyCompany, name: base + " " + companyKind(g.r) + " " + legalForms[g.r.IntN(len(legalForms))],
			country: sc, sectors: sectors, notes: "subsidiary " + itoa(i+1)})
		share := float64(50 + g.r.IntN(51))
		g.link(parent, sub, vigil.LinkOwns, share, "annual report")
		heavy := sectors[0] == "surveillance_technology" && g.conflict[vigil.CountryOf(sc)] != vigil.ConflictNone
		g.account(sub, base+" "+itoa(i+1), sc, heavy)
	}
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	out := vs[:0]
	for _, v := range vs {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
