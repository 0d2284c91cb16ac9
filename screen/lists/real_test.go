package lists

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

// Expected counts come from SOURCES.md in the shared data directory, or,
// where it gives none, were counted independently of this package (with
// Python's csv and ElementTree modules).

func TestOFACSDN2021(t *testing.T) {
	dir := sharedData(t, "ofac", "sdn_2021-07")
	es, err := Load(context.Background(), "ofac", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 8976 {
		t.Fatalf("got %d SDN entries, want 8976", len(es))
	}
	checkEntities(t, "ofac-sdn", es)
	m := byID(es)
	bnc := m["ofac-sdn:306"]
	if !hasName(bnc, "BANCO NACIONAL DE CUBA", "primary") || !hasName(bnc, "NATIONAL BANK OF CUBA", "aka") || !hasName(bnc, "BNC", "weak") {
		t.Errorf("306: names %+v", bnc.Names)
	}
	for _, c := range []string{"ch", "es", "jp", "pa"} {
		if !hasString(bnc.Countries, c) {
			t.Errorf("306: countries %v lack %s (from add.csv)", bnc.Countries, c)
		}
	}
	// Remarks continued in sdn_comments.csv are joined before parsing.
	if e := m["ofac-sdn:12300"]; !strings.Contains(e.Remarks, "Linked To: FUNDACION PARA EL BIENESTAR") {
		t.Errorf("12300: comment continuation not joined: %q", e.Remarks)
	}
	aliases, weak := 0, 0
	for _, e := range es {
		for _, n := range e.Names {
			switch n.Kind {
			case "aka", "fka", "nka":
				aliases++
			case "weak":
				weak++
			}
		}
	}
	// alt.csv has 11,910 rows; a few repeat the primary name exactly.
	if aliases < 11800 || aliases > 11910 {
		t.Errorf("aliases from alt.csv = %d, want about 11,910", aliases)
	}
	if weak < 1000 {
		t.Errorf("only %d weak a.k.a.s found in remarks", weak)
	}
	t.Logf("SDN 2021-07: %d entries, %d aliases, %d weak aliases", len(es), aliases, weak)
}

func TestOFACSDN2024Types(t *testing.T) {
	p := sharedData(t, "ofac", "sdn_2024-05-03", "sdn.csv")
	es, err := Load(context.Background(), "ofac", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 14965 {
		t.Fatalf("got %d, want 14965", len(es))
	}
	checkEntities(t, "ofac-sdn", es)
	got := countBy(es, func(e screen.Entity) string { return e.Type })
	want := map[string]int{"person": 6854, "vessel": 851, "aircraft": 376, "organization": 6884}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("type %s: got %d, want %d", k, got[k], v)
		}
	}
	ids := 0
	for _, e := range es {
		ids += len(e.Identifiers)
	}
	if ids < 8000 {
		t.Errorf("only %d identifiers parsed from remarks", ids)
	}
}

// The 2025 alt.csv joined to the 2024 sdn.csv: 7,246 of the 8,191
// alias-bearing entries resolve (SOURCES.md); the rest are ignored.
func TestOFACJoinAcrossSnapshots(t *testing.T) {
	prim := sharedData(t, "ofac", "sdn_2024-05-03", "sdn.csv")
	alt := sharedData(t, "ofac", "sdn_2025-02-27_partial", "alt.csv")
	pf, err := os.Open(prim)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	af, err := os.Open(alt)
	if err != nil {
		t.Fatal(err)
	}
	defer af.Close()
	es, err := ParseOFAC(context.Background(), "ofac-sdn", OFACSource{prim, pf}, OFACSource{alt, af}, OFACSource{}, OFACSource{})
	if err != nil {
		t.Fatal(err)
	}
	withAlias := 0
	for _, e := range es {
		for _, n := range e.Names {
			if n.Kind == "aka" || n.Kind == "fka" || n.Kind == "nka" {
				withAlias++
				break
			}
		}
	}
	// An entry whose only alias equals its primary name shows no alias.
	if withAlias < 7200 || withAlias > 7246 {
		t.Errorf("entries with aliases = %d, want about 7,246", withAlias)
	}
}

