package screen

import (
	"strconv"
	"strings"
)

// Token is one analysed unit of a name: a word, a number, or a dictionary
// phrase (a legal form, an organisation word) that may span several words.
type Token struct {
	// The fields that comparing names reads for nearly every token come
	// first, so that they share one cache line (an index keeps its tokens
	// aligned to lines); Text stays before Orig, the JSON order.
	Text    string    `json:"text"` // romanised form; digits for numbers
	Key     string    `json:"-"`    // phonetic key
	mask    uint32    // letters present in Text, for cheap distance bounds
	kmask   uint32    // letters present in Key
	Kind    TokenKind `json:"-"`
	Script  script    `json:"-"` // script the word was written in
	Abjad   bool      `json:"-"` // written in Arabic or Hebrew script
	Han     bool      `json:"-"`
	Generic uint16    `json:"-"`
	Country string    `json:"-"` // ISO code when the word is a country name
	// Read for fewer pairs.
	Nick     []uint16 `json:"-"`
	Concepts []uint16 `json:"-"`
	Orig     string   `json:"orig,omitempty"` // as written
	Skel     string   `json:"-"`              // consonant skeleton
}

func letterMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			m |= 1 << (c - 'a')
		case c >= '0' && c <= '9':
			m |= 1 << (26 + (c-'0')%6)
		}
	}
	return m
}

// setMasks fills the letter masks; every Token built outside analyse must
// call it too.
func (t *Token) setMasks() {
	t.mask, t.kmask = letterMask(t.Text), letterMask(t.Key)
}

// baseWeight is how much a token of each kind says about identity before
// its rarity in the index is considered. Generic words count little, so a
// shared "Corporation" or "Ministry" never makes a match on its own.
func baseWeight(k TokenKind) float64 {
	switch k {
	case KindWord, KindNumber:
		return 1 // a one-letter initial is halved in aname.finish
	case KindDomain:
		return 0.5
	case KindOrgTerm:
		return 0.3
	case KindPersonPart:
		return 0.3
	case KindLegal:
		return 0.15
	case KindTitle:
		return 0.02
	case KindStop:
		return 0.05
	}
	return 1
}

// Analyse splits a name into classified tokens. It is exported for
// explanations and tests; the index and scorer use it internally.
func Analyse(name string) []Token {
	return analyse(name)
}

// fitsScript tells whether a dictionary phrase applies to a word of
// script sc. Arabic and Hebrew romanisations drop vowels, so they collide
// with dictionary words of other scripts (ריי, Ray, romanises as "ry", a
// Finnish legal form; טרי, Terry, as "tri", three in Slavic languages):
// in those scripts a phrase counts only when the dictionary writes it in
// them. Name particles, titles and stopwords are the exception: their
// Latin entries (al, bin, abu; de, la, van) are what these scripts spell
// in names (דה is de).
func (p phrase) fitsScript(sc script) bool {
	if !sc.abjad() || p.kind == KindPersonPart || p.kind == KindTitle || p.kind == KindStop {
		return true
	}
	return p.scripts&(1<<sc) != 0
}

