package screen

import "strings"

// phoneticKey folds the spelling differences that romanisation systems and
// languages introduce (kh/h/x, ph/f, w/v, y/i/j, doubled letters, vowel
// pairs) so that "Sergei", "Sergey" and "Serguei" meet. It works on the
// lower-case ASCII form of a token.
func phoneticKey(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, len(s)+2)
	n := len(s)
	at := func(i int) byte {
		if i < n {
			return s[i]
		}
		return 0
	}
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "shch"):
			b = append(b, 'x')
			i += 3
		case strings.HasPrefix(s[i:], "sch"), strings.HasPrefix(s[i:], "sh"):
			b = append(b, 'x')
			if s[i+1] == 'c' {
				i++
			}
			i++
		case strings.HasPrefix(s[i:], "tch"):
			b = append(b, 'c')
			i += 2
		case strings.HasPrefix(s[i:], "dzh"):
			b = append(b, 'j')
			i += 2
		case c == 'd' && at(i+1) == 'j', c == 'z' && at(i+1) == 'h', c == 'd' && at(i+1) == 'z':
			b = append(b, 'j')
			i++
		case c == 'k' && at(i+1) == 'h':
			// kh is how Cyrillic х and Arabic خ are written; Latin
			// spellings of the same names write h (dropped inside a word,
			// like h itself).
			if i == 0 {
				b = append(b, 'h')
			}
			i++
		case c == 'c' && at(i+1) == 'k':
			b = append(b, 'k')
			i++
		case c == 'c' && at(i+1) == 'z':
			b = append(b, 'c') // Polish cz = ch
			i++
		case c == 's' && at(i+1) == 'z':
			b = append(b, 'x') // Polish sz = sh
			i++
		case c == 'g' && at(i+1) == 'h':
			b = append(b, 'g')
			i++
		case c == 'p' && at(i+1) == 'h':
			b = append(b, 'f')
			i++
		case c == 't' && at(i+1) == 'h', c == 'd' && at(i+1) == 'h':
			b = append(b, c)
			i++
		case c == 'c' && at(i+1) == 'h':
			b = append(b, 'c')
			i++
		case (c == 't' && (at(i+1) == 's' || at(i+1) == 'z')):
			b = append(b, 's')
			i++
		case c == 'z':
			b = append(b, 's') // Gazprom/Gasprom, Zelensky/Selenskyj
		case c == 'c':
			if nx := at(i + 1); nx == 'e' || nx == 'i' || nx == 'y' {
				b = append(b, 's')
			} else {
				b = append(b, 'k')
			}
		case c == 'q':
			b = append(b, 'k')
		case c == 'x':
			if i == 0 {
				b = append(b, 's') // pinyin and Spanish initial x
			} else {
				b = append(b, 'k', 's')
			}
		case c == 'w':
			b = append(b, 'v')
		case c == 'y', c == 'e':
			b = append(b, 'i')
		case c == 'j' && i == n-1 && i > 0 && (s[i-1] == 'e' || s[i-1] == 'o'):
			// A final й is written j, y or i (Sergej, Sergey, Sergei;
			// Andrej, Andrei). Not after a or i: Arabic names end in -aj, -ij
			// (Haj, Faraj, Khadij) where j is the consonant.
			b = append(b, 'i')
		case c == 'o':
			b = append(b, 'u')
		case c == 'h':
			if i == 0 {
				b = append(b, 'h')
			}
		default:
			b = append(b, c)
		}
	}
	// Collapse runs: doubled letters and vowel pairs carry no identity.
	out := b[:0]
	for i, c := range b {
		if i > 0 && c == out[len(out)-1] {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// skeleton is the consonant outline of a romanised token, the form in which
// Arabic and Hebrew spellings (which write few vowels) and Latin spellings of
// the same name agree. w, y and a final h are dropped with the vowels
// because those scripts write them as vowel carriers.
func skeleton(s string) string {
	b := make([]byte, 0, len(s))
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		nx := byte(0)
		if i+1 < n {
			nx = s[i+1]
		}
		switch {
		case c == 's' && nx == 'h', c == 'c' && nx == 'h':
			b = append(b, 'S')
			i++
		case c == 'z' && nx == 'h':
			b = append(b, 'j')
			i++
		case c == 'k' && nx == 'h':
			b = append(b, 'K')
			i++
		case c == 'g' && nx == 'h', c == 't' && nx == 'h', c == 'd' && nx == 'h', c == 'p' && nx == 'h':
			b = append(b, map[byte]byte{'g': 'g', 't': 't', 'd': 'd', 'p': 'f'}[c])
			i++
		case c == 'd' && nx == 'j':
			b = append(b, 'j')
			i++
		case (c == 't' && (nx == 's' || nx == 'z')):
			b = append(b, 's')
			i++
		case c == 'c' && nx == 'k':
			b = append(b, 'k')
			i++
		case c == 'q', c == 'c':
			b = append(b, 'k')
		case c == 'x':
			b = append(b, 'k', 's')
		case c == 'h':
			if i < n-1 {
				b = append(b, 'h')
			}
		case c == 'a', c == 'e', c == 'i', c == 'o', c == 'u', c == 'y', c == 'w', c == '\'':
		case c >= '0' && c <= '9':
			b = append(b, c)
		default:
			if c >= 'a' && c <= 'z' {
				b = append(b, c)
			}
		}
	}
	out := b[:0]
	for i, c := range b {
		if i > 0 && c == out[len(out)-1] {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// skelClass groups consonants that the abjads or the romanisations blur:
// b/v/f/p (Hebrew bet and pe, Arabic has no p or v), k/q/kh/g, s/z/ts/sh,
// t/d, j/zh/g.
func skelClass(c byte) byte {
	switch c {
	case 'b', 'v', 'f', 'p':
		return 'b'
	case 'k', 'q', 'K', 'g':
		return 'k'
	case 's', 'z', 'S':
		return 's'
	case 't', 'd':
		return 't'
	case 'j':
		return 'j'
	}
	return c
}

// skelSim compares two skeletons with cheap substitutions inside a class.
func skelSim(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	var prevBuf, curBuf [64]float64
	if lb+1 > len(prevBuf) {
		return levSim(a, b)
	}
	prev, cur := prevBuf[:lb+1], curBuf[:lb+1]
	for j := 0; j <= lb; j++ {
		prev[j] = float64(j)
	}
	for i := 1; i <= la; i++ {
		cur[0] = float64(i)
		for j := 1; j <= lb; j++ {
			cost := 1.0
			if a[i-1] == b[j-1] {
				cost = 0
			} else if skelClass(a[i-1]) == skelClass(b[j-1]) {
				cost = 0.3
			}
			v := prev[j-1] + cost
			if d := prev[j] + 1; d < v {
				v = d
			}
			if d := cur[j-1] + 1; d < v {
				v = d
			}
			cur[j] = v
		}
		prev, cur = cur, prev
	}
	m := la
	if lb > m {
		m = lb
	}
	return 1 - prev[lb]/float64(m)
}

// levenshtein is the plain edit distance on bytes (tokens are ASCII),
// counting a swap of two neighbours ("Donlad") as one typo, not two
// (optimal string alignment).
func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	la, lb := len(a), len(b)
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	if la <= 64 {
		return osaBits(a, b)
	}
	return osaTable(a, b)
}

// osaBits is the optimal string alignment distance by Hyyrö's
// bit-parallel algorithm (2003): one machine word holds a column of the
// edit table for a of up to 64 bytes, so a pair of names costs one pass
// over b instead of len(a)*len(b) cells.
func osaBits(a, b string) int {
	// Positions of each letter of a, by levClass: 64 words to clear per
	// call rather than 256.
	var peq [64]uint64
	for i := 0; i < len(a); i++ {
		c := levClass[a[i]]
		if c == 0 {
			return osaTable(a, b)
		}
		peq[c] |= 1 << uint(i)
	}
	vp, vn, d0, pmOld := ^uint64(0), uint64(0), uint64(0), uint64(0)
	dist := len(a)
	last := uint64(1) << uint(len(a)-1)
	for j := 0; j < len(b); j++ {
		c := levClass[b[j]]
		if c == 0 {
			return osaTable(a, b)
		}
		pm := peq[c]
		tr := ((^d0 & pm) << 1) & pmOld
		d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr
		hp := vn | ^(d0 | vp)
		hn := d0 & vp
		if hp&last != 0 {
			dist++
		}
		if hn&last != 0 {
			dist--
		}
		hp = hp<<1 | 1
		hn <<= 1
		vp = hn | ^(d0 | hp)
		vn = hp & d0
		pmOld = pm
	}
	return dist
}

// levClass numbers the bytes of romanised tokens (letters, digits, the
// apostrophe) from 1; 0 is any other byte, which osaBits leaves to
// osaTable.
var levClass = func() (c [256]uint8) {
	n := uint8(1)
	for _, r := range "abcdefghijklmnopqrstuvwxyz0123456789'" {
		c[r] = n
		n++
	}
	return c
}()

// osaTable is the same distance by the full table, for words longer than
// a machine word.
func osaTable(a, b string) int {
	la, lb := len(a), len(b)
	pp, prev, cur := make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		ai := a[i-1]
		for j := 1; j <= lb; j++ {
			cost := 1
			if ai == b[j-1] {
				cost = 0
			}
			v := prev[j-1] + cost
			if d := prev[j] + 1; d < v {
				v = d
			}
			if d := cur[j-1] + 1; d < v {
				v = d
			}
			if i > 1 && j > 1 && ai == b[j-2] && a[i-2] == b[j-1] {
				if d := pp[j-2] + 1; d < v {
					v = d
				}
			}
			cur[j] = v
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[lb]
}

func levSim(a, b string) float64 {
	if a == b {
		return 1
	}
	m := len(a)
	if len(b) > m {
		m = len(b)
	}
	if m == 0 {
		return 1
	}
	return 1 - float64(levenshtein(a, b))/float64(m)
}

// deletes returns s with each single byte removed: two strings within one
// edit share at least one of these variants (or each other), which lets the
// index find misspelt tokens without comparing against the vocabulary.
func deletes(s string, out []string) []string {
	if len(s) < 4 {
		return out
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue
		}
		out = append(out, s[:i]+s[i+1:])
	}
	return out
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// soundClass groups letters that romanisations of one sound swap: a name
// written in Cyrillic, Arabic or Hebrew and its Latin spelling differ
// mostly inside these groups.
func soundClass(c byte) byte {
	switch c {
	case 'b', 'v', 'f', 'p', 'w':
		return 'b'
	case 'k', 'q', 'c', 'g':
		return 'k'
	case 's', 'z':
		return 's'
	case 't', 'd':
		return 't'
	case 'm', 'n':
		return 'm'
	case 'l', 'r':
		return 'l'
	}
	return c
}

// crossSim compares the romanisations of two spellings of a name from
// different scripts with a weighted edit distance: vowels and "h" (which
// scripts write or omit at will) and letters of one sound class cost
// less than other edits.
func crossSim(a, b string) float64 { return crossSimMin(a, b, 0) }

// crossSimMin is crossSim that gives up (returns 0) as soon as the result
// must fall below minSim.
func crossSimMin(a, b string, minSim float64) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 || la > 40 || lb > 40 {
		return 0
	}
	// Costs come from tables built once (crossCosts): this loop runs for
	// most token pairs across scripts, and the branches of the cost rules
	// cost more than the rest of the edit distance.
	var ca, cb [40]uint8
	for i := 0; i < la; i++ {
		ca[i] = crossClass[a[i]]
	}
	for j := 0; j < lb; j++ {
		cb[j] = crossClass[b[j]]
	}
	var prevBuf, curBuf [41]float64
	prev, cur := prevBuf[:lb+1], curBuf[:lb+1]
	for j := 1; j <= lb; j++ {
		prev[j] = prev[j-1] + crossIndel[cb[j-1]]
	}
	scale := crossCostScale
	if max(la, lb) <= 4 {
		scale *= 1.5
	}
	// The cost only grows row by row: once every cell of a row exceeds
	// the budget, the pair cannot reach minSim.
	budget := (1 - minSim) * float64(max(la, lb)) / scale
	for i := 1; i <= la; i++ {
		x := a[i-1]
		subRow := &crossSub[ca[i-1]]
		insA := crossIndel[ca[i-1]]
		cur[0] = prev[0] + insA
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			var sc float64
			if x != b[j-1] {
				sc = subRow[cb[j-1]]
			}
			v := prev[j-1] + sc
			if d := prev[j] + insA; d < v {
				v = d
			}
			if d := cur[j-1] + crossIndel[cb[j-1]]; d < v {
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

// crossClass numbers the bytes crossSim tells apart: the letters a-z
// (1-26) and the apostrophe (27); every other byte is class 0, which
// costs what any unrelated byte costs (equal bytes are caught before the
// table).
var crossClass = func() (c [256]uint8) {
	for x := 'a'; x <= 'z'; x++ {
		c[x] = uint8(x-'a') + 1
	}
	c['\''] = 27
	return c
}()

// crossIndel and crossSub are crossSim's insertion/deletion and
// substitution costs by class, from crossIndelCost and crossSubCost.
var crossIndel, crossSub = func() (ind [28]float64, sub [28][28]float64) {
	rep := func(k int) byte { // a byte of class k (0: one no rule names)
		switch {
		case k == 0:
			return '0'
		case k == 27:
			return '\''
		}
		return byte('a' + k - 1)
	}
	for x := 0; x < 28; x++ {
		ind[x] = crossIndelCost(rep(x))
		for y := 0; y < 28; y++ {
			sub[x][y] = crossSubCost(rep(x), rep(y))
			if x == 0 && y == 0 {
				sub[x][y] = 1 // two different unrelated bytes
			}
		}
	}
	return ind, sub
}()

// crossIndelCost is the cost of inserting or dropping c: vowels and "h"
// (which scripts write or omit at will) cost a quarter of an edit.
func crossIndelCost(c byte) float64 {
	if isVowel(c) || c == 'h' || c == '\'' {
		return 0.25
	}
	return 1
}

// crossSubCost is the cost of writing y for x.
func crossSubCost(x, y byte) float64 {
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

// crossCostScale calibrates crossSim against typo similarity: measured on
// the transliteration pairs, spellings of one name across scripts cost
// about this fraction of what the same edits cost between two Latin
// spellings, while shuffled (different) names stay far apart.
var crossCostScale = 0.75

// consonantGroup puts together the consonants that crossSim substitutes
// cheaply for one another; vowels, h, w, v and y (cheap to insert, drop or
// swap for a vowel) belong to none.
func consonantGroup(c byte) int {
	switch c {
	case 'b', 'f', 'p':
		return 1
	case 'k', 'q', 'c', 'g', 'x', 's', 'z', 'j':
		return 2
	case 't', 'd':
		return 3
	case 'm', 'n':
		return 4
	case 'l', 'r':
		return 5
	case 'a', 'e', 'i', 'o', 'u', 'y', 'h', 'w', 'v', '\'':
		return 0
	}
	return 6
}

// crossBound is an upper bound of crossSim from consonant-group counts.
// A unit of count difference in groups 3-6 costs at least 0.5 (an edit
// costs at least 1 and fixes at most two units); in groups 1-2 at least
// 0.3, because c, j, v and w also swap cheaply with h, y and vowels.
func crossBound(a, b string) float64 {
	var n [7]int
	for i := 0; i < len(a); i++ {
		n[consonantGroup(a[i])]++
	}
	for i := 0; i < len(b); i++ {
		n[consonantGroup(b[i])]--
	}
	cost := 0.0
	for g := 1; g < 7; g++ {
		d := float64(max(n[g], -n[g]))
		if g <= 2 {
			cost += 0.3 * d
		} else {
			cost += 0.5 * d
		}
	}
	m := max(len(a), len(b))
	scale := crossCostScale
	if m <= 4 {
		scale *= 1.5
	}
	return 1 - scale*cost/float64(m)
}

func pairIs(x, y, a, b byte) bool { return x == a && y == b || x == b && y == a }