func TestOFACPartialDirWithoutPrimary(t *testing.T) {
	dir := sharedData(t, "ofac", "sdn_2025-02-27_partial")
	if _, err := Load(context.Background(), "ofac", dir); err == nil || !strings.Contains(err.Error(), "sdn.csv") {
		t.Fatalf("want an error naming the missing sdn.csv, got %v", err)
	}
}

func TestOFACConsolidated(t *testing.T) {
	dir := sharedData(t, "ofac", "non_sdn_consolidated_2025-12")
	for _, p := range []string{dir, filepath.Join(dir, "cons_prim.csv"), filepath.Join(dir, "cons_alt.csv")} {
		es, err := Load(context.Background(), "ofac", p)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 442 {
			t.Fatalf("%s: got %d, want 442", p, len(es))
		}
		checkEntities(t, "ofac-cons", es)
		if e := byID(es)["ofac-cons:17014"]; !hasName(e, "RUSAG", "weak") {
			t.Errorf("weak alias in cons_comments.csv continuation missed: %+v", e.Names)
		}
	}
}

func TestUN(t *testing.T) {
	p := sharedData(t, "un", "UN_consolidated.xml")
	es, err := Load(context.Background(), "un", p)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1003 {
		t.Fatalf("got %d, want 1003", len(es))
	}
	checkEntities(t, "un", es)
	types := countBy(es, func(e screen.Entity) string { return e.Type })
	if types["person"] != 730 || types["organization"] != 273 {
		t.Errorf("types %v, want 730 person + 273 organization", types)
	}
	orig, weak := 0, 0
	for _, e := range es {
		for _, n := range e.Names {
			switch n.Kind {
			case "original_script":
				orig++
			case "weak":
				weak++
			}
		}
	}
	// 378 non-empty NAME_ORIGINAL_SCRIPT, less QDe.164's, which repeats its
	// Latin primary name; plus 9 aliases written mostly in Arabic or Chinese
	// script (Python counts 10 such alias rows; one repeats another name).
	if orig != 386 {
		t.Errorf("original-script names = %d, want 386", orig)
	}
	if weak < 550 || weak > 615 {
		t.Errorf("weak aliases = %d, want about 615 (QUALITY Low)", weak)
	}
	m := byID(es)
	iq := m["un:IQi.001"]
	if !hasName(iq, "صدام حسين التكريتي", "original_script") || !hasString(iq.Countries, "iq") {
		t.Errorf("IQi.001: %+v", iq)
	}
	if e := m["un:CDi.001"]; !hasString(e.Countries, "cd") || !hasString(e.Countries, "rw") {
		t.Errorf("CDi.001 countries %v, want cd (nationality) and rw (address)", e.Countries)
	}
	docs := 0
	for _, e := range es {
		for _, id := range e.Identifiers {
			if id.Scheme == "passport" {
				docs++
			}
		}
	}
	if docs < 100 {
		t.Errorf("only %d passports from INDIVIDUAL_DOCUMENT", docs)
	}
}

func TestEUAnnexCSV(t *testing.T) {
	dir := sharedData(t, "eu", "journal_sanctions_consolidated")
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) != 37 {
		t.Fatalf("got %d files, want 37", len(files))
	}
	es, err := Load(context.Background(), "eu", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 8017 {
		t.Fatalf("got %d rows, want 8017", len(es))
	}
	checkEntities(t, "eu", es)
	types := countBy(es, func(e screen.Entity) string { return e.Type })
	want := map[string]int{"person": 4500, "organization": 2553 + 27, "vessel": 708, "company": 200, "unknown": 29}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("type %s: got %d, want %d", k, types[k], v)
		}
	}
	cyr := 0
	var kaniyat *screen.Entity
	for i, e := range es {
		for _, n := range e.Names {
			if strings.ContainsAny(n.Value, "абвгдеёжзийклмнопрстуфхцчшщыэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЫЭЮЯ") {
				cyr++
				break
			}
		}
		if hasName(e, "Kaniyat Militia", "") {
			kaniyat = &es[i]
		}
	}
	if cyr != 4091 {
		t.Errorf("rows with Cyrillic names = %d, want 4,091", cyr)
	}
	// This row separates its aliases with commas, not "; ", and names
	// contain commas, so the cell is kept whole rather than guessed at.
	if kaniyat == nil || !strings.HasPrefix(kaniyat.Names[1].Value, "9th Brigade") || !hasName(*kaniyat, "مليشيا كانيات", "original_script") || !hasString(kaniyat.Programs, "EU-HR") {
		t.Errorf("Kaniyat Militia row: %+v", kaniyat)
	}
	// A single file loads by path too. SOURCES.md says 1,747 rows for this
	// file; Python's csv module, like this parser, finds 1,746.
	one, err := Load(context.Background(), "eu", filepath.Join(dir, "32014R0833.csv"))
	if err != nil || len(one) != 1746 {
		t.Fatalf("32014R0833.csv: %d rows, err %v; want 1746", len(one), err)
	}
}

