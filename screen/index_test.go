package screen

import (
	"strings"
	"sync"
	"testing"
)

func testEntities() []Entity {
	return []Entity{
		{ID: "t:1", Type: "organization", Countries: []string{"ru"}, Names: []Name{{Value: "Military Unit 26165", Kind: "primary"}, {Value: "Войсковая часть 26165", Kind: "original_script"}}},
		{ID: "t:2", Type: "organization", Countries: []string{"ru"}, Names: []Name{{Value: "Ministry of Defence of the Russian Federation", Kind: "primary"}, {Value: "Ministry of Defence", Kind: "aka"}}},
		{ID: "t:3", Type: "organization", Countries: []string{"xx"}, Names: []Name{{Value: "Northern Aerospace Systems Corporation", Kind: "primary"}}},
		{ID: "t:4", Type: "person", Countries: []string{"ru"}, Names: []Name{{Value: "Ivan Petrovich Sidorenko", Kind: "primary"}, {Value: "Иван Петрович Сидоренко", Kind: "original_script"}}},
		{ID: "t:5", Type: "organization", Names: []Name{{Value: "5th Separate Brigade", Kind: "primary"}}},
		{ID: "t:6", Type: "company", Countries: []string{"ae"}, Names: []Name{{Value: "Kelmaro General Trading LLC", Kind: "primary"}, {Value: "KGT", Kind: "weak"}}},
		{ID: "t:7", Type: "person", Names: []Name{{Value: "Abdul Rahman Yusuf al-Quraishi", Kind: "primary"}, {Value: "عبد الرحمن يوسف القريشي", Kind: "original_script"}}},
	}
}

func decisionFor(rs []Result, id string) (Decision, *Result) {
	for i := range rs {
		if rs[i].Entity.ID == id {
			return rs[i].Decision, &rs[i]
		}
	}
	return NoMatch, nil
}

func TestScreenDecisions(t *testing.T) {
	ix := NewIndex(testEntities(), Options{})
	for _, c := range []struct {
		q    Query
		id   string
		want Decision
	}{
		{Query{Name: "Unit 26165", Country: "ru"}, "t:1", Match},
		{Query{Name: "в/ч 26165"}, "t:1", Match},
		{Query{Name: "Military Unit 26166", Country: "ru"}, "t:1", NoMatch},
		{Query{Name: "Ministry of Defence", Country: "ru", Type: "organization"}, "t:2", Match},
		{Query{Name: "Ministry of Defence", Country: "ua", Type: "organization"}, "t:2", Review},
		{Query{Name: "NASC", Type: "organization"}, "t:3", Match},
		{Query{Name: "Northern Aerospace Systems Corp.", Type: "organization"}, "t:3", Match},
		{Query{Name: "Sidorenko, Ivan", Type: "person"}, "t:4", Match},
		{Query{Name: "Иван Сидоренко", Type: "person"}, "t:4", Match},
		{Query{Name: "Ivan Sidorenko", Type: "organization"}, "t:4", Review},
		{Query{Name: "5-я отдельная бригада"}, "t:5", Match},
		{Query{Name: "6th Separate Brigade"}, "t:5", NoMatch},
		{Query{Name: "Kelmaro General Trading L.L.C.", Country: "AE"}, "t:6", Match},
		{Query{Name: "KGT"}, "t:6", Review},
		{Query{Name: "Abdulrahman Yousef al-Qurayshi", Type: "person"}, "t:7", Match},
		{Query{Name: "عبد الرحمن يوسف القريشي", Type: "person"}, "t:7", Match},
		{Query{Name: "Acme Widgets Ltd"}, "t:6", NoMatch},
	} {
		rs := ix.Screen(c.q, 10)
		got, r := decisionFor(rs, c.id)
		if got != c.want {
			ex := ""
			if r != nil {
				ex = r.Explanation.String()
			}
			t.Errorf("%q vs %s: got %s, want %s %s", c.q.Name, c.id, got, c.want, ex)
		}
	}
}

