package report_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/report"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// demoDocument builds the figures of the demo portfolio of n parties,
// assessed under the default policy.
func demoStore(b *testing.B, parties int) *sqlite.DB {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "v.db"))
	must(b, err)
	b.Cleanup(func() { st.Close() })
	_, err = demo.Generate(filepath.Join(dir, "portfolio"), demo.Options{Parties: parties, Seed: 1})
	must(b, err)
	_, err = transfer.ImportDir(ctx, st, filepath.Join(dir, "portfolio"), "bench", nil)
	must(b, err)
	p, err := risk.DefaultPolicyLoaded()
	must(b, err)
	_, err = risk.NewEngine(st, p, risk.Options{Logger: quiet()}).AssessAll(ctx, "bench")
	must(b, err)
	return st
}

// BenchmarkBuild computes the figures of a report of the demo portfolio
// (reading every current assessment and the outbox).
func BenchmarkBuild(b *testing.B) {
	st := demoStore(b, 10000)
	p, _ := report.ParsePeriod("2026")
	b.ResetTimer()
	for b.Loop() {
		if _, err := report.Build(context.Background(), st, report.Options{Period: p}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender draws one report in each format, charts included.
func BenchmarkRender(b *testing.B) {
	st := demoStore(b, 2000)
	p, _ := report.ParsePeriod("2026")
	doc, err := report.Build(context.Background(), st, report.Options{Period: p})
	must(b, err)
	for _, format := range report.Formats {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if _, err := report.Render(doc, report.TemplateUNGP, "fr", format); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
