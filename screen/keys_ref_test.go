package screen

import (
	"math/rand/v2"
	"testing"
)

// crossSimMinRef is crossSimMin as first written, branch by branch: the
// table-driven version must agree with it exactly.
func crossSimMinRef(a, b string, minSim float64) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 || la > 40 || lb > 40 {
		return 0
	}
	indel := func(c byte) float64 {
		if isVowel(c) || c == 'h' || c == '\'' {
			return 0.25
		}
		return 1
	}
	sub := func(x, y byte) float64 {
		switch {
		case x == y:
			return 0
		case isVowel(x) && isVowel(y):
			return 0.2
		case (x == 'v' || x == 'w') && (y == 'o' || y == 'u'), (y == 'v' || y == 'w') && (x == 'o' || x == 'u'):
			// Hebrew vav and Arabic waw are a consonant or a vowel.
			return 0.3
		case pairIs(x, y, 'c', 's'), pairIs(x, y, 'x', 's'), pairIs(x, y, 'x', 'k'), pairIs(x, y, 'j', 'g'), pairIs(x, y, 'j', 'y'), pairIs(x, y, 'j', 'z'), pairIs(x, y, 'c', 'h'):
			return 0.3
		case isVowel(x) || isVowel(y):
			return 1
		case soundClass(x) == soundClass(y):
			if x == 'l' || x == 'r' || x == 'm' || x == 'n' {
				return 0.7
			}
			return 0.3
		}
		return 1
	}
	var prevBuf, curBuf [41]float64
	prev, cur := prevBuf[:lb+1], curBuf[:lb+1]
	for j := 1; j <= lb; j++ {
		prev[j] = prev[j-1] + indel(b[j-1])
	}
	scale := crossCostScale
	if max(la, lb) <= 4 {
		scale *= 1.5
	}
	// The cost only grows row by row: once every cell of a row exceeds
	// the budget, the pair cannot reach minSim.
	budget := (1 - minSim) * float64(max(la, lb)) / scale
	for i := 1; i <= la; i++ {
		cur[0] = prev[0] + indel(a[i-1])
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			v := prev[j-1] + sub(a[i-1], b[j-1])
			if d := prev[j] + indel(a[i-1]); d < v {
				v = d
			}
			if d := cur[j-1] + indel(b[j-1]); d < v {
				v = d
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if minSim > 0 && rowMin > budget+1e-9 {
			return 0
		}
		prev, cur = cur, prev
	}
	cost := prev[lb]
	if max(la, lb) <= 4 {
		// Short names leave little to compare: each difference weighs
		// more.
		cost *= 1.5
	}
	return 1 - crossCostScale*cost/float64(max(la, lb))
}

// levenshteinRef is levenshtein as first written: the full-table optimal
// string alignment (a swap of two neighbours, "Donlad", is one typo),
// which keys.go keeps for long words. The bit-parallel version must
// agree with it exactly.
func levenshteinRef(a, b string) int { return osaTable(a, b) }

// TestFastDistancesAgree holds the table-driven crossSimMin and the
// bit-parallel levenshtein to the plain versions they replaced, on
// random words over letters, digits, the apostrophe, capitals and
// multi-byte letters, long words included.
func TestFastDistancesAgree(t *testing.T) {
	alphabet := []string{"a", "e", "i", "o", "u", "y", "h", "w", "v", "b", "k", "q", "c", "g", "s", "z", "x", "j", "t", "d", "m", "n", "l", "r", "f", "p", "'", "0", "7", "A", "é", "ж"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(maxLen int) string {
		n := rng.IntN(maxLen + 1)
		b := make([]byte, 0, n)
		for len(b) < n {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	for i := 0; i < 300000; i++ {
		maxLen := 12
		switch i % 10 {
		case 0:
			maxLen = 45
		case 1:
			maxLen = 80
		}
		a, b := word(maxLen), word(maxLen)
		if i%3 == 0 && len(a) > 2 { // near misses: swap, drop, change
			bb := []byte(a)
			k := rng.IntN(len(bb) - 1)
			switch rng.IntN(3) {
			case 0:
				bb[k], bb[k+1] = bb[k+1], bb[k]
			case 1:
				bb = append(bb[:k], bb[k+1:]...)
			default:
				bb[k] = alphabet[rng.IntN(26)][0]
			}
			b = string(bb)
		}
		if got, want := levenshtein(a, b), levenshteinRef(a, b); got != want {
			t.Fatalf("levenshtein(%q, %q) = %d, want %d", a, b, got, want)
		}
		for _, m := range []float64{0, 0.5, 0.7, 0.8, 0.85, 0.9} {
			if got, want := crossSimMin(a, b, m), crossSimMinRef(a, b, m); got != want {
				t.Fatalf("crossSimMin(%q, %q, %v) = %v, want %v", a, b, m, got, want)
			}
		}
	}
}
