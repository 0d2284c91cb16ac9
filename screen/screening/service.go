package screening

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/lists"
)

// Options configure a Service.
type Options struct {
	// Config is the matcher's configuration; screen.DefaultConfig when
	// zero.
	Config screen.Config
	Now    func() time.Time
	Logger *slog.Logger
	// Workers screen parties in parallel (default: all cores).
	Workers int
}

// Service imports lists, screens the portfolio and records the analysts'
// decisions. It keeps the index of the current list versions in memory
// and rebuilds it when a version changes, so it is meant to live as long
// as the process; it is safe for concurrent use.
type Service struct {
	st   Store
	recs vigil.Store
	cfg  screen.Config
	now  func() time.Time
	log  *slog.Logger
	work int

	mu    sync.Mutex
	cache *indexCache
}

type indexCache struct {
	sig     string
	ix      *screen.Index
	entries map[EntryKey]Entry
	kinds   map[string]string
	lists   []ListVersion
}

// New returns a Service over a store that keeps screening data.
func New(s vigil.Store, opt Options) (*Service, error) {
	st, err := StoreOf(s)
	if err != nil {
		return nil, err
	}
	if opt.Config.MatchThreshold == 0 {
		opt.Config = screen.DefaultConfig()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	return &Service{st: st, recs: s, cfg: opt.Config, now: opt.Now, log: opt.Logger, work: opt.Workers}, nil
}

// Store returns the screening store.
func (s *Service) Store() Store { return s.st }

// Config returns the matcher's configuration.
func (s *Service) Config() screen.Config { return s.cfg }

// DefaultKinds is the kind each format's lists get unless the importer
// says otherwise: what the list is about, for the risk rules.
var DefaultKinds = map[string]string{
	"ofac": "sanctions", "un": "sanctions", "eu": "sanctions",
	"csl": "entity_list", "dod": "military_end_user", "ftm": "watchlist", "csv": "watchlist",
}

// ImportRequest imports one list file.
type ImportRequest struct {
	Path   string
	Format string // one of lists.Formats
	// Name is the stored list's name (default: the format); versions of
	// one list share it.
	Name string
	// Kind says what the list is about (default: the current version's,
	// or for a new list DefaultKinds).
	Kind  string
	Actor string
	// File is the name recorded with the version (default: the path's
	// base name); an upload gives the names it was sent with.
	File string
	// shown replaces the temporary directory of an upload in errors,
	// which then name the file as it was sent.
	shown string
}

// ImportSummary is what an import stored.
type ImportSummary struct {
	ListVersion
	// Unchanged is true when the file (or its entries) equals the current
	// version: nothing was stored.
	Unchanged bool `json:"unchanged"`
}

var listNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Import reads a list file and stores it as a new version of the list,
// with what it added, changed and removed since the current version. A
// file whose digest or entries equal the current version's stores
// nothing. A malformed file stores nothing and the error names the file,
// line and field.
func (s *Service) Import(ctx context.Context, req ImportRequest) (*ImportSummary, error) {
	format := strings.ToLower(strings.TrimSpace(req.Format))
	if !slices.Contains(lists.Formats, format) {
		return nil, vigil.FieldError("format", "unknown list format %q (want one of %s)", req.Format, strings.Join(lists.Formats, ", "))
	}
	name := strings.ToLower(strings.TrimSpace(req.Name))
	if name == "" {
		name = format
	}
	if !listNameRE.MatchString(name) {
		return nil, vigil.FieldError("name", "%q: lower-case letters, digits, '.', '_' and '-', at most 63", req.Name)
	}
	var cur *ListVersion
	all, err := s.st.Lists(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].List == name {
			cur = &all[i]
		}
	}
	if cur != nil && cur.Format != format {
		return nil, vigil.Errorf(vigil.ECONFLICT, "list %q holds %s files: import the %s file under another list name", name, cur.Format, format)
	}
	// A version without a kind keeps the list's: what a list is about does
	// not change because the next file was sent without saying it.
	kind := strings.TrimSpace(req.Kind)
	switch {
	case kind != "":
	case cur != nil:
		kind = cur.Kind
	default:
		kind = DefaultKinds[format]
	}
	fileDigest, err := digestPath(req.Path)
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "list %s: %v", req.Path, err)
	}
	var (
		ents  []screen.Entity
		edges []lists.Edge
	)
	if format == "ftm" {
		ents, edges, err = lists.LoadFTM(ctx, req.Path)
	} else {
		ents, err = lists.Load(ctx, format, req.Path)
	}
	if err != nil {
		var pe *lists.ParseError
		if errors.As(err, &pe) {
			shown := *pe
			if req.shown != "" {
				if rel, err := filepath.Rel(req.shown, pe.File); err == nil && !strings.HasPrefix(rel, "..") {
					shown.File = filepath.ToSlash(rel)
				}
			}
			// The field goes in the error's Field (the problem document's
			// field member), so the message says it once.
			shown.Field = ""
			e := vigil.Errorf(vigil.EINVALID, "%s", shown.Error())
			e.Field = pe.Field
			return nil, e
		}
		return nil, vigil.Errorf(vigil.EINVALID, "list %s: %v", req.displayPath(), err)
	}
	if len(ents) == 0 {
		return nil, vigil.Errorf(vigil.EINVALID, "list %s: no entries", req.displayPath())
	}
	contentDigest, hashes := digestEntities(ents)

	base := 0
	var old []screen.Entity
	if cur != nil {
		if cur.FileDigest == fileDigest || cur.ContentDigest == contentDigest {
			return &ImportSummary{ListVersion: *cur, Unchanged: true}, nil
		}
		base = cur.Version
		stored, err := s.st.ListEntries(ctx, name)
		if err != nil {
			return nil, err
		}
		old = make([]screen.Entity, len(stored))
		for i, e := range stored {
			old[i] = e.Entity
		}
	}
	ch := lists.Diff(old, ents)
	version := base + 1
	file := req.File
	if file == "" {
		file = filepath.Base(req.Path)
	}
	v := NewVersion{Base: base, Version: ListVersion{List: name, Version: version, Format: format, Kind: kind, File: file,
		FileDigest: fileDigest, ContentDigest: contentDigest, Entries: len(hashes), Added: len(ch.Added), Changed: len(ch.Changed),
		Removed: len(ch.Removed), ImportedAt: s.now().UTC(), ImportedBy: req.Actor, Current: true}}
	for _, e := range ch.Added {
		v.Upsert = append(v.Upsert, Entry{List: name, Version: version, Hash: hashes[e.ID], Entity: e})
		v.Changes = append(v.Changes, EntryChange{List: name, Version: version, EntryID: e.ID, Change: ChangeAdded, Entity: e})
	}
	for _, c := range ch.Changed {
		v.Upsert = append(v.Upsert, Entry{List: name, Version: version, Hash: hashes[c.ID], Entity: c.New})
		o := c.Old
		v.Changes = append(v.Changes, EntryChange{List: name, Version: version, EntryID: c.ID, Change: ChangeChanged, Fields: c.Fields, Entity: c.New, Old: &o})
	}
	for _, e := range ch.Removed {
		v.Remove = append(v.Remove, e.ID)
		v.Changes = append(v.Changes, EntryChange{List: name, Version: version, EntryID: e.ID, Change: ChangeRemoved, Entity: e})
	}
	v.Version.SuggestedLinks = suggestedLinks(ents, edges)
	if err := s.st.SaveListVersion(ctx, v); err != nil {
		return nil, err
	}
	s.log.Info("screening: list imported", "list", name, "version", version, "entries", len(hashes),
		"added", len(ch.Added), "changed", len(ch.Changed), "removed", len(ch.Removed))
	return &ImportSummary{ListVersion: v.Version}, nil
}

