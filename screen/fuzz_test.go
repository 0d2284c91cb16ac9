package screen

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize checks the normaliser's invariants on arbitrary input:
// no panic, lower-case ASCII words separated by single spaces, stable
// under a second pass, and a name always matches itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "Military Unit 26165", "5-я бригада", "S.A.R.L.", "Ig0r Sech1n", "SiemensAG",
		"Министерство обороны Российской Федерации", "القذافي", "ג'ורג' וושינגטון", "中国航空工业集团",
		"ბარაკ ობამა", "AT&T Inc.", "Σωκράτης", "  --  ", "\u200f\u0640\u064b", "Ⅳ ①", "ＡＢＣ",
		"O'Brien", "a.b.c.d.e.f.", "١٢٣ ٤٥", "Bank of China (Hong Kong) Limited",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		n := NormalizeText(s)
		for i := 0; i < len(n); i++ {
			c := n[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
				t.Fatalf("NormalizeText(%q) = %q: byte %q", s, n, c)
			}
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeText(%q) = %q: bad spacing", s, n)
		}
		if n2 := NormalizeText(n); n2 != n {
			t.Fatalf("not stable: %q -> %q -> %q", s, n, n2)
		}
		toks := Analyse(s)
		if len(toks) > 0 && len(toks) <= 30 {
			r := Compare(Query{Name: s}, Entity{Names: []Name{{Value: s, Kind: "primary"}}}, DefaultConfig())
			if r.Score < 0.99 {
				t.Fatalf("%q does not match itself: %v", s, r.Explanation)
			}
		}
	})
}