func TestEUXMLSample(t *testing.T) {
	es, err := Load(context.Background(), "eu", filepath.Join("testdata", "eu_fsf_sample.xml"))
	if err != nil {
		t.Fatal(err)
	}
	checkEntities(t, "eu", es)
	if len(es) != 4 {
		t.Fatalf("got %d, want 4", len(es))
	}
	m := byID(es)
	s := m["eu:13"]
	if s.Type != "person" || !hasName(s, "Saddam Hussein Al-Tikriti", "primary") || !hasName(s, "Abu Ali", "weak") ||
		!hasString(s.Countries, "iq") || !hasIdent(s, "un_reference", "IQi.001") || !hasString(s.Programs, "IRQ") {
		t.Errorf("eu:13: %+v", s)
	}
	if s.Names[2].Lang != "ar" {
		t.Errorf("nameLanguage not kept: %+v", s.Names[2])
	}
	u := m["eu:6692"]
	if u.Type != "organization" || !hasIdent(u, "registration", "1067746685463") || !hasIdent(u, "tax_id", "7708619320") ||
		!hasString(u.Countries, "ru") || !hasName(u, "UAC", "weak") {
		t.Errorf("eu:6692: %+v", u)
	}
	if p := m["eu:8801"]; !hasName(p, "Ivan Petrovich Sidorenko", "primary") || !hasIdent(p, "passport", "MP1234567") {
		t.Errorf("eu:8801 (name from first/middle/last): %+v", p)
	}
	if k := m["eu:9100"]; len(k.Countries) != 1 || k.Countries[0] != "ly" {
		t.Errorf("eu:9100: countries %v, want [ly] (00/UNKNOWN dropped)", k.Countries)
	}
}