// displayPath is the path as errors show it.
func (r ImportRequest) displayPath() string {
	if r.shown != "" && r.File != "" {
		return r.File
	}
	return r.Path
}

// digestPath hashes a file, or every regular file under a directory with
// its relative name, in name order.
func digestPath(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if !st.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(path, p)
		fmt.Fprintf(h, "%s\x00", rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%d\x00", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// digestEntities hashes each entity and the set of them, so the same
// entries in another order or another file make the same digest. A
// duplicate id counts once, the later one winning, as in lists.Diff.
func digestEntities(ents []screen.Entity) (string, map[string]string) {
	hashes := make(map[string]string, len(ents))
	for _, e := range ents {
		hashes[e.ID] = EntityHash(e)
	}
	ids := make([]string, 0, len(hashes))
	for id := range hashes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	h := sha256.New()
	for _, id := range ids {
		fmt.Fprintf(h, "%s\x00%s\n", id, hashes[id])
	}
	return hex.EncodeToString(h.Sum(nil)), hashes
}

func suggestedLinks(ents []screen.Entity, edges []lists.Edge) []SuggestedLink {
	if len(edges) == 0 {
		return nil
	}
	names := make(map[string]string, len(ents))
	for _, e := range ents {
		names[e.ID] = EntityName(e)
	}
	out := make([]SuggestedLink, 0, len(edges))
	for _, g := range edges {
		out = append(out, SuggestedLink{From: g.From, FromName: names[g.From], To: g.To, ToName: names[g.To], Type: g.Type, Share: g.Share})
	}
	return out
}

// index returns the index of the current list versions, building it when
// a version changed since the last call.
func (s *Service) index(ctx context.Context) (*indexCache, error) {
	ls, err := s.st.Lists(ctx)
	if err != nil {
		return nil, err
	}
	var sig strings.Builder
	for _, l := range ls {
		sig.WriteString(l.List + "@" + strconv.Itoa(l.Version) + ";")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil && s.cache.sig == sig.String() {
		return s.cache, nil
	}
	entries, err := s.st.ListEntries(ctx, "")
	if err != nil {
		return nil, err
	}
	c := &indexCache{sig: sig.String(), lists: ls, kinds: map[string]string{}, entries: make(map[EntryKey]Entry, len(entries))}
	for _, l := range ls {
		c.kinds[l.List] = l.Kind
	}
	c.ix = buildIndex(entries, c.entries, s.cfg)
	s.cache = c
	return c, nil
}

// buildIndex indexes entries under their stored list's name, so that a
// result names the list it came from even when two lists share an id
// scheme; byKey receives each entry by that key.
func buildIndex(entries []Entry, byKey map[EntryKey]Entry, cfg screen.Config) *screen.Index {
	ents := make([]screen.Entity, len(entries))
	for i, e := range entries {
		ents[i] = e.Entity
		ents[i].List = e.List
		if byKey != nil {
			byKey[EntryKey{List: e.List, ID: e.Entity.ID}] = e
		}
	}
	return screen.NewIndex(ents, screen.Options{Config: cfg})
}

// Screen screens one name against the current list versions. Results name
// the stored list in Entity.List.
func (s *Service) Screen(ctx context.Context, q screen.Query, limit int) ([]screen.Result, []ListVersion, error) {
	if strings.TrimSpace(q.Name) == "" {
		return nil, nil, vigil.FieldError("name", "must not be empty")
	}
	c, err := s.index(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(c.lists) == 0 {
		return nil, nil, vigil.Errorf(vigil.EINVALID, "no list imported yet: import one first (vigil lists import)")
	}
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	return c.ix.Screen(q, limit), c.lists, nil
}

// QueryOf is what is screened of a party: its names, its country (the
// ISO 3166-1 part of a subdivision), its type as the matcher's classes,
// its identifiers and the names of its direct parent bodies.
func QueryOf(p *vigil.Party, parents []string) screen.Query {
	q := screen.Query{ID: p.ID, Name: p.Name, Aliases: slices.Clone(p.Aliases), Type: "organization"}
	if p.Type == vigil.PartyPerson {
		q.Type = "person"
	}
	if c := vigil.CountryOf(p.Country); c != "" {
		q.Country = strings.ToLower(c)
	}
	for _, id := range p.Identifiers {
		q.Identifiers = append(q.Identifiers, screen.Identifier{Scheme: id.Scheme, Value: id.Value})
	}
	parents = slices.Clone(parents)
	slices.Sort(parents)
	q.Parents = slices.Compact(parents)
	return q
}

// parentEdge returns the child and the parent body a link joins, or false
// for a link that is not about a parent body (resells_to, acts_for).
func parentEdge(l *vigil.Link) (child, parent string, ok bool) {
	switch l.Type {
	case vigil.LinkOwns, vigil.LinkControls:
		return l.To, l.From, true
	case vigil.LinkUnitOf:
		return l.From, l.To, true
	}
	return "", "", false
}

// partyQueries reads every party and the names of its direct parents.
func (s *Service) partyQueries(ctx context.Context) ([]screen.Query, map[string]string, error) {
	var parties []*vigil.Party
	opt := vigil.ListOptions{Limit: 1000}
	for {
		page, err := s.recs.List(ctx, vigil.KindParty, opt)
		if err != nil {
			return nil, nil, fmt.Errorf("list parties: %w", err)
		}
		for _, r := range page.Items {
			parties = append(parties, r.(*vigil.Party))
		}
		if page.Next == "" {
			break
		}
		opt.After = page.Next
	}
	names := make(map[string]string, len(parties))
	ids := make([]string, len(parties))
	for i, p := range parties {
		names[p.ID] = p.Name
		ids[i] = p.ID
	}
	parentsOf := map[string][]string{}
	for lo := 0; lo < len(ids); lo += 500 {
		links, err := s.recs.LinksOf(ctx, ids[lo:min(lo+500, len(ids))])
		if err != nil {
			return nil, nil, fmt.Errorf("links of parties: %w", err)
		}
		for _, l := range links {
			child, parent, ok := parentEdge(l)
			if !ok {
				continue
			}
			if n, ok := names[parent]; ok && !slices.Contains(parentsOf[child], n) {
				parentsOf[child] = append(parentsOf[child], n)
			}
		}
	}
	qs := make([]screen.Query, len(parties))
	for i, p := range parties {
		qs[i] = QueryOf(p, parentsOf[p.ID])
	}
	return qs, names, nil
}

// linksOf returns the links of the parties, asked in slices the stores
// take in one query.
func (s *Service) linksOf(ctx context.Context, ids []string) ([]*vigil.Link, error) {
	var out []*vigil.Link
	for lo := 0; lo < len(ids); lo += 500 {
		links, err := s.recs.LinksOf(ctx, ids[lo:min(lo+500, len(ids))])
		if err != nil {
			return nil, fmt.Errorf("links of parties: %w", err)
		}
		out = append(out, links...)
	}
	return out, nil
}

// queriesFor reads the named parties and the parties directly under them
// (whose queries carry their parents' names, so a renamed parent body
// changes them too), with the names of each one's parents. A party that no
// longer exists is left out.
func (s *Service) queriesFor(ctx context.Context, ids []string) ([]screen.Query, map[string]string, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	links, err := s.linksOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	named := map[string]bool{}
	for _, id := range ids {
		named[id] = true
	}
	var children []string
	for _, l := range links {
		if child, parent, ok := parentEdge(l); ok && named[parent] && !named[child] && !slices.Contains(children, child) {
			children = append(children, child)
		}
	}
	if len(children) > 0 {
		more, err := s.linksOf(ctx, children)
		if err != nil {
			return nil, nil, err
		}
		links = append(links, more...)
	}
	targets := append(ids, children...)
	parties := map[string]*vigil.Party{}
	get := func(id string) (*vigil.Party, error) {
		if p, ok := parties[id]; ok {
			return p, nil
		}
		p, err := vigil.GetAs[*vigil.Party](ctx, s.recs, vigil.KindParty, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			parties[id] = nil
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("party %s: %w", id, err)
		}
		parties[id] = p
		return p, nil
	}
	inTargets := map[string]bool{}
	for _, id := range targets {
		inTargets[id] = true
	}
	parentsOf := map[string][]string{}
	seen := map[string]bool{}
	for _, l := range links {
		child, parent, ok := parentEdge(l)
		if !ok || !inTargets[child] || seen[l.ID] {
			continue
		}
		seen[l.ID] = true
		p, err := get(parent)
		if err != nil {
			return nil, nil, err
		}
		if p != nil && !slices.Contains(parentsOf[child], p.Name) {
			parentsOf[child] = append(parentsOf[child], p.Name)
		}
	}
	var qs []screen.Query
	names := map[string]string{}
	for _, id := range targets {
		p, err := get(id)
		if err != nil {
			return nil, nil, err
		}
		if p == nil {
			continue
		}
		names[p.ID] = p.Name
		qs = append(qs, QueryOf(p, parentsOf[p.ID]))
	}
	return qs, names, nil
}

// RunRequest starts a portfolio run.
type RunRequest struct {
	// Delta screens only parties whose screened content changed since the
	// last run (against every entry) and every party against only the
	// entries added or changed since the last run. The first run is full.
	Delta bool
	// Parties, with Delta, narrows the run to these parties and the
	// parties directly under them: each whose screened content changed
	// since it was last screened is screened against every current entry,
	// and nothing else is. List versions not screened yet stay unscreened
	// for the rest of the portfolio. Before any run it is ignored (the
	// first run is full). A narrowed run that finds nothing to screen
	// stores nothing and returns a Run without an ID.
	Parties []string
	Actor   string
}

// Run screens the portfolio against the current list versions and stores
// the matches: new ones pending, dismissed ones back to pending when the
// party or the entry changed, pending ones no longer found cleared.
func (s *Service) Run(ctx context.Context, req RunRequest) (*Run, error) {
	start := s.now().UTC()
	lists, err := s.st.Lists(ctx)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, vigil.Errorf(vigil.EINVALID, "no list imported yet: import one first (vigil lists import)")
	}
	kinds := map[string]string{}
	for _, l := range lists {
		kinds[l.List] = l.Kind
	}
	cur, err := s.st.ScreeningCursor(ctx)
	if err != nil {
		return nil, err
	}
	if req.Delta && len(req.Parties) > 0 && len(cur.Parties) > 0 {
		return s.runParties(ctx, req, cur, lists, kinds, start)
	}
	queries, names, err := s.partyQueries(ctx)
	if err != nil {
		return nil, err
	}
	s.log.Debug("screening: parties read", "parties", len(queries), "took", time.Since(start))
	full := !req.Delta || len(cur.Parties) == 0
	res := RunResult{All: full, Run: Run{ID: runID(start), Mode: "full", StartedAt: start, Actor: req.Actor,
		Lists: map[string]int{}, Parties: len(queries)}}
	for _, l := range lists {
		res.Run.Lists[l.List] = l.Version
	}
	hashes := make([]string, len(queries))
	for i, q := range queries {
		hashes[i] = QueryHash(q)
	}

	var fullQ, deltaQ []int // indexes of queries screened against all entries, and against new ones
	var deltaIx *screen.Index
	deltaEntries := map[EntryKey]Entry{}
	if full {
		for i := range queries {
			fullQ = append(fullQ, i)
		}
	} else {
		res.Run.Mode = "delta"
		for i, q := range queries {
			if cur.Parties[q.ID] != hashes[i] {
				fullQ = append(fullQ, i)
			} else {
				deltaQ = append(deltaQ, i)
			}
		}
		since := map[string]int{}
		for _, l := range lists {
			if v, ok := cur.Lists[l.List]; ok {
				since[l.List] = v
			}
		}
		fresh, err := s.st.EntriesSince(ctx, since)
		if err != nil {
			return nil, err
		}
		for _, e := range fresh {
			res.Entries = append(res.Entries, EntryKey{List: e.List, ID: e.Entity.ID})
		}
		if len(fresh) > 0 && len(deltaQ) > 0 {
			deltaIx = buildIndex(fresh, deltaEntries, s.cfg)
		}
		if deltaIx == nil {
			deltaQ = nil
		}
	}
	res.Run.PartiesScreened = len(fullQ)
	res.Run.EntriesScreened = len(res.Entries)
	for _, i := range fullQ {
		// A full run's scope is every party anyway (All); only changed
		// hashes need writing, which keeps a large portfolio's run from
		// rewriting a row per party.
		if !full || cur.Parties[queries[i].ID] != hashes[i] {
			res.Parties = append(res.Parties, PartyState{PartyID: queries[i].ID, Hash: hashes[i]})
		}
	}

	// The index of every entry is built (or taken from the cache) only
	// when some party needs it: an idle delta run builds none.
	var c *indexCache
	if len(fullQ) > 0 {
		if c, err = s.index(ctx); err != nil {
			return nil, err
		}
		for _, l := range c.lists {
			res.Run.Lists[l.List] = l.Version
			kinds[l.List] = l.Kind
		}
	}
	s.log.Debug("screening: index ready", "took", time.Since(start))
	jobs := make([]job, 0, len(fullQ)+len(deltaQ))
	for _, i := range fullQ {
		jobs = append(jobs, job{i, c.ix, c.entries})
	}
	for _, i := range deltaQ {
		jobs = append(jobs, job{i, deltaIx, deltaEntries})
	}
	if res.Findings, err = s.screenJobs(ctx, jobs, queries, hashes, names, kinds); err != nil {
		return nil, err
	}
	return s.saveRun(ctx, res)
}

// runParties is the narrowed delta run of RunRequest.Parties.
func (s *Service) runParties(ctx context.Context, req RunRequest, cur *Cursor, lists []ListVersion, kinds map[string]string, start time.Time) (*Run, error) {
	queries, names, err := s.queriesFor(ctx, req.Parties)
	if err != nil {
		return nil, err
	}
	res := RunResult{Run: Run{ID: runID(start), Mode: "delta", StartedAt: start, Actor: req.Actor, Lists: map[string]int{}, Parties: len(queries)}}
	// The versions recorded as screened stay what they were: the rest of
	// the portfolio has not met a newer version's entries yet.
	for _, l := range lists {
		if v, ok := cur.Lists[l.List]; ok {
			res.Run.Lists[l.List] = v
		}
	}
	hashes := make([]string, len(queries))
	var todo []int
	for i, q := range queries {
		hashes[i] = QueryHash(q)
		if cur.Parties[q.ID] != hashes[i] {
			todo = append(todo, i)
			res.Parties = append(res.Parties, PartyState{PartyID: q.ID, Hash: hashes[i]})
		}
	}
	res.Run.PartiesScreened = len(todo)
	if len(todo) == 0 {
		res.Run.ID = ""
		res.Run.FinishedAt = s.now().UTC()
		return &res.Run, nil
	}
	c, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range c.lists {
		kinds[l.List] = l.Kind
	}
	jobs := make([]job, len(todo))
	for j, i := range todo {
		jobs[j] = job{i, c.ix, c.entries}
	}
	if res.Findings, err = s.screenJobs(ctx, jobs, queries, hashes, names, kinds); err != nil {
		return nil, err
	}
	return s.saveRun(ctx, res)
}

// job is one party (an index into the run's queries) to screen against an
// index whose entries are in by.
type job struct {
	q  int
	ix *screen.Index
	by map[EntryKey]Entry
}

// screenJobs screens the jobs on the service's workers.
func (s *Service) screenJobs(ctx context.Context, jobs []job, queries []screen.Query, hashes []string, names, kinds map[string]string) ([]Finding, error) {
	found := make([][]Finding, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range s.work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				jb := jobs[j]
				q := queries[jb.q]
				for _, r := range jb.ix.Screen(q, 10) {
					e, ok := jb.by[EntryKey{List: r.Entity.List, ID: r.Entity.ID}]
					if !ok {
						continue
					}
					found[j] = append(found[j], Finding{PartyID: q.ID, PartyName: names[q.ID], PartyHash: hashes[jb.q], Entry: e,
						ListKind: kinds[e.List], Score: round3(r.Score), Decision: r.Decision, Explanation: r.Explanation})
				}
			}
		}()
	}
	for j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Finding
	for _, f := range found {
		out = append(out, f...)
	}
	return out, nil
}

func (s *Service) saveRun(ctx context.Context, res RunResult) (*Run, error) {
	s.log.Debug("screening: screened", "findings", len(res.Findings), "took", time.Since(res.Run.StartedAt))
	res.Run.FinishedAt = s.now().UTC()
	run, err := s.st.SaveRun(ctx, res)
	if err != nil {
		return nil, err
	}
	s.log.Info("screening: run", "mode", run.Mode, "parties", run.Parties, "parties_screened", run.PartiesScreened,
		"entries_screened", run.EntriesScreened, "found", run.Found, "reopened", run.Reopened, "cleared", run.Cleared)
	return run, nil
}

// round3 keeps scores to three decimals, so a rescoring by a float's last
// bit is not a change.
func round3(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 3, 64), 64)
	return v
}

