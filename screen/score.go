package screen

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// aname is an analysed name ready for comparison: tokens with their
// weights (kind times rarity) and the joined text used to catch words run
// together or split apart.
type aname struct {
	value string
	kind  string // the Name.Kind, or "acronym" for a derived acronym
	toks  []*Token
	w     []float64
	rare  []float64 // rarity factor of each token (1 when unknown)
	ids   []uint32  // vocabulary ids of an indexed name's tokens
	// tokBase numbers a query name's tokens across all names of the
	// query, for the similarity cache.
	tokBase int
	sumW    float64
	joined  string // built on first use: most comparisons never need it
	jdone   bool
	nums    int
}

func (a *aname) joinedText() string {
	if !a.jdone {
		n := 0
		for _, t := range a.toks {
			if t.Kind != KindLegal && t.Kind != KindTitle {
				n += len(t.Text)
			}
		}
		b := make([]byte, 0, n)
		for _, t := range a.toks {
			if t.Kind != KindLegal && t.Kind != KindTitle {
				b = append(b, t.Text...)
			}
		}
		a.joined, a.jdone = string(b), true
	}
	return a.joined
}

// joinedLen is the length of joinedText without building it.
func (a *aname) joinedLen() int {
	n := 0
	for _, t := range a.toks {
		if t.Kind != KindLegal && t.Kind != KindTitle {
			n += len(t.Text)
		}
	}
	return n
}

func newAname(value, kind string, toks []*Token, rare []float64) *aname {
	a := &aname{value: value, kind: kind, toks: toks, rare: rare}
	a.finish()
	return a
}

func (a *aname) finish() {
	if cap(a.w) >= len(a.toks) {
		a.w = a.w[:len(a.toks)]
	} else {
		a.w = make([]float64, len(a.toks))
	}
	a.sumW, a.nums = 0, 0
	a.joined, a.jdone = "", false
	for i, t := range a.toks {
		r := 1.0
		if a.rare != nil {
			r = a.rare[i]
		}
		w := tokenWeight(t, r)
		a.w[i] = w
		a.sumW += w
		if t.Kind == KindNumber {
			a.nums++
		}
	}
}

// tokenWeight is a token's weight in its name: its kind's weight, halved
// for an initial, lowered for a patronymic, times its rarity.
func tokenWeight(t *Token, rare float64) float64 {
	w := baseWeight(t.Kind)
	if t.Kind == KindWord && len(t.Text) == 1 {
		w = 0.5
	}
	if t.Kind == KindWord && isPatronymic(t.Text) {
		// Patronymics (Viktorovich, Ruslanovna) are often left out.
		w = 0.4
	}
	if t.Kind == KindWord || t.Kind == KindNumber {
		w *= rare
	}
	return w
}

func sharesConcept(a, b []uint16) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// tokSim is the similarity of two tokens in [0,1]: exact and dictionary
// equivalence first (numbers must be equal, organisation words must share
// a concept across languages), then spelling and phonetic closeness, and
// for Arabic and Hebrew the consonant skeleton.
func tokSim(a, b *Token, minSim float64) float64 {
	s := tokSimRaw(a, b, minSim)
	if a.Han != b.Han && s > 0.85 {
		// A Han or Hangul syllable's romanisation is one of several
		// readings (Mandarin, Korean, Japanese, Cantonese): even an exact
		// Latin equal is never certain. Kana spell sounds: a katakana
		// word and its Latin original differ by the vowels kana add and
		// by l/r, v/b, which the comparison models.
		lim := 0.85
		if isKana(a) || isKana(b) {
			lim = 0.92
		}
		s = min(s, lim)
	}
	return s
}

// isKana tells whether a token is written in hiragana or katakana.
func isKana(t *Token) bool {
	if t.Script != scSyllabic || t.Orig == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t.Orig)
	return r >= 0x3040 && r <= 0x30FF
}