func analyse(name string) []Token {
	d := getDict()
	raw := rawTokens(name)
	out := make([]Token, 0, len(raw))
	var sb strings.Builder
	for i := 0; i < len(raw); {
		matched := false
		key0 := raw[i].key()
		// No phrase starting with this word is longer than prefixMax.
		maxN := min(d.maxTokens, len(raw)-i, max(d.prefixMax[key0], 1))
		for n := maxN; n >= 1; n-- {
			key := key0
			if n > 1 {
				sb.Reset()
				sb.WriteString(key0)
				for k := i + 1; k < i+n; k++ {
					sb.WriteByte(' ')
					sb.WriteString(raw[k].key())
				}
				key = sb.String()
			}
			p, ok := d.legal[key]
			ok = ok && p.fitsScript(raw[i].sc)
			// Short legal forms ("AG", "SA", "OOO") count only where legal
			// forms stand, at the start or end of a name; elsewhere they
			// are words ("of", "at").
			if ok && len(key) <= 3 && !(i+n == len(raw) || (i == 0 && raw[i+n].text != "and")) {
				ok = false
			}
			if !ok {
				p, ok = d.phrases[key]
				ok = ok && p.fitsScript(raw[i].sc)
				// A lone letter is an initial, not the article "a".
				if ok && p.kind == KindStop && n == 1 && len(raw[i].text) == 1 {
					ok = false
				}
			}
			if !ok && n == 1 && len(key) >= 7 {
				// Inflected forms ("обороны" of "оборон"): try the stem.
				for cut := 1; cut <= 3 && !ok; cut++ {
					p, ok = d.phrases[key[:len(key)-cut]]
					ok = ok && (p.kind == KindDomain || p.kind == KindOrgTerm) && p.fitsScript(raw[i].sc)
				}
			}
			if !ok {
				continue
			}
			orig := raw[i].orig
			for k := i + 1; k < i+n; k++ {
				orig += " " + raw[k].orig
			}
			t := Token{Orig: orig, Kind: p.kind, Concepts: p.concepts, Generic: p.generic}
			if p.kind == KindNumber {
				t.Text = strconv.Itoa(p.num)
			} else {
				for k := i; k < i+n; k++ {
					t.Text += raw[k].text
				}
				t.Key = phoneticKey(t.Text)
				t.Skel = skeleton(t.Text)
				t.Abjad = raw[i].sc.abjad()
				t.Script = raw[i].sc
			}
			t.setMasks()
			out = append(out, t)
			i += n
			matched = true
			break
		}
		if matched {
			continue
		}
		r := raw[i]
		t := Token{Text: r.text, Orig: r.orig}
		if r.sc == scDigit {
			t.Kind = KindNumber
			t.Text = strings.TrimLeft(r.text, "0")
			if t.Text == "" {
				t.Text = "0"
			}
		} else {
			t.Kind = KindWord
			t.Key = phoneticKey(r.text)
			t.Skel = skeleton(r.text)
			t.Abjad = r.sc.abjad()
			t.Han = r.sc == scHan || r.sc == scSyllabic
			t.Script = r.sc
			t.Nick = d.nick[r.text]
			t.Country = countryWord(r.text)
		}
		t.setMasks()
		out = append(out, t)
		i++
	}
	out = joinTensAndUnits(out)
	// The scorer tracks tokens in 64-bit sets; a longer "name" is text,
	// not a name, and its tail carries no identity.
	if len(out) > maxNameTokens {
		out = out[:maxNameTokens]
	}
	return out
}

const maxNameTokens = 64

// joinTensAndUnits reads a tens number written as a word followed by a
// unit as one number: "twenty one", "forty-4" and "Forty 4" are 21, 44
// and 44, as "44" is. Digits next to digits are left apart (unit 40 4 is
// not unit 44).
func joinTensAndUnits(toks []Token) []Token {
	for i := 0; i+1 < len(toks); i++ {
		a, b := &toks[i], &toks[i+1]
		if a.Kind != KindNumber || b.Kind != KindNumber || isDigits(a.Orig) {
			continue
		}
		tens, err1 := strconv.Atoi(a.Text)
		unit, err2 := strconv.Atoi(b.Text)
		if err1 != nil || err2 != nil || tens < 20 || tens > 90 || tens%10 != 0 || unit < 1 || unit > 9 {
			continue
		}
		a.Text = strconv.Itoa(tens + unit)
		a.Orig += " " + b.Orig
		a.setMasks()
		toks = append(toks[:i+1], toks[i+2:]...)
	}
	return toks
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// acronym derives the initials of an organisation name ("Islamic
// Revolutionary Guard Corps" -> "irgc"), skipping stopwords and legal
// forms, the way organisations abbreviate themselves. Names of fewer than
// three such words have no useful acronym.
func acronym(toks []Token) string {
	var b []byte
	for _, t := range toks {
		switch t.Kind {
		case KindWord, KindDomain, KindOrgTerm:
			if t.Han || t.Text == "" {
				return ""
			}
			b = append(b, t.Text[0])
		case KindNumber:
			// A numbered body ("Military Unit 26165") is known by its
			// number, not by initials.
			return ""
		}
	}
	if len(b) < 3 || len(b) > 8 {
		return ""
	}
	return string(b)
}

// acronymToken is the single token of a derived acronym name.
func acronymToken(ac string) Token {
	t := Token{Text: ac, Orig: ac, Kind: KindWord, Key: phoneticKey(ac), Skel: skeleton(ac)}
	t.setMasks()
	return t
}

// nameVariants splits "Full Name (ABBR)" into the name without the
// bracket and the bracketed part: lists put acronyms, former names and
// local-language names there, and either may be what a party is called.
func nameVariants(v string) []string {
	i := strings.IndexAny(v, "([")
	if i < 0 {
		return nil
	}
	j := strings.IndexAny(v[i:], ")]")
	if j < 0 {
		return nil
	}
	inner := strings.TrimSpace(v[i+1 : i+j])
	outer := strings.TrimSpace(v[:i] + " " + v[i+j+1:])
	var out []string
	// "Bank X (Singapore)" without its bracket would equal "Bank X
	// (Australia)": a bracketed place distinguishes, so keep it.
	place := false
	for _, t := range rawTokens(inner) {
		if countryWord(t.text) != "" {
			place = true
		}
	}
	if outer != "" && !place {
		out = append(out, outer)
	}
	if inner != "" && inner != outer {
		out = append(out, inner)
	}
	return out
}