func runID(t time.Time) string {
	var b [4]byte
	sum := sha256.Sum256([]byte(t.Format(time.RFC3339Nano)))
	copy(b[:], sum[:])
	return "SR" + t.Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Decide confirms or dismisses a match.
func (s *Service) Decide(ctx context.Context, id, status, reason, actor string) (*Match, error) {
	return s.st.DecideMatch(ctx, DecideRequest{MatchID: id, Status: status, Reason: strings.TrimSpace(reason), Actor: actor, At: s.now().UTC()})
}

// PartyMatches returns the matches of a party and, with chain, of its
// parents and the end users behind it (portfolio.Walk), best first.
func (s *Service) PartyMatches(ctx context.Context, partyID string, chain bool) ([]*Match, error) {
	if _, err := s.recs.Get(ctx, vigil.KindParty, partyID); err != nil {
		return nil, err
	}
	ids := []string{partyID}
	if chain {
		c, err := portfolio.Walk(ctx, s.recs, partyID)
		if err != nil {
			return nil, err
		}
		for _, st := range slices.Concat(c.Parents, c.Downstream) {
			ids = append(ids, st.PartyID)
		}
	}
	var out []*Match
	f := MatchFilter{PartyIDs: ids, Limit: 1000}
	for {
		page, err := s.st.ListMatches(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
}