// kanaCore takes out of a kana word's romanisation the vowels that
// Japanese adds to a foreign name's consonants: u after most consonants,
// o after t and d, when another consonant or the end follows (baraku
// -> barak, toranpu -> tranp, donarudo -> donard).
func kanaCore(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && !isVowel(s[i-1]) && s[i-1] != 'n' && (i+1 == len(s) || !isVowel(s[i+1])) {
			if c == 'u' || c == 'o' && (s[i-1] == 't' || s[i-1] == 'd') {
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func tokSimRaw(a, b *Token, minSim float64) float64 {
	if a.Kind == KindNumber || b.Kind == KindNumber {
		if a.Kind == b.Kind && a.Text == b.Text {
			return 1
		}
		return 0
	}
	if a.Script == b.Script && (a.Script == scHan || a.Script == scSyllabic) && a.Orig != b.Orig {
		// Two words written in the same syllabic script differ by whole
		// syllables: 김정은 and 김종은, 习近平 and 习近朋 are other
		// names, however close their romanisations.
		return syllableSim(a.Orig, b.Orig, minSim)
	}
	if a.Text == b.Text {
		return 1
	}
	if len(a.Concepts) > 0 && len(b.Concepts) > 0 {
		if sharesConcept(a.Concepts, b.Concepts) {
			return 1
		}
		if a.Kind == KindLegal && b.Kind == KindLegal {
			if a.Generic != 0 && a.Generic == b.Generic {
				return 0.7
			}
			return 0
		}
	}
	if isNickPair(a, b) {
		return 0.9
	}
	la, lb := len(a.Text), len(b.Text)
	if la == 1 || lb == 1 {
		// An initial stands for any word with that first letter.
		if a.Kind == KindWord && b.Kind == KindWord && a.Text[0] == b.Text[0] {
			return 0.75
		}
		return 0
	}
	s := 0.0
	keyEq := a.Key == b.Key && a.Key != ""
	if keyEq {
		s = 0.92
	}
	dT, dK := -1, -1 // edit distances of text and key, -1 when not computed
	if la >= 3 && lb >= 3 && s < 0.92 {
		// Cheap bounds first: an edit changes the length by at most one
		// and the letter set by at most two letters.
		var v float64
		if v, dT = boundedLev(a.Text, b.Text, a.mask, b.mask, minSim); v > s {
			s = v
		}
		if v, dK = boundedLev(a.Key, b.Key, a.kmask, b.kmask, minSim/0.96); v*0.96 > s {
			s = v * 0.96
		}
	}
	if s > 0 && a.Script == b.Script && !a.Abjad && !b.Abjad && max(la, lb) >= 4 && !(keyEq && max(la, lb) < 7) {
		// (With equal keys only a long word's one-letter typo can rise
		// above the key's 0.92.)
		s = typoShape(a, b, s, dT, dK)
	}
	if ls, lt := len(a.Skel), len(b.Skel); (a.Abjad || b.Abjad) && ls >= 2 && lt >= 2 {
		// Cheap bound first: the edit cost is at least the length gap.
		if 0.9*(1-float64(max(ls-lt, lt-ls))/float64(max(ls, lt))) >= max(s, minSim) {
			if v := skelSim(a.Skel, b.Skel) * 0.9; v > s {
				s = v
			}
		}
	}
	// Spellings from different scripts differ more than typos do; Han
	// syllables are excluded (a character's pinyin is only one reading)
	// and so are pairs of very different length.
	if a.Script != b.Script && !a.Han && !b.Han && s < 0.92 && a.Kind == KindWord && b.Kind == KindWord {
		fewVowels := a.Script == scHebrew || b.Script == scHebrew
		if v := crossPair(a.Text, b.Text, max(s, minSim), fewVowels); v > s {
			s = v
		}
		if v := crossPair(a.Key, b.Key, max(s, minSim), fewVowels); v > s {
			s = v
		}
	}
	if a.Han != b.Han && (isKana(a) && b.Script == scLatin || isKana(b) && a.Script == scLatin) {
		k, l := a, b
		if isKana(b) {
			k, l = b, a
		}
		if v := crossPair(kanaCore(k.Text), l.Text, max(s, minSim), false); v > s {
			s = v
		}
	}
	if s < minSim {
		return 0
	}
	return s
}

// nickOf is the nickname groups of a token: analysis sets them on name
// words; a word the dictionary reads as a particle ("Ben") is looked up
// here.
func nickOf(t *Token) []uint16 {
	if t.Nick != nil || t.Kind != KindPersonPart {
		return t.Nick
	}
	return getDict().particleNick[t.Text]
}

// isNickPair tells whether two tokens are forms of one given name (Bill
// and William, Sasha and Aleksandr).
func isNickPair(a, b *Token) bool {
	if a.Kind != KindPersonPart && b.Kind != KindPersonPart && (len(a.Nick) == 0 || len(b.Nick) == 0) {
		return false
	}
	na, nb := nickOf(a), nickOf(b)
	return len(na) > 0 && len(nb) > 0 && sharesConcept(na, nb)
}

// typoShape reshapes the similarity of two spellings in one script by
// how many edits separate them rather than by their share of the length:
// one edit in a word of four letters or more is a typo (Apple/Appel,
// Pulin/Putin), while three edits that leave neither the spelling nor the
// sound within two edits make another word, however long both are
// (Shamsuddin/Shahabuddin, Abdurrahim/Abdurrahman, Constructors/
// Construction).
//
// dT and dK are the edit distances of the texts and of the keys when
// already computed, else -1.
func typoShape(a, b *Token, s float64, dT, dK int) float64 {
	l := max(len(a.Text), len(b.Text))
	if l < 4 {
		return s
	}
	d := dT
	if d < 0 {
		d = levenshtein(a.Text, b.Text)
	}
	if d == 1 && !lastLetterEdit(a.Text, b.Text) {
		return max(s, 1-0.5/float64(l))
	}
	if d >= 3 && float64(d)/float64(l) > 0.2 {
		if dK < 0 {
			dK = levenshtein(a.Key, b.Key)
		}
		// Keys two apart, or a whole syllable more (Mahir/Mahathir,
		// Karim/Karimullah) whose sound differs too: another name.
		if dK >= 2 || dK >= 1 && abs(len(a.Text)-len(b.Text)) >= 3 {
			return 0
		}
	}
	return s
}

// joinedParts is the number of tokens that make up joinedText.
func joinedParts(a *aname) int {
	n := 0
	for _, t := range a.toks {
		if t.Kind != KindLegal && t.Kind != KindTitle {
			n++
		}
	}
	return n
}

// hasHan tells whether a name has words of a syllabic script, whose
// romanisations must not be joined and compared letter by letter
// against each other.
func hasHan(a *aname) bool {
	for _, t := range a.toks {
		if t.Han {
			return true
		}
	}
	return false
}

// syllableSim compares two words of a syllabic script character by
// character.
func syllableSim(a, b string, minSim float64) float64 {
	ra, rb := []rune(a), []rune(b)
	m := max(len(ra), len(rb))
	if m == 0 {
		return 0
	}
	// Levenshtein on runes; the words are a few syllables long.
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	s := 1 - float64(prev[len(rb)])/float64(m)
	if s < minSim {
		return 0
	}
	return s
}

// lastLetterEdit tells whether two spellings one edit apart differ only
// in their last letter: endings carry gender and inflection
// (Andre/Andrea, Angela/Angelo), so such a pair is not a mere typo.
func lastLetterEdit(a, b string) bool {
	n := min(len(a), len(b))
	p := 0
	for p < n && a[p] == b[p] {
		p++
	}
	if len(a) == len(b) {
		return p == n-1
	}
	return p == n
}

// crossPair is crossSim of two romanisations from different scripts, for
// pairs of comparable length. Hebrew spells even foreign names with few
// vowel letters, so its romanisation may be half as long as the Latin
// spelling of the same name (כהן, khn, is Cohen; דוד, dod, is David).
// Arabic writes a foreign name's vowels as long ones (ديفيد), and other
// scripts write every sound: there such a length gap means another name,
// and allowing it only raised false matches on the screening benchmark's
// Arabic-script negatives.
func crossPair(a, b string, minSim float64, fewVowels bool) float64 {
	la, lb := len(a), len(b)
	ratioNum, ratioDen := 3, 2 // the longer at most 1.5 times the shorter
	if fewVowels {
		ratioNum, ratioDen = 2, 1
	}
	if la < 2 || lb < 2 || ratioDen*max(la, lb) > ratioNum*min(la, lb) {
		return 0
	}
	if crossBound(a, b) < minSim {
		return 0
	}
	return crossSimMin(a, b, minSim)
}

// boundedLev is levSim with cheap bounds first; it also returns the edit
// distance, or -1 when the bounds ruled the pair out without computing it.
func boundedLev(a, b string, ma, mb uint32, minSim float64) (float64, int) {
	m := max(len(a), len(b))
	if m == 0 {
		return 0, -1
	}
	d := len(a) - len(b)
	if d < 0 {
		d = -d
	}
	if xd := bits.OnesCount32(ma^mb) / 2; xd > d {
		d = xd
	}
	if 1-float64(d)/float64(m) < minSim {
		return 0, -1
	}
	if a == b {
		return 1, 0
	}
	d = levenshtein(a, b)
	return 1 - float64(d)/float64(m), d
}

type tokPair struct {
	q, c int
	sim  float64
}

// nameCmp is the comparison of one query name with one entity name.
type nameCmp struct {
	score          float64
	tokenScore     float64
	covQ, covC     float64
	pairs          []tokPair
	joined         bool
	numberConflict bool
	conflicts      []string
	informative    float64 // rarity-weighted count of matched words/numbers
	contentQ       int     // content words/numbers in the query name
	contentC       int     // content words/numbers in the entity name
	contentMatched int     // content words/numbers paired
	initials       int     // initials paired with a word they start
	// where the last initial and the last full word paired, for the
	// order check of initialsAgree
	initQ, initC, wordQ, wordC int
	leftQ, leftC               bool // a word of the name found no partner
	// organisation words (field of activity, generic body words) paired,
	// and left unpaired on each side
	orgPaired          int
	orgLeftQ, orgLeftC bool
	office             bool // one side is an office title and a name word, all paired
}

// compareNames aligns the tokens of two names greedily, best pairs first,
// and scores the weighted share of each side that found a partner. cls is
// the type class ("person", "org" or "") that sets how much a missing
// word costs: a person listed with extra middle names is still the person,
// a company with an extra word ("Santander Mexico") is often another one.
func compareNames(q, c *aname, cfg *Config, cls string, keepPairs bool) nameCmp {
	return compareNamesCached(q, c, cfg, cls, keepPairs, nil)
}

// simCache remembers token similarities between the tokens of one query
// and vocabulary tokens of the index: the same few words recur across the
// candidate names of a query.
//
// It is indexed by vocabulary id (an epoch-tagged slot per id, then a row
// of one value per query token), which costs two array reads where a
// hash map costs a hash and a probe.
type simCache struct {
	epoch uint32
	// per vocabulary id: the epoch its row was assigned in, and the row
	// in vals (side by side: one cache line read per lookup)
	slot   []simSlot
	stride int // query tokens per row
	vals   []float32
	// pairs is compareNamesCached's working list of token pairs, kept
	// from one candidate name to the next (a fresh array per name cost a
	// kilobyte and a half of zeroing each time).
	pairs []tokPair
}

type simSlot struct{ tag, row uint32 }

// reset starts the cache for a query of nTok tokens over a vocabulary of
// nVocab ids.
func (c *simCache) reset(nVocab, nTok int) {
	if len(c.slot) != nVocab {
		c.slot = make([]simSlot, nVocab)
		c.epoch = 0
	}
	c.epoch++
	if c.epoch == 0 {
		clear(c.slot)
		c.epoch = 1
	}
	c.stride = nTok
	c.vals = c.vals[:0]
}

// at returns the cached cell of query token qi and vocabulary id v (NaN
// when not computed yet).
func (c *simCache) at(v uint32, qi int) *float32 {
	sl := &c.slot[v]
	if sl.tag != c.epoch {
		sl.tag = c.epoch
		sl.row = uint32(len(c.vals) / c.stride)
		for k := 0; k < c.stride; k++ {
			c.vals = append(c.vals, float32(math.NaN()))
		}
	}
	return &c.vals[int(sl.row)*c.stride+qi]
}

func compareNamesCached(q, c *aname, cfg *Config, cls string, keepPairs bool, cache *simCache) nameCmp {
	var res nameCmp
	nq, nc := len(q.toks), len(c.toks)
	if nq == 0 || nc == 0 {
		return res
	}
	if cache == nil {
		cache = &simCache{} // no similarities kept; only the pair list
	}
	cands := cache.pairs[:0]
	for i, qt := range q.toks {
		for j, ct := range c.toks {
			var s float64
			if c.ids != nil && cache.slot != nil {
				cell := cache.at(c.ids[j], q.tokBase+i)
				if v := *cell; v == v {
					s = float64(v)
				} else {
					s = tokSim(qt, ct, cfg.MinTokenSim)
					*cell = float32(s)
				}
			} else {
				s = tokSim(qt, ct, cfg.MinTokenSim)
			}
			if s > 0 {
				cands = append(cands, tokPair{i, j, s})
			}
		}
	}
	// Ties prefer heavier tokens. Insertion sort for the usual short
	// lists; a full sort for long ones.
	if len(cands) <= 32 {
		for i := 1; i < len(cands); i++ {
			for j := i; j > 0 && better(cands[j], cands[j-1], q, c); j-- {
				cands[j], cands[j-1] = cands[j-1], cands[j]
			}
		}
	} else {
		slices.SortStableFunc(cands, func(x, y tokPair) int {
			switch {
			case better(x, y, q, c):
				return -1
			case better(y, x, q, c):
				return 1
			}
			return 0
		})
	}
	cache.pairs = cands[:0] // keep what the list grew to for the next name
	var usedQ, usedC uint64
	var matchedQ, matchedC float64
	numQ, numC := 0, 0
	var pairOf, pairOfC [64]int8 // query token <-> entity token, for the particle rule
	for i := range pairOf {
		pairOf[i], pairOfC[i] = -1, -1
	}
	for _, p := range cands {
		if p.q >= 64 || p.c >= 64 {
			continue
		}
		if usedQ&(1<<p.q) != 0 || usedC&(1<<p.c) != 0 {
			continue
		}
		usedQ |= 1 << p.q
		usedC |= 1 << p.c
		pairOf[p.q], pairOfC[p.c] = int8(p.c), int8(p.q)
		v := p.sim
		if cfg.SimExponent != 1 && v < 1 {
			v = math.Pow(v, cfg.SimExponent)
		}
		matchedQ += q.w[p.q] * v
		matchedC += c.w[p.c] * v
		if isOrgWord(q.toks[p.q].Kind) || isOrgWord(c.toks[p.c].Kind) {
			res.orgPaired++
		}
		if q.toks[p.q].Kind == KindNumber {
			numQ++
			numC++
		}
		if k, qk := c.toks[p.c].Kind, q.toks[p.q].Kind; (k == KindWord || k == KindNumber) && (qk == KindWord || qk == KindNumber) ||
			// A short word some language lists as a stopword ("Si") is
			// a name when it pairs with a name word in a person's name.
			cls == "person" && (k == KindWord && qk == KindStop || k == KindStop && qk == KindWord) ||
			// A particle that is also a given name's short form ("Ben"
			// for Benjamin) is that name.
			(k == KindWord && qk == KindPersonPart || k == KindPersonPart && qk == KindWord) && isNickPair(q.toks[p.q], c.toks[p.c]) {
			r := 1.0
			if c.rare != nil {
				r = c.rare[p.c]
			}
			if len(c.toks[p.c].Text) > 1 && len(q.toks[p.q].Text) > 1 {
				res.informative += r * p.sim
				res.contentMatched++
				res.wordQ, res.wordC = p.q, p.c
			} else if len(c.toks[p.c].Text) != len(q.toks[p.q].Text) {
				res.initials++
				res.initQ, res.initC = p.q, p.c
			}
		}
		if keepPairs {
			res.pairs = append(res.pairs, p)
		}
	}
	// An unmatched word may be two or three words of the other side
	// written together ("Abdulrahman" / "Abdul Rahman", "Vanderbilt" /
	// "van der Bilt").
	for pass := 0; pass < 2; pass++ {
		a, b, ua, ub := q, c, &usedQ, &usedC
		if pass == 1 {
			a, b, ua, ub = c, q, &usedC, &usedQ
		}
		for i, t := range a.toks {
			if i >= 64 || *ua&(1<<i) != 0 || t.Kind == KindNumber || len(t.Text) < 6 {
				continue
			}
			for j := 0; j+1 < len(b.toks) && j+1 < 64; j++ {
				if *ub&(1<<j) != 0 || b.toks[j].Kind == KindNumber || t.Text[0] != b.toks[j].Text[0] {
					continue
				}
				jlen := len(b.toks[j].Text)
				for n := 2; n <= 3 && j+n <= len(b.toks) && j+n <= 64; n++ {
					bt := b.toks[j+n-1]
					if *ub&(1<<(j+n-1)) != 0 || bt.Kind == KindNumber {
						break
					}
					jlen += len(bt.Text)
					if jlen > len(t.Text)+2 {
						break
					}
					if jlen < len(t.Text)-2 {
						continue
					}
					var joined string
					for k := j; k < j+n; k++ {
						joined += b.toks[k].Text
					}
					sim := levSim(t.Text, joined)
					if sim < 0.85 {
						if k := levSim(t.Key, phoneticKey(joined)); k > sim {
							sim = k
						}
					}
					if sim < 0.85 {
						continue
					}
					*ua |= 1 << i
					wa, wb := a.w[i]*sim, 0.0
					for k := j; k < j+n; k++ {
						*ub |= 1 << k
						wb += b.w[k] * sim
					}
					if pass == 0 {
						matchedQ, matchedC = matchedQ+wa, matchedC+wb
					} else {
						matchedC, matchedQ = matchedC+wa, matchedQ+wb
					}
					if keepPairs {
						if pass == 0 {
							res.pairs = append(res.pairs, tokPair{i, j, sim})
						} else {
							res.pairs = append(res.pairs, tokPair{j, i, sim})
						}
					}
					res.informative += sim
					res.contentMatched += n
					break
				}
				if *ua&(1<<i) != 0 {
					break
				}
			}
		}
	}
	// An unmatched short word may be the initials of a run of unmatched
	// words on the other side ("J.-C." / "Jean-Claude", "U.S." / "United
	// States").
	for pass := 0; pass < 2; pass++ {
		a, b, ua, ub := q, c, &usedQ, &usedC
		if pass == 1 {
			a, b, ua, ub = c, q, &usedC, &usedQ
		}
		for i, t := range a.toks {
			if i >= 64 || *ua&(1<<i) != 0 || t.Kind != KindWord || len(t.Text) < 2 || len(t.Text) > 5 {
				continue
			}
			for j := 0; j+len(t.Text) <= len(b.toks) && j+len(t.Text) <= 64; j++ {
				ok := true
				for k := 0; k < len(t.Text); k++ {
					bt := b.toks[j+k]
					if *ub&(1<<(j+k)) != 0 || bt.Text == "" || bt.Text[0] != t.Text[k] || bt.Kind == KindNumber {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				const sim = 0.85
				*ua |= 1 << i
				wa, wb := a.w[i]*sim, 0.0
				for k := 0; k < len(t.Text); k++ {
					*ub |= 1 << (j + k)
					wb += b.w[j+k] * sim
				}
				if pass == 0 {
					matchedQ, matchedC = matchedQ+wa, matchedC+wb
				} else {
					matchedC, matchedQ = matchedC+wa, matchedQ+wb
				}
				if keepPairs {
					if pass == 0 {
						res.pairs = append(res.pairs, tokPair{i, j, sim})
					} else {
						res.pairs = append(res.pairs, tokPair{j, i, sim})
					}
				}
				res.informative += 0.5
				res.initials++
				if pass == 0 {
					res.initQ, res.initC = i, j
				} else {
					res.initQ, res.initC = j, i
				}
				break
			}
		}
	}
	// Unmatched content words on both sides contradict each other (Hans
	// Joachim / Hans O.), which is worse than one side saying more.
	var leftQ, leftC, ctryQ, ctryC, legQ, legC bool
	var leftWQ, leftWC float64
	// In an organisation's name, a world region on one side only
	// ("Faberlic Europe", "Acme Asia Pacific") names a regional branch of
	// the same group: it weighs less than a word. A country does not:
	// "Banco Santander México" is a bank of its own.
	var placeWQ, placeWC float64
	org := cls == "org"
	var legalQ, legalC *Token
	for i, t := range q.toks {
		if t.Kind == KindLegal {
			legalQ = t
		}
		if usedQ&(1<<i) == 0 && i < 64 {
			switch {
			case t.Country != "":
				ctryQ = true
			case org && t.Kind == KindWord && isRegionWord(t.Text):
				ctryQ = true
				placeWQ += q.w[i]
			case org && isOrgWord(t.Kind):
				res.orgLeftQ = true
			case t.Kind == KindWord, t.Kind == KindPersonPart && len(t.Text) >= 3 && !isPatronymParticle(t) && !prefixLeft(t, c, usedC):
				// An unmatched "Abdul" or "Abu" starts a name of its own.
				leftQ = true
				leftWQ += q.w[i]
			case cls == "person" && (t.Kind == KindOrgTerm || t.Kind == KindDomain):
				// In a person's name a dictionary word is a name ("Mir",
				// "Nasr"): left over, it is a word like any other.
				leftQ = true
				leftWQ += q.w[i]
			case t.Kind == KindLegal:
				legQ = true
			}
		}
	}
	for j, t := range c.toks {
		if t.Kind == KindLegal {
			legalC = t
		}
		if usedC&(1<<j) == 0 && j < 64 {
			switch {
			case t.Country != "":
				ctryC = true
			case org && t.Kind == KindWord && isRegionWord(t.Text):
				ctryC = true
				placeWC += c.w[j]
			case org && isOrgWord(t.Kind):
				res.orgLeftC = true
			case t.Kind == KindWord, t.Kind == KindPersonPart && len(t.Text) >= 3 && !isPatronymParticle(t) && !prefixLeft(t, q, usedQ):
				leftC = true
				leftWC += c.w[j]
			case cls == "person" && (t.Kind == KindOrgTerm || t.Kind == KindDomain):
				// In a person's name a dictionary word is a name ("Mir",
				// "Nasr"): left over, it is a word like any other.
				leftC = true
				leftWC += c.w[j]
			case t.Kind == KindLegal:
				legC = true
			}
		}
	}
	for _, t := range q.toks {
		if (t.Kind == KindWord || t.Kind == KindNumber) && len(t.Text) > 1 {
			res.contentQ++
		}
	}
	for _, t := range c.toks {
		if (t.Kind == KindWord || t.Kind == KindNumber) && len(t.Text) > 1 {
			res.contentC++
		}
	}
	sumQ, sumC := q.sumW, c.sumW
	// "President Erdogan": an office title and one name word name the
	// holder; the given names the other side adds are not missing.
	if cls != "org" {
		if officeHeld(q, usedQ) {
			sumC -= leftWords(c, usedC) * ancestorDiscount
			res.office = true
		} else if officeHeld(c, usedC) {
			sumQ -= leftWords(q, usedQ) * ancestorDiscount
			res.office = true
		}
	}
	// "Osama bin Laden" cuts "Usama bin Muhammad ibn Awad ibn Ladin"
	// to the family's name: the ancestors left out are not missing words.
	var skipQ, skipC uint64
	if cls != "org" && (hasPatronymParticle(q) || hasPatronymParticle(c)) {
		skipC = ancestorSkip(q, c, &pairOf) &^ usedC
		skipQ = ancestorSkip(c, q, &pairOfC) &^ usedQ
		for m := range min(nc, 64) {
			if skipC&(1<<m) != 0 {
				sumC -= c.w[m] * ancestorDiscount
			}
		}
		for m := range min(nq, 64) {
			if skipQ&(1<<m) != 0 {
				sumQ -= q.w[m] * ancestorDiscount
			}
		}
	}
	if ctryQ != ctryC && res.informative > 0 {
		// Only when a name word agrees: "Ministry of Defence of Ukraine"
		// is not a branch of "Ministry of Defence".
		sumQ -= placeWQ * placeDiscount
		sumC -= placeWC * placeDiscount
	}
	if sumQ > 0 {
		res.covQ = min(1, matchedQ/sumQ)
	}
	if sumC > 0 {
		res.covC = min(1, matchedC/sumC)
	}
	res.leftQ, res.leftC = leftQ, leftC
	hi, lo := res.covQ, res.covC
	if lo > hi {
		hi, lo = lo, hi
	}
	alpha := cfg.Alpha
	switch cls {
	case "person":
		alpha = cfg.AlphaPerson
	case "org", "vessel", "aircraft":
		alpha = cfg.AlphaOrg
	}
	if (leftQ || ctryQ) && (leftC || ctryC) {
		alpha = cfg.AlphaConflict
	}
	if org && res.orgLeftQ && res.orgLeftC {
		// Each name says a kind of body the other does not ("Trust
		// Bank" / "Banking Corporation"): the worse-covered side counts
		// as for a contradiction.
		alpha = cfg.AlphaConflict
	}
	res.tokenScore = alpha*hi + (1-alpha)*lo
	if leftQ && leftC && q.sumW > 0 && c.sumW > 0 {
		// Each side names something the other does not: a contradiction,
		// as strong as the smaller unmatched share.
		res.tokenScore *= 1 - cfg.Contradiction*min(leftWQ/q.sumW, leftWC/c.sumW)
	}
	res.score = res.tokenScore
	if lq, lc := q.joinedLen(), c.joinedLen(); res.score < cfg.MatchThreshold && lq >= 6 && lc >= 6 && q.nums == c.nums {
		// Letter sets bound the edit distance without building the
		// joined strings (an edit changes at most two letters of the set).
		var mq, mc uint32
		for _, t := range q.toks {
			if t.Kind != KindLegal && t.Kind != KindTitle {
				mq |= t.mask
			}
		}
		for _, t := range c.toks {
			if t.Kind != KindLegal && t.Kind != KindTitle {
				mc |= t.mask
			}
		}
		d := max(bits.OnesCount32(mq^mc)/2, max(lq-lc, lc-lq))
		if 1-float64(d)/float64(max(lq, lc)) >= 0.9 && lq*10 >= lc*8 && lc*10 >= lq*8 {
			// With as many words on each side, the joined text must be
			// within two typos: a long string otherwise hides a
			// substituted word ("Mahmoud Ahmed el Sayed" / "Mahmoud
			// Mohamed el Sayed"). Names cut into a different number of
			// words need only be close.
			jq, jc := q.joinedText(), c.joinedText()
			d := levenshtein(jq, jc)
			js := 1 - float64(d)/float64(max(len(jq), len(jc)))
			if js >= 0.9 && (d <= 2 || joinedParts(q) != joinedParts(c)) && !(hasHan(q) && hasHan(c)) && !(cls == "person" && shortSubstitution(q, c, usedQ, usedC)) {
				if cfg.SimExponent != 1 {
					js = math.Pow(js, cfg.SimExponent)
				}
				if js > res.score {
					res.score = js
					res.joined = true
					if res.informative == 0 {
						res.informative = 1
					}
				}
			}
		}
	}
	if q.nums > 0 && c.nums > 0 && (numQ < q.nums || numC < c.nums) {
		res.score *= cfg.NumberConflict
		res.numberConflict = true
	}
	if ctryQ && ctryC {
		res.score *= cfg.NumberConflict
		res.conflicts = append(res.conflicts, "different countries in the names")
	}
	if legQ && legC && legalQ != nil && legalC != nil && (legalQ.Generic == 0 || legalQ.Generic != legalC.Generic) {
		res.score *= cfg.LegalConflict
		res.conflicts = append(res.conflicts, "different legal forms")
	}
	// "X bin Y" names the father Y: Salman bin Muhammad is not Muhammad
	// bin Salman, whatever the word overlap.
	for i := 0; i+1 < nq && i < 63; i++ {
		t := q.toks[i]
		if t.Kind != KindPersonPart || !isPatronymParticle(t) {
			continue
		}
		j := pairOf[i]
		if j < 0 || int(j)+1 >= nc {
			continue
		}
		// The name after the particle may pair with a name further up the
		// other side's chain of ancestors ("Osama bin Laden" / "Usama bin
		// Muhammad ibn Awad ibn Ladin"): a name after a particle there too.
		// Articles between the particle and the name are skipped ("bin
		// al-Din").
		qi, cj := nameAfter(q.toks, i), nameAfter(c.toks, int(j))
		if qi < 0 || cj < 0 || qi >= 64 || skipQ&(1<<qi) != 0 {
			continue
		}
		k := int(pairOf[qi])
		ancestor := k >= 1 && isPatronymParticle(c.toks[prevName(c.toks, k)])
		if k != cj && !ancestor {
			res.score *= cfg.ParticleConflict
			res.conflicts = append(res.conflicts, "different name after "+t.Text)
			break
		}
	}
	return res
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func isOrgWord(k TokenKind) bool { return k == KindOrgTerm || k == KindDomain }

// placeDiscount is the share of a one-sided region qualifier's weight
// that does not count against an organisation name's coverage.
const placeDiscount = 0.8

// officeHeld tells whether a name is an office title and one name word
// ("President Kagame", "Prime Minister Orban"), the word paired.
func officeHeld(a *aname, used uint64) bool {
	office, words := false, 0
	d := getDict()
	for i, t := range a.toks {
		switch {
		case t.Kind == KindTitle && slices.Contains(t.Concepts, d.office):
			office = true
		case t.Kind == KindWord:
			if i >= 64 || used&(1<<i) == 0 || len(t.Text) < 2 {
				return false
			}
			words++
		}
	}
	return office && words == 1
}

// leftWords is the weight of the unpaired name words of a.
func leftWords(a *aname, used uint64) float64 {
	w := 0.0
	for i, t := range a.toks {
		if i < 64 && used&(1<<i) == 0 && t.Kind == KindWord {
			w += a.w[i]
		}
	}
	return w
}

// shortSubstitution tells whether two person names of as many words
// differ by one short word each written in Arabic or Hebrew script (three
// letters or fewer: a whole root, so one letter makes another name,
// عارف/آصف, Arif/Asif): joining the words hides that substitution rather
// than finding a name written together. Latin short words keep the
// rescue: a typo there is a typo (Sko/Sok).
func shortSubstitution(q, c *aname, usedQ, usedC uint64) bool {
	if joinedParts(q) != joinedParts(c) {
		return false
	}
	one := func(a *aname, used uint64) bool {
		n := 0
		for i, t := range a.toks {
			if i < 64 && used&(1<<i) == 0 && t.Kind == KindWord {
				if len(t.Text) > 3 || !t.Abjad {
					return false
				}
				n++
			}
		}
		return n == 1
	}
	return one(q, usedQ) && one(c, usedC)
}

// ancestorDiscount is the share of a left-out ancestor's weight that does
// not count against coverage.
const ancestorDiscount = 0.8

func hasPatronymParticle(a *aname) bool {
	for _, t := range a.toks {
		if t.Kind == KindPersonPart && isPatronymParticle(t) {
			return true
		}
	}
	return false
}

// ancestorSkip finds, for each "X bin Y" of a whose Y pairs with a name
// further up b's chain ("X bin Y1 ibn Y2 ibn Y"), the words of b between
// them: ancestors a leaves out. It returns them as a set of b's tokens.
func ancestorSkip(a, b *aname, pairA *[64]int8) uint64 {
	var mask uint64
	for i := 0; i+1 < len(a.toks) && i < 63; i++ {
		t := a.toks[i]
		if t.Kind != KindPersonPart || !isPatronymParticle(t) || pairA[i] < 0 {
			continue
		}
		ai, bj := nameAfter(a.toks, i), nameAfter(b.toks, int(pairA[i]))
		if ai < 0 || bj < 0 || ai >= 64 {
			continue
		}
		k := int(pairA[ai])
		if k <= bj || k >= 64 || !isPatronymParticle(b.toks[prevName(b.toks, k)]) {
			continue
		}
		for m := bj; m < k; m++ {
			mask |= 1 << m
		}
	}
	return mask
}

// initialsAgree tells whether one name is the other with its given
// names cut to initials ("V. Putin", "J.-C. Juncker"): one full word and
// the initials of the others, nothing left over on the shorter side.
func initialsAgree(cmp nameCmp) bool {
	// The initial must stand on the same side of the full word in both
	// names: "Cabir Arslan" is not "A. Kabir".
	sameOrder := (cmp.initQ < cmp.wordQ) == (cmp.initC < cmp.wordC)
	return cmp.contentMatched == 1 && cmp.initials > 0 && !(cmp.leftQ && cmp.leftC) && sameOrder
}

// prefixLeft tells whether an unmatched token of the other name shares
// the first three letters of t: "Abd al" split by reordering ("..., Abd")
// is not another name.
func prefixLeft(t *Token, o *aname, used uint64) bool {
	for j, u := range o.toks {
		if j < 64 && used&(1<<j) == 0 && len(u.Text) >= 3 && u.Text[:3] == t.Text[:3] {
			return true
		}
	}
	return false
}

// nameAfter is the index of the first word after toks[i], skipping
// articles and stopwords, or -1.
func nameAfter(toks []*Token, i int) int {
	for k := i + 1; k < len(toks); k++ {
		switch toks[k].Kind {
		case KindStop:
			continue
		case KindWord:
			return k
		}
		return -1
	}
	return -1
}

// prevName is the index of the token before toks[k], skipping articles
// and stopwords (the particle of "ibn al-Ladin"), or k itself at the start.
func prevName(toks []*Token, k int) int {
	for p := k - 1; p >= 0; p-- {
		if toks[p].Kind != KindStop {
			return p
		}
	}
	return k
}

func isPatronymic(s string) bool {
	if len(s) < 7 {
		return false
	}
	for _, suf := range []string{"ovich", "evich", "ovna", "evna", "ovych", "ivna", "yevich", "ich"} {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

func isPatronymParticle(t *Token) bool {
	switch t.Text {
	case "bin", "ibn", "bint", "ben", "ould", "binti":
		return true
	}
	return false
}

func better(a, b tokPair, q, c *aname) bool {
	if a.sim != b.sim {
		return a.sim > b.sim
	}
	return q.w[a.q]+c.w[a.c] > q.w[b.q]+c.w[b.c]
}

// TokenMatch is one pair of aligned tokens in an explanation.
type TokenMatch struct {
	Query      string  `json:"query"`
	Entity     string  `json:"entity"`
	Kind       string  `json:"kind"`
	Similarity float64 `json:"similarity"`
	Weight     float64 `json:"weight"`
}

// Feature is one piece of evidence and what it added to the score.
type Feature struct {
	Name         string  `json:"name"`
	Contribution float64 `json:"contribution"`
	Detail       string  `json:"detail"`
}

// Explanation says why a result scored as it did.
type Explanation struct {
	QueryName       string       `json:"query_name"`
	EntityName      string       `json:"entity_name"`
	EntityNameKind  string       `json:"entity_name_kind"`
	NameScore       float64      `json:"name_score"`
	Tokens          []TokenMatch `json:"tokens"`
	UnmatchedQuery  []string     `json:"unmatched_query,omitempty"`
	UnmatchedEntity []string     `json:"unmatched_entity,omitempty"`
	Features        []Feature    `json:"features,omitempty"`
	Reason          string       `json:"reason"`
}

// String renders the explanation on one line for CSV output and logs.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name %q~%q (%s) %.2f", e.QueryName, e.EntityName, e.EntityNameKind, e.NameScore)
	if len(e.Tokens) > 0 {
		b.WriteString(" [")
		for i, t := range e.Tokens {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s=%s %.2f", t.Query, t.Entity, t.Similarity)
		}
		b.WriteString("]")
	}
	if len(e.UnmatchedQuery) > 0 {
		fmt.Fprintf(&b, " unmatched query: %s;", strings.Join(e.UnmatchedQuery, " "))
	}
	if len(e.UnmatchedEntity) > 0 {
		fmt.Fprintf(&b, " unmatched entity: %s;", strings.Join(e.UnmatchedEntity, " "))
	}
	for _, f := range e.Features {
		fmt.Fprintf(&b, " %s %+.2f (%s);", f.Name, f.Contribution, f.Detail)
	}
	b.WriteString(" => ")
	b.WriteString(e.Reason)
	return b.String()
}

// Result is one listed entity found for a query.
type Result struct {
	Entity      Entity      `json:"entity"`
	Score       float64     `json:"score"`
	Decision    Decision    `json:"decision"`
	Explanation Explanation `json:"explanation"`
}

// Query is a party to screen.
type Query struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Aliases     []string     `json:"aliases,omitempty"`
	Country     string       `json:"country,omitempty"` // ISO code or name; ";"-separated for several
	Type        string       `json:"type,omitempty"`
	Identifiers []Identifier `json:"identifiers,omitempty"`
	Parents     []string     `json:"parents,omitempty"`
}

// typeClass reduces list and FollowTheMoney types to the classes that can
// contradict each other.
func typeClass(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "person", "individual", "people":
		return "person"
	case "organization", "organisation", "company", "legalentity", "legal_entity", "entity", "org", "public_body", "publicbody":
		return "org"
	case "vessel", "ship":
		return "vessel"
	case "aircraft", "airplane":
		return "aircraft"
	}
	return ""
}

func normCountries(s []string) []string {
	var out []string
	for _, c := range s {
		for _, p := range strings.Split(c, ";") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func normIdent(v string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(v) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// evalEntity applies the features beyond the name to the best name pair
// and decides. It is shared by the index and Compare.
func evalEntity(cfg *Config, q *pquery, qn *aname, e *Entity, en *aname, cmp nameCmp, parentScore func(a, b string) float64) Result {
	return evalEntityX(cfg, q, qn, e, en, cmp, parentScore, true)
}

// evalEntityX skips the explanation text when explain is false: the index
// scores many candidates and explains only those it returns.
func evalEntityX(cfg *Config, q *pquery, qn *aname, e *Entity, en *aname, cmp nameCmp, parentScore func(a, b string) float64, explain bool) Result {
	score := cmp.score
	var feats []Feature
	var caps []string
	shortAcronym := false
	if en.kind == "acronym" || qn.kind == "acronym" {
		score *= cfg.AcronymDiscount
		if explain {
			feats = append(feats, Feature{"acronym", score - cmp.score, "matched through a derived acronym"})
		}
		ac := en
		if qn.kind == "acronym" {
			ac = qn
		}
		shortAcronym = len(ac.toks) == 1 && len(ac.toks[0].Text) < 4
	}
	// Country: evidence either way, never a filter.
	var ec []string
	if len(q.countries) > 0 {
		ec = normCountries(e.Countries)
	}
	if len(q.countries) > 0 && len(ec) > 0 {
		shared := ""
		for _, a := range q.countries {
			for _, b := range ec {
				if a == b {
					shared = a
				}
			}
		}
		if shared != "" {
			score += cfg.CountryMatch
			if explain {
				feats = append(feats, Feature{"country", cfg.CountryMatch, "both " + shared})
			}
		} else {
			score += cfg.CountryMismatch
			if explain {
				feats = append(feats, Feature{"country", cfg.CountryMismatch, strings.Join(q.countries, "/") + " vs " + strings.Join(ec, "/")})
			}
		}
	}
	if qt, et := typeClass(q.q.Type), typeClass(e.Type); qt != "" && et != "" && qt != et {
		score += cfg.TypeMismatch
		if explain {
			feats = append(feats, Feature{"type", cfg.TypeMismatch, qt + " vs " + et})
		}
	}
	if len(q.q.Identifiers) > 0 && len(e.Identifiers) > 0 {
		matched, clash := "", ""
		for _, a := range q.q.Identifiers {
			av := normIdent(a.Value)
			for _, b := range e.Identifiers {
				bv := normIdent(b.Value)
				if av != "" && av == bv {
					matched = a.Value
				} else if a.Scheme != "" && strings.EqualFold(a.Scheme, b.Scheme) {
					clash = a.Scheme
				}
			}
		}
		if matched != "" {
			score += cfg.IdentifierMatch
			if explain {
				feats = append(feats, Feature{"identifier", cfg.IdentifierMatch, "shared " + matched})
			}
		} else if clash != "" {
			score += cfg.IdentifierClash
			if explain {
				feats = append(feats, Feature{"identifier", cfg.IdentifierClash, "different " + clash})
			}
		}
	}
	if len(q.q.Parents) > 0 && len(e.Parents) > 0 && parentScore != nil {
		best, which := 0.0, ""
		for _, a := range q.q.Parents {
			for _, b := range e.Parents {
				if s := parentScore(a, b); s > best {
					best, which = s, b
				}
			}
		}
		if best >= cfg.MatchThreshold {
			score += cfg.ParentMatch
			if explain {
				feats = append(feats, Feature{"parent", cfg.ParentMatch, "same parent " + which})
			}
		}
	}
	if score > 1 {
		score = 1
	}
	if score < 0 {
		score = 0
	}
	capAt := cfg.MatchThreshold - 0.001
	if score >= cfg.MatchThreshold {
		if en.kind == "weak" || en.kind == "low" {
			caps = append(caps, "weak alias alone is not a match")
		}
		if shortAcronym {
			// Three letters stand for thousands of names.
			caps = append(caps, "acronym of fewer than four letters")
		}
		if cmp.informative < 0.5 && min(cmp.covQ, cmp.covC) < 0.9 {
			caps = append(caps, "only generic words agree")
		}
		// One shared word of a person's name ("Dass", "Zulkarnain") is a
		// lead to review, not a match.
		if cls := pairClass(q.q.Type, e.Type, qn, en); cls == "person" && cmp.contentMatched < 2 && max(cmp.contentQ, cmp.contentC) >= 2 && !cmp.joined && !initialsAgree(cmp) && !cmp.office {
			caps = append(caps, "a single name word agrees")
		}
		// One name word and nothing else agreeing, while one side adds
		// what the body does ("Crystalord Systems Ltd" / "Crystalord
		// Ltd"): groups name their companies brand plus line of business.
		if cmp.contentMatched == 1 && cmp.orgPaired == 0 && cmp.orgLeftQ != cmp.orgLeftC && !cmp.leftQ && !cmp.leftC && pairClass(q.q.Type, e.Type, qn, en) == "org" {
			caps = append(caps, "one name word agrees and one name adds a field of activity")
		}
		if len(caps) > 0 {
			score = capAt
		}
	}
	d := cfg.decide(score)
	if !explain {
		return Result{Score: round3(score), Decision: d}
	}
	var reason string
	switch d {
	case Match:
		reason = fmt.Sprintf("match: score %.2f >= %.2f", score, cfg.MatchThreshold)
	case Review:
		reason = fmt.Sprintf("review: score %.2f in [%.2f, %.2f)", score, cfg.ReviewThreshold, cfg.MatchThreshold)
	default:
		reason = fmt.Sprintf("no_match: score %.2f < %.2f", score, cfg.ReviewThreshold)
	}
	if len(caps) > 0 {
		reason += "; capped: " + strings.Join(caps, ", ")
	}
	if cmp.numberConflict {
		reason += "; numbers disagree"
	}
	if cmp.joined {
		reason += "; names agree when written together"
	}
	for _, c := range cmp.conflicts {
		reason += "; " + c
	}
	return Result{Entity: *e, Score: round3(score), Decision: d, Explanation: Explanation{
		QueryName: qn.value, EntityName: en.value, EntityNameKind: en.kind,
		NameScore: round3(cmp.score), Features: feats, Reason: reason,
	}}
}

// fillTokens adds the token alignment to an explanation (done only for
// results that are returned).
func fillTokens(ex *Explanation, q, c *aname, cmp nameCmp) {
	usedQ := make([]bool, len(q.toks))
	usedC := make([]bool, len(c.toks))
	for _, p := range cmp.pairs {
		usedQ[p.q], usedC[p.c] = true, true
		qt, ct := q.toks[p.q], c.toks[p.c]
		ex.Tokens = append(ex.Tokens, TokenMatch{Query: showTok(qt), Entity: showTok(ct), Kind: ct.Kind.String(), Similarity: round3(p.sim), Weight: round3(c.w[p.c])})
	}
	for i, u := range usedQ {
		if !u {
			ex.UnmatchedQuery = append(ex.UnmatchedQuery, showTok(q.toks[i]))
		}
	}
	for i, u := range usedC {
		if !u {
			ex.UnmatchedEntity = append(ex.UnmatchedEntity, showTok(c.toks[i]))
		}
	}
}

func showTok(t *Token) string {
	if t.Orig != "" && t.Orig != t.Text {
		return t.Orig + "(" + t.Text + ")"
	}
	return t.Text
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

// pquery is a prepared query.
type pquery struct {
	q         Query
	names     []*aname
	countries []string
}

func isOrgLike(toks []Token) bool {
	for _, t := range toks {
		switch t.Kind {
		case KindLegal, KindOrgTerm, KindDomain:
			return true
		}
	}
	return false
}

// prepare analyses a query's names; rarity comes from the index when one
// is given.
func prepare(q Query, rarity func(*Token) float64) *pquery {
	pq := &pquery{q: q, countries: normCountries([]string{q.Country})}
	add := func(value, kind string) {
		toks := analyse(value)
		if len(toks) == 0 {
			return
		}
		ptrs := make([]*Token, len(toks))
		rare := make([]float64, len(toks))
		for i := range toks {
			ptrs[i] = &toks[i]
			rare[i] = 1
			if rarity != nil {
				rare[i] = rarity(&toks[i])
			}
		}
		pq.names = append(pq.names, newAname(value, kind, ptrs, rare))
		if typeClass(q.Type) != "person" && (typeClass(q.Type) == "org" || isOrgLike(toks)) {
			if ac := acronym(toks); ac != "" {
				at := acronymToken(ac)
				t := &at
				pq.names = append(pq.names, newAname(value, "acronym", []*Token{t}, []float64{1}))
			}
		}
	}
	add(q.Name, "primary")
	for _, v := range nameVariants(q.Name) {
		add(v, "primary")
	}
	for _, v := range spellingVariants(q.Name) {
		add(v, "primary")
	}
	for _, a := range q.Aliases {
		if strings.TrimSpace(a) != "" {
			add(a, "alias")
			for _, v := range nameVariants(a) {
				add(v, "alias")
			}
			for _, v := range spellingVariants(a) {
				add(v, "alias")
			}
		}
	}
	return pq
}

// Compare scores one query against one entity without an index (and so
// without token rarity). It is what the pair benchmarks measure.
func Compare(q Query, e Entity, cfg Config) Result {
	cfg = cfg.withDefaults()
	pq := prepare(q, nil)
	var best Result
	bestSet := false
	var ens []*aname
	for _, n0 := range e.Names {
		vs := append([]string{n0.Value}, nameVariants(n0.Value)...)
		vs = append(vs, spellingVariants(n0.Value)...)
		for _, v := range vs {
			n := Name{Value: v, Kind: n0.Kind}
			toks := analyse(n.Value)
			ptrs := make([]*Token, len(toks))
			for i := range toks {
				ptrs[i] = &toks[i]
			}
			ens = append(ens, newAname(n.Value, n.Kind, ptrs, nil))
			if typeClass(e.Type) != "person" && (typeClass(e.Type) == "org" || isOrgLike(toks)) {
				if ac := acronym(toks); ac != "" {
					at := acronymToken(ac)
					t := &at
					ens = append(ens, newAname(n.Value, "acronym", []*Token{t}, nil))
				}
			}
		}
	}
	ps := func(a, b string) float64 {
		return Compare(Query{Name: a}, Entity{Names: []Name{{Value: b}}}, cfg).Explanation.NameScore
	}
	for _, qn := range pq.names {
		for _, en := range ens {
			if qn.kind == "acronym" && en.kind == "acronym" {
				continue
			}
			cmp := compareNames(qn, en, &cfg, pairClass(q.Type, e.Type, qn, en), true)
			r := evalEntity(&cfg, pq, qn, &e, en, cmp, ps)
			if !bestSet || r.Score > best.Score {
				fillTokens(&r.Explanation, qn, en, cmp)
				best, bestSet = r, true
			}
		}
	}
	if !bestSet {
		best = Result{Entity: e, Decision: NoMatch, Explanation: Explanation{QueryName: q.Name, Reason: "no comparable name"}}
	}
	return best
}

// pairClass picks the type class that governs a name comparison: the
// entity's when known, else the query's, else organisation when either
// name carries organisation words.
func pairClass(qt, et string, qn, en *aname) string {
	if c := typeClass(et); c != "" {
		return c
	}
	if c := typeClass(qt); c != "" {
		return c
	}
	for _, n := range []*aname{qn, en} {
		for _, t := range n.toks {
			switch t.Kind {
			case KindLegal, KindOrgTerm, KindDomain:
				return "org"
			}
		}
	}
	return ""
}

// sortResults orders by score, then entity ID for stable output.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Score != rs[j].Score {
			return rs[i].Score > rs[j].Score
		}
		return rs[i].Entity.ID < rs[j].Entity.ID
	})
}