// SOURCES.md counts lines for the US files (116, 14 and 398 including the
// header); the data rows are one fewer.
func TestCSL(t *testing.T) {
	for _, c := range []struct {
		file string
		n    int
	}{{"csl_sample_2019.csv", 115}, {"csl_sample_2023.csv", 13}} {
		es, err := Load(context.Background(), "csl", sharedData(t, "us", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != c.n {
			t.Fatalf("%s: got %d, want %d", c.file, len(es), c.n)
		}
		checkEntities(t, "csl", es)
	}
	es, _ := Load(context.Background(), "csl", sharedData(t, "us", "csl_sample_2019.csv"))
	found := false
	for _, e := range es {
		if e.Names[0].Value == "183rd Guard Air Defense Missile Regiment" {
			found = hasString(e.Programs, "ISN")
		}
		if e.ID == "csl:20264" && !hasIdent(e, "tax_id", "80-0890696") {
			t.Errorf("csl:20264 identifiers %+v", e.Identifiers)
		}
	}
	if !found {
		t.Error("183rd Guard Air Defense Missile Regiment missing or without ISN source")
	}
	es, _ = Load(context.Background(), "csl", sharedData(t, "us", "csl_sample_2023.csv"))
	if e := es[0]; e.Names[0].Value != "Sinobright Import and Export Company" {
		t.Errorf("legal tail kept in name: %q", e.Names[0].Value)
	}
}

func TestDoD(t *testing.T) {
	es, err := Load(context.Background(), "dod", sharedData(t, "us", "dod_1260h_chinese_military_companies.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 397 {
		t.Fatalf("got %d, want 397 rows", len(es))
	}
	checkEntities(t, "dod", es)
	withParent := 0
	for _, e := range es {
		if len(e.Parents) > 0 {
			withParent++
		}
	}
	if withParent != 197 {
		t.Errorf("rows with parents = %d, want 197", withParent)
	}
	e := byID(es)["dod:aviation-industry-corporation-of-china-ltd@2021-06-03"]
	if !hasName(e, "AVIC", "aka") {
		t.Errorf("AVIC: %+v", e)
	}
}

func TestFTMZala(t *testing.T) {
	p := sharedData(t, "ftm", "yente_zala_entities.ftm.json")
	es, edges, err := LoadFTM(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	checkEntities(t, "ftm", es)
	types := countBy(es, func(e screen.Entity) string { return e.Type })
	if types["company"] != 11 || types["person"] != 6 || len(es) != 17 {
		t.Errorf("entities %v, want 11 companies + 6 people", types)
	}
	kinds := countBy(edges, func(e Edge) string { return e.Type })
	if kinds["owns"] != 14 || kinds["directs"] != 3 {
		t.Errorf("edges %v, want 14 owns + 3 directs", kinds)
	}
	m := byID(es)
	for _, g := range edges {
		if to, ok := m[g.To]; ok && !hasString(to.Parents, g.From) {
			t.Errorf("edge %+v not reflected in Parents of %s", g, g.To)
		}
	}
	// Via Load the edges are dropped but Parents stay.
	es2, err := Load(context.Background(), "ftm", p)
	if err != nil || len(es2) != len(es) {
		t.Fatalf("Load: %d, %v", len(es2), err)
	}
	t1, _, err := LoadFTM(context.Background(), sharedData(t, "ftm", "yente_t1_entities.ftm.json"))
	if err != nil || len(t1) != 6 {
		t.Fatalf("t1: %d entities, %v; want 6 (4 people, 2 organisations)", len(t1), err)
	}
}

func TestSimpleCSV(t *testing.T) {
	es, err := Load(context.Background(), "csv", filepath.Join("testdata", "simple.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkEntities(t, "csv", es)
	if len(es) != 3 {
		t.Fatalf("got %d, want 3", len(es))
	}
	e := es[1]
	if e.ID != "csv:u-26165" || e.Type != "organization" || !hasName(e, "Unit 26165", "aka") || !hasName(e, "GRU 85th Main Special Service Centre", "aka") || !hasString(e.Countries, "ru") || !hasString(e.Programs, "internal") {
		t.Errorf("%+v", e)
	}
}

func TestLoadUnknownFormat(t *testing.T) {
	if _, err := Load(context.Background(), "xls", "x"); err == nil {
		t.Fatal("want error for unknown format")
	}
}

func TestCountryValues(t *testing.T) {
	for in, want := range map[string][]string{
		"Russia":                     {"ru"},
		"Russian Federation":         {"ru"},
		"RU":                         {"ru"},
		"Korea, North":               {"kp"},
		"DPRK":                       {"kp"},
		"Iran (Islamic Republic of)": {"ir"},
		"Myanmar/Burma":              {"mm"},
		"Bosnia and Herzegovina":     {"ba"},
		"Trinidad and Tobago":        {"tt"},
		"Russian and Ukrainian":      {"ru", "ua"},
		"possibly Palestinian":       {"ps"},
		"Tunisian. National Identification No.: 08619445": {"tn"},
		"Italian since 1990":                              {"it"},
		"of Registration Man, Isle of":                    {"im"},
		"None Identified":                                 nil,
		"3311092409580002":                                nil,
		"Region: Crimea":                                  {"Region: Crimea"},
		"Yemen":                                           {"ye"},
		"Democratic Republic of the Congo":                {"cd"},
		"Congo":                                           {"cg"},
	} {
		if got := CountryValues(in); !reflect.DeepEqual(got, want) {
			t.Errorf("CountryValues(%q) = %q, want %q", in, got, want)
		}
	}
}
