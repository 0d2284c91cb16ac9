package screen

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// rawTok is one word after script splitting and romanisation, before the
// dictionaries have classified it.
type rawTok struct {
	text string // lower-case ASCII romanisation
	orig string // the word as written (lower-cased), for explanations
	sc   script
	dot  bool // directly followed by '.', for S.A.R.L.-style abbreviations
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘', '`', '´', 'ʻ', '׳':
		return true
	}
	return false
}

// digitValue maps the decimal digits of any script to ASCII ('٣' -> '3').
func digitValue(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	for _, rt := range unicode.Nd.R16 {
		lo, hi := rune(rt.Lo), rune(rt.Hi)
		if r >= lo && r <= hi && rt.Stride == 1 {
			// Nd ranges are runs of ten digits starting at zero.
			return '0' + (r-lo)%10
		}
	}
	for _, rt := range unicode.Nd.R32 {
		lo, hi := rune(rt.Lo), rune(rt.Hi)
		if r >= lo && r <= hi && rt.Stride == 1 {
			return '0' + (r-lo)%10
		}
	}
	return '0'
}

// rawTokens splits a name into romanised words. It folds case and
// compatibility forms (NFKC), drops punctuation and diacritics, splits
// camelCase joins ("SiemensAG"), letter/digit joins ("5th", "Unit26165")
// and script changes, and transliterates each word.
func rawTokens(s string) []rawTok {
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	toks := make([]rawTok, 0, 8)
	// cur stays on this stack buffer for words of up to 32 letters
	// (flush resets it to cur[:0]).
	var curBuf [32]rune
	cur := curBuf[:0]
	var curSc script
	var prev rune
	flush := func(dot bool) {
		if len(cur) == 0 {
			return
		}
		if ascii := asciiWord(cur); ascii != "" {
			// Fast path: plain ASCII letters or digits need no
			// transliteration.
			sc := curSc
			toks = append(toks, rawTok{text: ascii, orig: ascii, sc: sc, dot: dot})
			cur = cur[:0]
			return
		}
		orig := strings.ToLower(string(cur))
		word := []rune(orig)
		if curSc == scDigit {
			b := make([]byte, 0, len(word))
			for _, r := range word {
				b = append(b, byte(digitValue(r)))
			}
			toks = append(toks, rawTok{text: string(b), orig: orig, sc: scDigit, dot: dot})
			cur = cur[:0]
			return
		}
		if curSc == scArabic && len(word) > 4 && word[0] == 'ا' && word[1] == 'ل' {
			toks = append(toks, rawTok{text: "al", orig: "ال", sc: scArabic})
			word = word[2:]
			orig = string(word)
		}
		text := romanise(word, curSc)
		if curSc == scHan {
			// One syllable per character: keep each character as its own
			// original, since characters that read alike are different
			// names (石 and 市 are both "shi").
			syls := strings.Fields(text)
			perChar := len(syls) == len(word)
			for k, syl := range syls {
				o := orig
				if perChar {
					o = string(word[k])
				}
				toks = append(toks, rawTok{text: syl, orig: o, sc: scHan})
			}
		} else {
			text = asciiLetters(text)
			// A romanisation may mix digits in ("ƅ" is "6"): split them
			// off as ASCII input would be.
			for len(text) > 0 {
				k := 1
				isD := text[0] >= '0' && text[0] <= '9'
				for k < len(text) && (text[k] >= '0' && text[k] <= '9') == isD {
					k++
				}
				sc := curSc
				if isD {
					sc = scDigit
				}
				toks = append(toks, rawTok{text: text[:k], orig: orig, sc: sc, dot: dot && k == len(text)})
				text = text[k:]
			}
		}
		cur = cur[:0]
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			sc := runeScript(r)
			if len(cur) > 0 {
				split := sc != curSc
				// camelCase join of two Latin words: "SergeiLavrov",
				// "SiemensAG"; not "McDonald", "LeBron" or "AkG".
				if !split && sc == scLatin && unicode.IsUpper(r) && unicode.IsLower(prev) && len(cur) >= 3 {
					split = true
				}
				// A digit between Latin letters is a look-alike letter
				// ("Ig0r Sech1n"), not a number.
				if split && sc == scDigit && curSc == scLatin && i+1 < len(runes) && runeScript(runes[i+1]) == scLatin && unicode.IsLetter(runes[i+1]) {
					if l, ok := leet[r]; ok {
						cur = append(cur, l)
						prev = l
						continue
					}
				}
				if split {
					flush(false)
				}
			}
			if len(cur) == 0 {
				curSc = sc
			}
			cur = append(cur, r)
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Me, r):
			if len(cur) > 0 {
				cur = append(cur, r)
			}
		case isApostrophe(r):
			// O'Brien, Ja'far: an apostrophe inside a word joins it; the
			// Hebrew geresh changes the letter before it and is kept.
			if len(cur) > 0 && curSc == scHebrew {
				cur = append(cur, r)
			} else if len(cur) > 0 && i+1 < len(runes) && unicode.IsLetter(runes[i+1]) && runeScript(runes[i+1]) == curSc {
				continue
			} else {
				flush(false)
			}
		case r == '&' || r == '+':
			flush(false)
			toks = append(toks, rawTok{text: "and", orig: string(r), sc: scLatin})
		default:
			flush(r == '.')
		}
		prev = r
	}
	flush(false)
	return mergeInitials(toks)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiWord lower-cases a word of ASCII letters or digits, or returns ""
// when the word has anything else.
func asciiWord(w []rune) string {
	var sb [32]byte
	var b []byte
	if len(w) <= len(sb) {
		b = sb[:len(w)]
	} else {
		b = make([]byte, len(w))
	}
	for i, r := range w {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b[i] = byte(r)
		case r >= 'A' && r <= 'Z':
			b[i] = byte(r) + 'a' - 'A'
		default:
			return ""
		}
	}
	return string(b)
}

// leet maps digits used as look-alike letters (rigour's compare.json pairs).
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '6': 'b', '7': 't', '8': 'b', '9': 'g'}

// asciiLetters keeps a-z and 0-9 of a romanisation (unidecode may emit
// punctuation or capitals).
func asciiLetters(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// mergeInitials joins dotted single letters ("S.A.R.L.", "U.S.") into one
// word, the way they are read.
func mergeInitials(toks []rawTok) []rawTok {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if len(t.text) == 1 && t.dot && t.sc == scLatin && i+1 < len(toks) && len(toks[i+1].text) == 1 && toks[i+1].sc == scLatin {
			j := i
			text, orig := "", ""
			for j < len(toks) && len(toks[j].text) == 1 && toks[j].sc == scLatin && (j == i || toks[j-1].dot) {
				text += toks[j].text
				orig += toks[j].orig + "."
				j++
			}
			out = append(out, rawTok{text: text, orig: orig, sc: scLatin})
			i = j - 1
			continue
		}
		out = append(out, t)
	}
	return out
}

// NormalizeText returns the romanised, lower-case ASCII form of s, words
// separated by single spaces. It is the canonical text form used by the
// index; the fuzz target checks its invariants.
func NormalizeText(s string) string {
	toks := rawTokens(s)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	return strings.Join(parts, " ")
}

// balticStem is a name in the Latvian or Lithuanian form (Sergejs Lavrovs,
// Vladimiras Putinas) with the masculine endings taken off, the form
// other languages write (Sergej Lavrov, Vladimir Putin); "" when the name
// does not have that form. Those languages end every masculine name in
// -s (Latvian after a consonant or j, Lithuanian -as, -is, -ys, -us) and
// feminine ones in a vowel: a name counts when each of its words of three
// letters or more ends so, and one at least in -s.
func balticStem(name string) string {
	if !balticShape(name) {
		return ""
	}
	toks := rawTokens(name)
	if len(toks) < 2 {
		return ""
	}
	out := make([]string, 0, len(toks))
	stemmed := 0
	for _, t := range toks {
		w := t.text
		if t.sc != scLatin || len(w) < 3 {
			out = append(out, w)
			continue
		}
		n := len(w)
		switch last := w[n-1]; {
		case last == 'a' || last == 'e':
			out = append(out, w)
		case last != 's' || n < 5:
			return ""
		case strings.IndexByte("aiuy", w[n-2]) >= 0:
			out = append(out, w[:n-2])
			stemmed++
		case strings.IndexByte("aeiouy", w[n-2]) < 0:
			out = append(out, w[:n-1])
			stemmed++
		default:
			return ""
		}
	}
	if stemmed == 0 {
		return ""
	}
	return strings.Join(out, " ")
}

// Wade–Giles, the romanisation of Chinese before pinyin (still used in
// Taiwan and in older lists), writes the same syllables differently:
// Mao Tse-tung is Mao Zedong, Hsi Chin-p'ing is Xi Jinping.
var (
	wgInitials = []string{"ch", "hs", "sh", "ss", "sz", "ts", "tz", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s", "t", "w", "x", "y", "z", ""}
	wgFinals   = map[string]bool{
		"a": true, "ai": true, "an": true, "ang": true, "ao": true, "e": true, "eh": true, "ei": true, "en": true, "eng": true, "erh": true, "er": true,
		"i": true, "ia": true, "iang": true, "iao": true, "ieh": true, "ie": true, "ien": true, "ian": true, "ih": true, "in": true, "ing": true,
		"iu": true, "iung": true, "iong": true, "o": true, "ou": true, "u": true, "ua": true, "uai": true, "uan": true, "uang": true, "ui": true,
		"uei": true, "un": true, "ung": true, "ong": true, "uo": true, "ueh": true, "ue": true, "ü": true, "üan": true, "üeh": true, "ün": true,
	}
)

// wgPunct turns the punctuation between a Wade–Giles name's words into
// spaces (built once: a Replacer is safe for concurrent use).
var wgPunct = strings.NewReplacer(",", " ", ".", " ")

// wgSyllable splits one romanised syllable into initial, aspiration and
// final, or ok=false when it is not a Mandarin syllable in Wade–Giles or
// pinyin spelling.
func wgSyllable(s string) (ini string, asp bool, fin string, ok bool) {
	for _, in := range wgInitials {
		if !strings.HasPrefix(s, in) {
			continue
		}
		rest := s[len(in):]
		a := false
		if in != "" && rest != "" {
			if r, n := utf8.DecodeRuneInString(rest); isApostrophe(r) {
				a = true
				rest = rest[n:]
			}
		}
		if wgFinals[rest] {
			return in, a, rest, true
		}
	}
	return "", false, "", false
}

// wadeGilesVariant is a name written in Wade–Giles rewritten in pinyin,
// or "" when the name is not Wade–Giles: every word must be made of
// Mandarin syllables and one at least must be spelt in a way pinyin never
// writes (hs, ts, tz, an apostrophe, ch before i, the finals -ih, -ieh,
// -ien, -ung, -erh, -ueh, -uei). Syllables joined by a hyphen are written
// together, as pinyin does. Without the apostrophe an aspirated
// consonant reads as the plain one (p'ing as bing): one letter off.
func wadeGilesVariant(name string) string {
	if !wadeGilesShape(name) {
		return ""
	}
	name = strings.ToLower(norm.NFC.String(name))
	words := strings.Fields(wgPunct.Replace(name))
	if len(words) < 2 {
		return ""
	}
	marked := false
	out := make([]string, 0, len(words))
	for _, w := range words {
		var b strings.Builder
		for _, syl := range strings.Split(w, "-") {
			if syl == "" {
				return ""
			}
			ini, asp, fin, ok := wgSyllable(syl)
			if !ok {
				return ""
			}
			front := fin[0] == 'i' || strings.HasPrefix(fin, "ü")
			switch {
			case asp, ini == "hs", ini == "ts", ini == "tz", ini == "ss", ini == "sz",
				ini == "ch" && front && fin != "i",
				fin == "ih", fin == "ieh", fin == "ien", fin == "ung", fin == "iung", fin == "erh", fin == "ueh", fin == "uei", fin == "üeh":
				marked = true
			}
			orig := ini
			switch ini {
			case "p":
				ini = map[bool]string{false: "b", true: "p"}[asp]
			case "t":
				ini = map[bool]string{false: "d", true: "t"}[asp]
			case "k":
				ini = map[bool]string{false: "g", true: "k"}[asp]
			case "ts", "tz":
				ini = map[bool]string{false: "z", true: "c"}[asp]
			case "ch":
				switch {
				case front && fin != "ih":
					ini = map[bool]string{false: "j", true: "q"}[asp]
				case asp:
					ini = "ch"
				default:
					ini = "zh"
				}
			case "hs":
				ini = "x"
			case "ss", "sz":
				ini = "s"
			case "j":
				ini = "r"
			}
			switch fin {
			case "ih":
				fin = "i"
			case "ieh":
				fin = "ie"
			case "ien":
				fin = "ian"
			case "ung":
				fin = "ong"
			case "iung":
				fin = "iong"
			case "erh":
				fin = "er"
			case "ueh", "üeh":
				fin = "ue"
			case "uei":
				fin = "ui"
			case "eh":
				fin = "e"
			case "o":
				if ini == "g" || ini == "k" || ini == "h" {
					fin = "e"
				}
			case "u":
				if orig == "ss" || orig == "sz" || orig == "tz" || orig == "ts" {
					fin = "i" // ssu, tzu, tz'u
				}
			}
			b.WriteString(ini + strings.ReplaceAll(fin, "ü", "u"))
		}
		out = append(out, b.String())
	}
	if !marked {
		return ""
	}
	return strings.Join(out, " ")
}

// balticShape is balticStem's cheap test on the raw text: every word of
// three letters or more ends in s, a or e, one at least in s. Most names
// fail it at their first word, without being tokenised.
func balticShape(name string) bool {
	n, last, withS := 0, byte(0), false
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= 0x80 {
			n++
			last = c
			continue
		}
		if n >= 3 {
			switch last {
			case 's':
				withS = true
			case 'a', 'e':
			default:
				return false
			}
		}
		n = 0
	}
	return withS
}

// wadeGilesShape is wadeGilesVariant's cheap test on the raw text: words
// of Mandarin syllables are short (at most six letters a syllable, hyphens
// between them) and hold no digits.
func wadeGilesShape(name string) bool {
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= 0x80:
			n++
			if n > 8 { // six letters, an apostrophe of up to three bytes
				return false
			}
		case c >= '0' && c <= '9':
			return false
		default:
			n = 0
		}
	}
	return true
}

// spellingVariants are the other spellings of a name that its language's
// conventions imply: the Latvian or Lithuanian form without its endings,
// a Wade–Giles name in pinyin.
func spellingVariants(name string) []string {
	var out []string
	if v := balticStem(name); v != "" {
		out = append(out, v)
	}
	if v := wadeGilesVariant(name); v != "" {
		out = append(out, v)
	}
	return out
}
