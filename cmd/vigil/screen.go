package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil/internal/hugepages"
	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/lists"
)

// newScreenCmd is the batch screening mode: lists and parties in, matches
// out, no database, so pipelines and auditors can run it anywhere. Its
// subcommand portfolio screens the stored portfolio against the stored
// lists (vigil lists import).
func newScreenCmd(g *globals) *cobra.Command {
	var (
		listPaths, listFormats []string
		input, output          string
		limit, workers         int
		matchT, reviewT        float64
		hugePages              bool
	)
	cmd := &cobra.Command{
		Use:   "screen --list FILE --list-format FORMAT [--list FILE --list-format FORMAT ...] --input parties.csv --output matches.csv",
		Short: "Screen a party CSV against risk lists, without a database",
		Long: `Screen every party of a CSV file against one or more risk lists and write
one row per candidate at or above the review threshold, with the score, the
decision (match or review) and a one-line explanation.

List formats: csv (id,name,aliases,type,country,source), ofac (legacy SDN or
consolidated CSV; give any of its files or the directory), un (consolidated
XML), eu (annex CSV, a directory of them, or FSF XML), csl, dod (1260H), ftm
(FollowTheMoney JSON lines). Give --list-format once for all lists or once per
--list, in the same order.

The input needs a header with at least id,name,country; type, aliases and
parents (both separated by ';') are optional. Use - for standard input or output.

To screen the stored portfolio against stored list versions instead, see
'vigil screen portfolio' and 'vigil lists import'.`,
		Example: `  vigil screen --list sdn.csv --list-format ofac --list UN_consolidated.xml --list-format un \
    --input parties.csv --output matches.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(listPaths) == 0 {
				return usagef("at least one --list FILE is required")
			}
			if input == "" || output == "" {
				return usagef("--input and --output are required (- for standard input or output)")
			}
			cfg := screen.DefaultConfig()
			if matchT > 0 {
				cfg.MatchThreshold = matchT
			}
			if reviewT > 0 {
				cfg.ReviewThreshold = reviewT
			}
			if cfg.ReviewThreshold > cfg.MatchThreshold {
				return usagef("--review-threshold %.2f is above --match-threshold %.2f", cfg.ReviewThreshold, cfg.MatchThreshold)
			}
			built, err := buildScreenIndex(cmd.Context(), listPaths, listFormats, cfg, hugePages)
			if err != nil {
				return err
			}
			ix := built.ix

			parties, err := loadParties(input)
			if err != nil {
				return err
			}
			out, closeOut, err := openOut(output)
			if err != nil {
				return err
			}
			t0, c0 := time.Now(), processCPU()
			nMatch, nReview, err := screenParties(ix, parties, out, limit, workers)
			took, cpu := time.Since(t0), processCPU()-c0
			if cerr := closeOut(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "screened %d parties against %d entities (%d names) from %d lists: %d match, %d review rows; load %s, index %s, screen %s (%s)\n",
				len(parties), ix.Len(), ix.Names(), len(listPaths), nMatch, nReview,
				built.loaded.Round(time.Millisecond), built.indexed.Round(time.Millisecond), took.Round(time.Millisecond), screenRate(len(parties), took, cpu))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&listPaths, "list", nil, "list file (repeatable)")
	f.StringArrayVar(&listFormats, "list-format", nil, "format of each --list: "+strings.Join(lists.Formats, ", "))
	f.StringVar(&input, "input", "", "party CSV (header id,name,country[,type,aliases]); - for standard input")
	f.StringVar(&output, "output", "", "matches CSV to write; - for standard output")
	f.IntVar(&limit, "limit", 10, "most candidates reported per party")
	f.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel screening workers")
	f.Float64Var(&matchT, "match-threshold", 0, fmt.Sprintf("score for a match (default %.2f)", screen.DefaultConfig().MatchThreshold))
	f.Float64Var(&reviewT, "review-threshold", 0, fmt.Sprintf("lowest score reported, as review (default %.2f)", screen.DefaultConfig().ReviewThreshold))
	f.BoolVar(&hugePages, "huge-pages", true, "ask the system for huge pages for the index once built (Linux; faster lookups, see docs/screening.md)")
	cmd.AddCommand(newScreenPortfolioCmd(g))
	return cmd
}

// builtIndex is a screening index built from list files, with what it
// took.
type builtIndex struct {
	ix              *screen.Index
	loaded, indexed time.Duration
	huge            hugepages.Stats
}

// buildScreenIndex loads the lists (formats: one for all, or one per list)
// and indexes them; with hugePages it then asks the system to back the
// process's memory, the index first of all, with huge pages: screening
// reads the index at random, and on virtual machines address translation
// was a fifth of its time.
func buildScreenIndex(ctx context.Context, listPaths, listFormats []string, cfg screen.Config, hugePages bool) (builtIndex, error) {
	var b builtIndex
	switch {
	case len(listPaths) == 0:
		return b, usagef("at least one --list FILE is required")
	case len(listFormats) == 1:
		for len(listFormats) < len(listPaths) {
			listFormats = append(listFormats, listFormats[0])
		}
	case len(listFormats) != len(listPaths):
		return b, usagef("%d --list but %d --list-format: give one format, or one per list", len(listPaths), len(listFormats))
	}
	start := time.Now()
	var ents []screen.Entity
	for i, p := range listPaths {
		es, err := lists.Load(ctx, listFormats[i], p)
		if err != nil {
			return b, fmt.Errorf("list %s: %w", p, err)
		}
		ents = append(ents, es...)
	}
	b.loaded = time.Since(start)
	b.ix = screen.NewIndex(ents, screen.Options{Config: cfg})
	b.indexed = time.Since(start) - b.loaded
	if hugePages {
		b.huge = hugepages.Advise()
		if b.huge.Err != nil {
			slog.DebugContext(ctx, "no huge pages", "err", b.huge.Err)
		}
	}
	return b, nil
}

// screenRate says how fast parties were screened: per second of wall
// time, and per CPU second of this process (per core).
func screenRate(n int, wall, cpu time.Duration) string {
	r := fmt.Sprintf("%.0f parties/s", float64(n)/wall.Seconds())
	if cpu > 0 {
		r += fmt.Sprintf(", %.0f per CPU-second", float64(n)/cpu.Seconds())
	}
	return r
}

func openIn(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func openOut(path string) (io.Writer, func() error, error) {
	if path == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// loadParties reads the party CSV at path ("-" is standard input).
func loadParties(path string) ([]screen.Query, error) {
	in, closeIn, err := openIn(path)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	return readParties(in, path)
}

// readParties reads the party CSV. A bad file is rejected whole, naming
// the line, so a half-screened portfolio never looks complete.
func readParties(r io.Reader, name string) ([]screen.Query, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, want a header with id,name,country", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, req := range []string{"id", "name", "country"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("%s: line 1: header lacks column %q (want at least id,name,country)", name, req)
		}
	}
	get := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []screen.Query
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s: line %d: %d fields, header has %d", name, line, len(rec), len(header))
		}
		q := screen.Query{ID: get(rec, "id"), Name: get(rec, "name"), Type: get(rec, "type")}
		if q.ID == "" || q.Name == "" {
			return nil, fmt.Errorf("%s: line %d: id and name are required", name, line)
		}
		var ctry []string
		for _, c := range strings.Split(get(rec, "country"), ";") {
			if n := lists.NormalizeCountry(c); n != "" {
				ctry = append(ctry, n)
			}
		}
		q.Country = strings.Join(ctry, ";")
		for _, a := range strings.Split(get(rec, "aliases"), ";") {
			if a = strings.TrimSpace(a); a != "" {
				q.Aliases = append(q.Aliases, a)
			}
		}
		// Optional parent bodies or owners, evidence for the parent
		// feature.
		for _, p := range strings.Split(get(rec, "parents")+";"+get(rec, "parent"), ";") {
			if p = strings.TrimSpace(p); p != "" {
				q.Parents = append(q.Parents, p)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// screenParties screens in parallel and writes in input order.
func screenParties(ix *screen.Index, parties []screen.Query, w io.Writer, limit, workers int) (nMatch, nReview int, err error) {
	if workers < 1 {
		workers = 1
	}
	results := make([][]screen.Result, len(parties))
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				results[j] = ix.Screen(parties[j], limit)
			}
		}()
	}
	for j := range parties {
		next <- j
	}
	close(next)
	wg.Wait()
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"query_id", "query_name", "entity_id", "entity_name", "score", "decision", "explanation"}); err != nil {
		return 0, 0, err
	}
	for j, rs := range results {
		for _, r := range rs {
			name := ""
			if len(r.Entity.Names) > 0 {
				name = r.Entity.Names[0].Value
			}
			if r.Decision == screen.Match {
				nMatch++
			} else {
				nReview++
			}
			if err := cw.Write([]string{parties[j].ID, parties[j].Name, r.Entity.ID, name,
				strconv.FormatFloat(r.Score, 'f', 3, 64), string(r.Decision), r.Explanation.String()}); err != nil {
				return 0, 0, err
			}
		}
	}
	cw.Flush()
	return nMatch, nReview, cw.Error()
}
