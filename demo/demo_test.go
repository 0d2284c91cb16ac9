package demo_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/portfolio"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

func TestSameSeedSameFiles(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	if _, err := demo.Generate(a, demo.Options{Parties: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(b, demo.Options{Parties: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(c, demo.Options{Parties: 3000, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	for _, k := range vigil.Kinds {
		fa, _ := os.ReadFile(filepath.Join(a, string(k)+".csv"))
		fb, _ := os.ReadFile(filepath.Join(b, string(k)+".csv"))
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between two runs with the same seed", k)
		}
	}
	pa, _ := os.ReadFile(filepath.Join(a, "parties.csv"))
	pc, _ := os.ReadFile(filepath.Join(c, "parties.csv"))
	if bytes.Equal(pa, pc) {
		t.Error("two seeds gave the same parties")
	}
}

func TestPortfolioImportsAndHasTheRightShape(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	counts, err := demo.Generate(dir, demo.Options{Parties: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if counts[vigil.KindParty] != 5000 {
		t.Fatalf("parties = %d, want exactly 5000", counts[vigil.KindParty])
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sums, err := transfer.ImportDir(ctx, db, dir, "demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if int(s.Created) != counts[s.Kind] {
			t.Errorf("%s: created %d, generated %d", s.Kind, s.Created, counts[s.Kind])
		}
	}

	// Every country has a context row, and some subdivisions are occupied.
	ctxPage, err := db.List(ctx, vigil.KindContext, vigil.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	countries, subdivisions, conflicts := 0, 0, 0
	for _, r := range ctxPage.Items {
		c := r.(*vigil.CountryContext)
		if strings.Contains(c.ID, "-") {
			subdivisions++
		} else {
			countries++
		}
		if c.Status == vigil.ConflictActive || c.Status == vigil.ConflictOccupation {
			conflicts++
		}
	}
	if countries != len(vigil.CountryCodes()) || subdivisions == 0 || conflicts == 0 {
		t.Fatalf("contexts: %d countries (want %d), %d subdivisions, %d in conflict", countries, len(vigil.CountryCodes()), subdivisions, conflicts)
	}

	// Names come in several scripts.
	scripts := map[string]bool{}
	for page, after := 0, ""; page < 100; page++ {
		p, err := db.List(ctx, vigil.KindParty, vigil.ListOptions{Limit: 1000, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			for _, n := range append([]string{r.(*vigil.Party).Name}, r.(*vigil.Party).Aliases...) {
				for _, tab := range []*unicode.RangeTable{unicode.Cyrillic, unicode.Arabic, unicode.Hebrew, unicode.Greek, unicode.Han} {
					for _, ch := range n {
						if unicode.Is(tab, ch) {
							scripts[tabName(tab)] = true
						}
					}
				}
			}
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(scripts) < 5 {
		t.Fatalf("names use only %v", scripts)
	}

	// Resellers hide end users: some account holder's chain ends at a
	// security unit that holds no account itself.
	links, err := db.List(ctx, vigil.KindLink, vigil.ListOptions{Filters: map[string]string{"type": "resells_to"}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(links.Items) == 0 {
		t.Fatal("no reseller links")
	}
	hidden := 0
	for _, r := range links.Items {
		c, err := portfolio.Walk(ctx, db, r.(*vigil.Link).From)
		if err != nil {
			t.Fatal(err)
		}
		for _, eu := range c.EndUsers {
			if eu.Depth >= 2 {
				hidden++
			}
		}
	}
	if hidden == 0 {
		t.Fatal("no end user sits two or more links behind a reseller")
	}
	// Ministries have units.
	units, err := db.List(ctx, vigil.KindLink, vigil.ListOptions{Filters: map[string]string{"type": "unit_of"}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(units.Items) < 100 {
		t.Fatalf("only %d unit_of links in 5000 parties", len(units.Items))
	}
}

func tabName(t *unicode.RangeTable) string {
	switch t {
	case unicode.Cyrillic:
		return "Cyrillic"
	case unicode.Arabic:
		return "Arabic"
	case unicode.Hebrew:
		return "Hebrew"
	case unicode.Greek:
		return "Greek"
	}
	return "Han"
}

func TestShowcaseComesFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := demo.Generate(dir, demo.Options{Parties: 10, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := transfer.ImportDir(ctx, db, dir, "demo", nil); err != nil {
		t.Fatal(err)
	}
	acc, err := vigil.GetAs[*vigil.Account](ctx, db, vigil.KindAccount, "A0000001")
	if err != nil {
		t.Fatal(err)
	}
	eu, err := portfolio.EndUsersOf(ctx, db, acc.PartyID)
	if err != nil {
		t.Fatal(err)
	}
	unit, err := vigil.GetAs[*vigil.Party](ctx, db, vigil.KindParty, eu[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(eu) != 1 || unit.Type != vigil.PartyUnit || !strings.HasPrefix(unit.Notes, "showcase:") {
		t.Fatalf("end user behind the showcase reseller: %+v", unit)
	}
	c, err := vigil.GetAs[*vigil.CountryContext](ctx, db, vigil.KindContext, unit.Country)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != vigil.ConflictOccupation {
		t.Fatalf("showcase unit's territory %s is %s, want occupation", unit.Country, c.Status)
	}
	subs, err := db.List(ctx, vigil.KindSubscription, vigil.ListOptions{Filters: map[string]string{"account_id": "A0000001"}})
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for _, r := range subs.Items {
		services = append(services, r.(*vigil.Subscription).ServiceID)
	}
	for _, want := range []string{"object-storage", "speech-to-text", "translation"} {
		if !slices.Contains(services, want) {
			t.Errorf("showcase account lacks %s: %v", want, services)
		}
	}
}

func TestRejectsZeroParties(t *testing.T) {
	if _, err := demo.Generate(t.TempDir(), demo.Options{Parties: 0}); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("error %v", err)
	}
}
