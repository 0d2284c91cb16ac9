package screen

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"testing"
)

// orgPairs scores testdata/org_pairs.csv, the project's own labelled set of
// fictional organisation and unit names (acronyms, translated organisation
// words, unit numbers, legal forms, the same name in another country).
func orgPairs(t testing.TB, cfg Config, verbose bool) (prf, map[string][2]int) {
	f, err := os.Open("testdata/org_pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var m prf
	cats := map[string][2]int{}
	for _, r := range rows[1:] {
		q := Query{Name: r[2], Country: r[3], Type: r[1]}
		e := Entity{ID: "x", Type: r[1], Names: []Name{{Value: r[4], Kind: "primary"}}}
		if r[5] != "" {
			e.Countries = []string{r[5]}
		}
		res := Compare(q, e, cfg)
		want, got := r[6] == "true", res.Decision == Match
		c := cats[r[0]]
		c[1]++
		if want == got {
			c[0]++
		} else if verbose {
			fmt.Printf("%s want %v: %s | %s | %s\n", r[0], want, r[2], r[4], res.Explanation)
		}
		cats[r[0]] = c
		switch {
		case want && got:
			m.tp++
		case want:
			m.fn++
		case got:
			m.fp++
		default:
			m.tn++
		}
	}
	return m, cats
}

// Floors reached when the set was written; lowering any of them fails.
var orgFloors = struct {
	precision, recall float64
	category          map[string]float64
}{1.0, 0.974, map[string]float64{
	"acronym": 1.0, "generic_words": 0.916, "legal_form": 1.0, "other_country": 1.0,
	"spelling": 1.0, "translated": 0.875, "unit": 1.0,
}}

func TestOrgPairs(t *testing.T) {
	m, cats := orgPairs(t, DefaultConfig(), os.Getenv("VIGIL_VERBOSE") == "1")
	t.Logf("org_pairs: %s", m)
	var names []string
	for k := range cats {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c := cats[k]
		acc := float64(c[0]) / float64(c[1])
		t.Logf("  %-14s %3d/%3d correct (%.3f)", k, c[0], c[1], acc)
		if acc < orgFloors.category[k] {
			t.Errorf("%s accuracy %.3f below floor %.3f", k, acc, orgFloors.category[k])
		}
	}
	if m.precision() < orgFloors.precision || m.recall() < orgFloors.recall {
		t.Errorf("precision %.3f recall %.3f below floors %.3f %.3f", m.precision(), m.recall(), orgFloors.precision, orgFloors.recall)
	}
}
