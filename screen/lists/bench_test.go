package lists

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

// benchLists loads the lists the screening speed targets name (OFAC, UN,
// EU, CSL). OFAC is the 2024 sdn.csv joined with the 2025 alt, add and
// comments files, which is as close to a full current OFAC list as the
// shared data allows, plus the consolidated non-SDN list.
type benchList struct {
	name  string
	bytes int64
	load  func(ctx context.Context) ([]screen.Entity, error)
}

func benchLists(b *testing.B) []benchList {
	ofacPrim := sharedData(b, "ofac", "sdn_2024-05-03", "sdn.csv")
	part := sharedData(b, "ofac", "sdn_2025-02-27_partial")
	cons := sharedData(b, "ofac", "non_sdn_consolidated_2025-12")
	un := sharedData(b, "un", "UN_consolidated.xml")
	eu := sharedData(b, "eu", "journal_sanctions_consolidated")
	csl19 := sharedData(b, "us", "csl_sample_2019.csv")
	csl23 := sharedData(b, "us", "csl_sample_2023.csv")
	var size func(paths ...string) int64
	size = func(paths ...string) int64 {
		var n int64
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			if st.IsDir() {
				ms, _ := filepath.Glob(filepath.Join(p, "*.csv"))
				n += size(ms...)
				continue
			}
			n += st.Size()
		}
		return n
	}
	ofacFiles := []string{ofacPrim, filepath.Join(part, "alt.csv"), filepath.Join(part, "add.csv"), filepath.Join(part, "sdn_comments.csv")}
	return []benchList{
		{"ofac-sdn-2024", size(ofacFiles...), func(ctx context.Context) ([]screen.Entity, error) {
			var srcs [4]OFACSource
			for i, p := range ofacFiles {
				f, err := os.Open(p)
				if err != nil {
					return nil, err
				}
				defer f.Close()
				srcs[i] = OFACSource{p, f}
			}
			return ParseOFAC(ctx, "ofac-sdn", srcs[0], srcs[1], srcs[2], srcs[3])
		}},
		{"ofac-cons", size(cons), func(ctx context.Context) ([]screen.Entity, error) { return Load(ctx, "ofac", cons) }},
		{"un", size(un), func(ctx context.Context) ([]screen.Entity, error) { return Load(ctx, "un", un) }},
		{"eu-annex", size(eu), func(ctx context.Context) ([]screen.Entity, error) { return Load(ctx, "eu", eu) }},
		{"csl", size(csl19, csl23), func(ctx context.Context) ([]screen.Entity, error) {
			a, err := Load(ctx, "csl", csl19)
			if err != nil {
				return nil, err
			}
			c, err := Load(ctx, "csl", csl23)
			return append(a, c...), err
		}},
	}
}

// BenchmarkParseAll parses OFAC (2024 SDN with 2025 side files, plus the
// consolidated list), UN, EU and CSL in sequence, as a full list refresh
// would. Figures are in BENCHMARKS-lists.md.
func BenchmarkParseAll(b *testing.B) {
	lists := benchLists(b)
	ctx := context.Background()
	var total int64
	for _, l := range lists {
		total += l.bytes
	}
	b.SetBytes(total)
	b.ReportAllocs()
	var entities, names int
	cpu0 := cpuTime()
	for b.Loop() {
		entities, names = 0, 0
		for _, l := range lists {
			es, err := l.load(ctx)
			if err != nil {
				b.Fatal(err)
			}
			entities += len(es)
			for _, e := range es {
				names += len(e.Names)
			}
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(entities), "entities")
	b.ReportMetric(float64(names), "names")
}

// BenchmarkParse reports each list on its own.
func BenchmarkParse(b *testing.B) {
	ctx := context.Background()
	for _, l := range benchLists(b) {
		b.Run(l.name, func(b *testing.B) {
			b.SetBytes(l.bytes)
			b.ReportAllocs()
			n := 0
			cpu0 := cpuTime()
			for b.Loop() {
				es, err := l.load(ctx)
				if err != nil {
					b.Fatal(err)
				}
				n = len(es)
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(n), "entities")
		})
	}
}
