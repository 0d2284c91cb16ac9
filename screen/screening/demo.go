package screening

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/vigil-hrdd/vigil"
)

// DemoListName is the stored name of the list DemoList imports.
const DemoListName = "demo-watchlist"

// DemoResult is what DemoList did.
type DemoResult struct {
	// File is the list written, in the simple CSV format.
	File   string         `json:"file"`
	Import *ImportSummary `json:"import"`
	Run    *Run           `json:"run"`
	// Showcase is the party the list names (the demo's showcase unit),
	// which now has a pending match; "" when the portfolio has none.
	Showcase string `json:"showcase"`
}

// DemoList derives a small watch list from the portfolio's own synthetic
// names, writes it to dir as a simple CSV, imports it as DemoListName and
// screens the portfolio, so that the demo's showcase unit (the security
// unit whose notes start "showcase:") has a pending match to review.
//
// The list holds the unit under its original-script alias with its short
// "unit + number" alias, its parent ministry, and a decoy: the same unit
// name with the next number, which must not match (numbers are strong
// tokens). Nothing is invented beyond the portfolio: run it again and the
// import is unchanged and the run finds nothing new.
func DemoList(ctx context.Context, s vigil.Store, dir, actor string) (*DemoResult, error) {
	svc, err := New(s, Options{})
	if err != nil {
		return nil, err
	}
	unit, parent, err := showcaseParties(ctx, s)
	if err != nil {
		return nil, err
	}
	if unit == nil {
		return nil, vigil.Errorf(vigil.EINVALID, "the portfolio has no showcase unit (a security unit whose notes start \"showcase:\"): import the demo portfolio first")
	}
	country := strings.ToLower(vigil.CountryOf(unit.Country))
	rows := [][]string{{"id", "name", "aliases", "type", "country", "source"}}
	primary, aliases := unit.Name, []string{}
	for _, a := range unit.Aliases {
		if primary == unit.Name && !isLatin(a) {
			primary = a
			continue
		}
		aliases = append(aliases, a)
	}
	if primary != unit.Name {
		aliases = append(aliases, unit.Name)
	}
	rows = append(rows, []string{"DW-1", primary, strings.Join(aliases, ";"), "organization", country, "Demo watch list"})
	if decoy := nextNumber(unit.Name); decoy != "" {
		rows = append(rows, []string{"DW-2", decoy, "", "organization", country, "Demo watch list"})
	}
	if parent != nil {
		rows = append(rows, []string{"DW-3", parent.Name, strings.Join(parent.Aliases, ";"), "organization",
			strings.ToLower(vigil.CountryOf(parent.Country)), "Demo watch list"})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo list: %w", err)
	}
	path := filepath.Join(dir, DemoListName+".csv")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("demo list: %w", err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return nil, fmt.Errorf("demo list: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("demo list: %w", err)
	}
	imp, err := svc.Import(ctx, ImportRequest{Path: path, Format: "csv", Name: DemoListName, Kind: "military_end_user", Actor: actor})
	if err != nil {
		return nil, err
	}
	run, err := svc.Run(ctx, RunRequest{Delta: true, Actor: actor})
	if err != nil {
		return nil, err
	}
	return &DemoResult{File: path, Import: imp, Run: run, Showcase: unit.ID}, nil
}

// showcaseParties finds the showcase unit and the body it is a unit of.
func showcaseParties(ctx context.Context, s vigil.Store) (unit, parent *vigil.Party, err error) {
	opt := vigil.ListOptions{Limit: 1000, Filters: map[string]string{"type": string(vigil.PartyUnit)}}
	for unit == nil {
		page, err := s.List(ctx, vigil.KindParty, opt)
		if err != nil {
			return nil, nil, fmt.Errorf("demo list: %w", err)
		}
		for _, r := range page.Items {
			if p := r.(*vigil.Party); strings.HasPrefix(p.Notes, "showcase:") {
				unit = p
				break
			}
		}
		if page.Next == "" {
			break
		}
		opt.After = page.Next
	}
	if unit == nil {
		return nil, nil, nil
	}
	links, err := s.LinksOf(ctx, []string{unit.ID})
	if err != nil {
		return nil, nil, fmt.Errorf("demo list: %w", err)
	}
	for _, l := range links {
		if l.Type == vigil.LinkUnitOf && l.From == unit.ID {
			p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, l.To)
			if err != nil {
				return nil, nil, fmt.Errorf("demo list: %w", err)
			}
			return unit, p, nil
		}
	}
	return unit, nil, nil
}

func isLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// nextNumber returns the name with its last number increased by one, ""
// when it ends in no number.
func nextNumber(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		return ""
	}
	f[len(f)-1] = strconv.Itoa(n + 1)
	return strings.Join(f, " ")
}