func TestExplanation(t *testing.T) {
	ix := NewIndex(testEntities(), Options{})
	rs := ix.Screen(Query{Name: "Ministry of Defence", Country: "ua", Type: "organization"}, 1)
	if len(rs) != 1 {
		t.Fatalf("results: %v", rs)
	}
	e := rs[0].Explanation
	if e.QueryName != "Ministry of Defence" || e.EntityName == "" || len(e.Tokens) == 0 || e.Reason == "" {
		t.Errorf("incomplete explanation: %+v", e)
	}
	found := false
	for _, f := range e.Features {
		if f.Name == "country" && f.Contribution < 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("country mismatch not explained: %+v", e.Features)
	}
	if s := e.String(); strings.Contains(s, "\n") || !strings.Contains(s, "country") || !strings.Contains(s, "review") {
		t.Errorf("one-line explanation: %q", s)
	}
}

func TestThresholdsAreConfiguration(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MatchThreshold, cfg.ReviewThreshold = 0.99, 0.5
	ix := NewIndex(testEntities(), Options{Config: cfg})
	rs := ix.Screen(Query{Name: "Sidorenko Ivan", Type: "person"}, 1)
	if len(rs) != 1 || rs[0].Decision != Review {
		t.Errorf("with match threshold 0.99 a partial name is review: %+v", rs)
	}
}

func TestConcurrentScreen(t *testing.T) {
	ix := NewIndex(testEntities(), Options{})
	qs := []Query{{Name: "Unit 26165"}, {Name: "Иван Сидоренко"}, {Name: "KGT"}, {Name: "عبد الرحمن يوسف القريشي"}}
	want := make([]int, len(qs))
	for i, q := range qs {
		want[i] = len(ix.Screen(q, 10))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(qs)
				if n := len(ix.Screen(qs[k], 10)); n != want[k] {
					t.Errorf("concurrent result count %d, want %d", n, want[k])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestNormalizeExamples(t *testing.T) {
	for in, want := range map[string]string{
		"Siemens Aktiengesellschaft": "siemens aktiengesellschaft",
		"SiemensAG":                  "siemens ag",
		"S.A.R.L.":                   "sarl",
		"Ig0r Sech1n":                "igor sechin",
		"Unit26165":                  "unit 26165",
		"Сергей Лавров":              "sergey lavrov",
		"Σωκράτης":                   "sokratis",
		"Müller-Lüdenscheidt":        "muller ludenscheidt",
	} {
		if got := NormalizeText(in); got != want {
			t.Errorf("NormalizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParentFeature(t *testing.T) {
	ents := []Entity{{ID: "p:1", Type: "company", Names: []Name{{Value: "Tarvena Avionics Ltd", Kind: "primary"}}, Parents: []string{"Tarvena Aerospace Group"}}}
	ix := NewIndex(ents, Options{})
	rs := ix.Screen(Query{Name: "Tarvena Avionics", Type: "company", Parents: []string{"Tarvena Aerospace Group Plc"}}, 1)
	if len(rs) != 1 {
		t.Fatalf("no result")
	}
	found := false
	for _, f := range rs[0].Explanation.Features {
		if f.Name == "parent" && f.Contribution > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("parent not used: %s", rs[0].Explanation)
	}
}
func TestEmptyAndDegenerateQueries(t *testing.T) {
	ix := NewIndex(testEntities(), Options{})
	for _, n := range []string{"", "   ", "the of", "---", "Ltd", "12"} {
		_ = ix.Screen(Query{Name: n}, 5)
		_ = Compare(Query{Name: n}, testEntities()[0], DefaultConfig())
	}
	empty := NewIndex(nil, Options{})
	if r := empty.Screen(Query{Name: "x"}, 5); len(r) != 0 {
		t.Fatal(r)
	}
}
