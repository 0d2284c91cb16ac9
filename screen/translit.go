package screen

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-unidecode"
)

// script is the writing system of a word; it decides how a word is
// romanised and which comparison keys it gets.
type script uint8

const (
	scLatin script = iota
	scCyrillic
	scGreek
	scArabic
	scHebrew
	scHan
	scOther
	scDigit
	// scSyllabic is Hangul and kana: romanised by the generic table like
	// scOther, but a syllable's reading is as uncertain as a Han one's.
	scSyllabic
)

func runeScript(r rune) script {
	switch {
	case r < 0x80:
		if r >= '0' && r <= '9' {
			return scDigit
		}
		return scLatin
	case unicode.IsDigit(r):
		return scDigit
	case unicode.Is(unicode.Latin, r):
		return scLatin
	case unicode.Is(unicode.Cyrillic, r):
		return scCyrillic
	case unicode.Is(unicode.Greek, r):
		return scGreek
	case unicode.Is(unicode.Arabic, r):
		return scArabic
	case unicode.Is(unicode.Hebrew, r):
		return scHebrew
	case unicode.Is(unicode.Han, r):
		return scHan
	case unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return scSyllabic
	}
	return scOther
}

// abjad scripts leave short vowels unwritten, so their romanisation cannot
// be compared letter by letter with a Latin spelling; they get a consonant
// skeleton as well.
func (s script) abjad() bool { return s == scArabic || s == scHebrew }

// Cyrillic follows a BGN/PCGN-like romanisation; the phonetic key absorbs
// the differences to other systems (ISO 9, German, French spellings).
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian, Belarusian, Serbian, Macedonian, Central Asian letters.
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j",
	'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz",
	'қ': "q", 'ғ': "gh", 'ң': "ng", 'ү': "u", 'ұ': "u", 'һ': "h", 'ә': "a",
	'ө': "o", 'ҳ': "h", 'ҷ': "j", 'ӣ': "i", 'ӯ': "u",
}

// Greek uses modern pronunciation, which is how names are spelt in Latin.
var greek = map[rune]string{
	'α': "a", 'ά': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'έ': "e",
	'ζ': "z", 'η': "i", 'ή': "i", 'θ': "th", 'ι': "i", 'ί': "i", 'ϊ': "i",
	'ΐ': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o",
	'ό': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y",
	'ύ': "y", 'ϋ': "y", 'ΰ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
	'ώ': "o",
}

var greekDigraphs = []struct{ from, to string }{
	{"ou", "ou"}, {"oy", "ou"}, {"mp", "b"}, {"nt", "d"}, {"gk", "g"}, {"gg", "ng"},
	{"ai", "e"}, {"ei", "i"}, {"oi", "i"}, {"ay", "av"}, {"ey", "ev"},
}

// Arabic and Persian. The long vowels alif, waw and ya are written; short
// vowels are not. Waw and ya are romanised as vowels inside a word and as
// consonants at its start, the usual Latin spelling of names.
var arabic = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ب': "b", 'ت': "t",
	'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d", 'ذ': "dh", 'ر': "r",
	'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t", 'ظ': "z",
	'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m",
	'ن': "n", 'ه': "h", 'و': "u", 'ي': "i", 'ى': "a", 'ة': "a", 'ء': "",
	'ئ': "i", 'ؤ': "u",
	// Persian and Urdu.
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ی': "i", 'ٹ': "t",
	'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ے': "e", 'ھ': "h", 'ۀ': "a", 'ە': "a",
}

// Hebrew. Alef, he, vav, yod and ayin mostly carry vowels in names.
var hebrew = map[rune]string{
	'א': "a", 'ב': "b", 'ג': "g", 'ד': "d", 'ה': "h", 'ו': "o", 'ז': "z",
	'ח': "kh", 'ט': "t", 'י': "i", 'כ': "k", 'ך': "kh", 'ל': "l", 'מ': "m",
	'ם': "m", 'נ': "n", 'ן': "n", 'ס': "s", 'ע': "a", 'פ': "p", 'ף': "f",
	'צ': "ts", 'ץ': "ts", 'ק': "k", 'ר': "r", 'ש': "sh", 'ת': "t",
}

// hebrewGeresh gives the sounds Hebrew writes with a geresh (ג׳ = j).
var hebrewGeresh = map[rune]string{'ג': "j", 'ז': "zh", 'צ': "ch", 'ץ': "ch", 'ת': "th", 'ד': "dh"}

func isGeresh(r rune) bool { return r == '\'' || r == '׳' || r == '’' || r == '`' }

// romanise turns one word of a single script into lower-case ASCII.
// Han words come back with a space between syllables so each character is
// its own token.
func romanise(word []rune, sc script) string {
	var b strings.Builder
	switch sc {
	case scCyrillic:
		for _, r := range word {
			if s, ok := cyrillic[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(strings.ToLower(unidecode.Unidecode(string(r))))
			}
		}
	case scGreek:
		var raw strings.Builder
		for _, r := range word {
			if s, ok := greek[r]; ok {
				raw.WriteString(s)
			} else {
				raw.WriteString(strings.ToLower(unidecode.Unidecode(string(r))))
			}
		}
		s := raw.String()
		for _, d := range greekDigraphs {
			s = strings.ReplaceAll(s, d.from, d.to)
		}
		return s
	case scArabic:
		for i, r := range word {
			switch {
			case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640:
				continue // harakat and tatweel
			case (r == 'و') && (i == 0 || (i > 0 && isArabicVowelLetter(word[i-1]))):
				b.WriteString("w")
			case (r == 'ي' || r == 'ی') && (i == 0 || (i > 0 && isArabicVowelLetter(word[i-1]))):
				b.WriteString("y")
			default:
				if s, ok := arabic[r]; ok {
					b.WriteString(s)
				} else {
					b.WriteString(strings.ToLower(unidecode.Unidecode(string(r))))
				}
			}
		}
	case scHebrew:
		for i := 0; i < len(word); i++ {
			r := word[i]
			if r >= 0x0591 && r <= 0x05C7 && r != 0x05BE {
				continue // niqqud and cantillation
			}
			if i+1 < len(word) && isGeresh(word[i+1]) {
				if s, ok := hebrewGeresh[r]; ok {
					b.WriteString(s)
					i++
					continue
				}
			}
			switch {
			case r == 'ו' && i+1 < len(word) && word[i+1] == 'ו':
				b.WriteString("v")
				i++
			case r == 'ו' && i == 0:
				b.WriteString("v")
			case r == 'י' && i+1 < len(word) && word[i+1] == 'י':
				b.WriteString("y")
				i++
			case r == 'י' && i == 0:
				b.WriteString("y")
			case r == 'ה' && i == len(word)-1:
				b.WriteString("a")
			default:
				if s, ok := hebrew[r]; ok {
					b.WriteString(s)
				} else if !isGeresh(r) {
					b.WriteString(strings.ToLower(unidecode.Unidecode(string(r))))
				}
			}
		}
	case scHan:
		for _, r := range word {
			b.WriteString(strings.ToLower(strings.TrimSpace(unidecode.Unidecode(string(r)))))
			b.WriteByte(' ')
		}
	default:
		if len(word) > 0 && isKhmer(word[0]) {
			return romaniseKhmer(word)
		}
		for _, r := range word {
			if r < 0x80 {
				b.WriteRune(unicode.ToLower(r))
				continue
			}
			b.WriteString(strings.ToLower(unidecode.Unidecode(string(r))))
		}
	}
	return b.String()
}

func isArabicVowelLetter(r rune) bool {
	switch r {
	case 'ا', 'أ', 'إ', 'آ', 'و', 'ي', 'ی', 'ى':
		return true
	}
	return false
}

// Khmer consonants in the UNGEGN romanisation, and which of the two
// series each belongs to: the series sets the inherent vowel a consonant
// carries when no vowel sign follows (a for the first, o for the second).
var khmerCons = map[rune]string{
	'ក': "k", 'ខ': "kh", 'គ': "k", 'ឃ': "kh", 'ង': "ng", 'ច': "ch", 'ឆ': "chh", 'ជ': "ch", 'ឈ': "chh", 'ញ': "nh",
	'ដ': "d", 'ឋ': "th", 'ឌ': "d", 'ឍ': "th", 'ណ': "n", 'ត': "t", 'ថ': "th", 'ទ': "t", 'ធ': "th", 'ន': "n",
	'ប': "b", 'ផ': "ph", 'ព': "p", 'ភ': "ph", 'ម': "m", 'យ': "y", 'រ': "r", 'ល': "l", 'វ': "v", 'ឝ': "s",
	'ឞ': "s", 'ស': "s", 'ហ': "h", 'ឡ': "l", 'អ': "",
}

var khmerSecond = map[rune]bool{
	'គ': true, 'ឃ': true, 'ង': true, 'ជ': true, 'ឈ': true, 'ញ': true, 'ឌ': true, 'ឍ': true, 'ទ': true, 'ធ': true,
	'ន': true, 'ព': true, 'ភ': true, 'ម': true, 'យ': true, 'រ': true, 'ល': true, 'វ': true,
}

var khmerVowels = map[rune]string{
	'ា': "a", 'ិ': "i", 'ី': "i", 'ឹ': "oe", 'ឺ': "eu", 'ុ': "o", 'ូ': "u", 'ួ': "uo", 'ើ': "ae", 'ឿ': "oea",
	'ៀ': "ie", 'េ': "e", 'ែ': "ae", 'ៃ': "ai", 'ោ': "ao", 'ៅ': "au", 'ំ': "am", 'ះ': "h", 'ៈ': "a",
	// Independent vowels.
	'ឥ': "e", 'ឦ': "ei", 'ឧ': "o", 'ឩ': "ou", 'ឪ': "ov", 'ឫ': "rue", 'ឬ': "rue", 'ឭ': "lue", 'ឮ': "lue",
	'ឯ': "ae", 'ឰ': "ai", 'ឱ': "ao", 'ឲ': "ao", 'ឳ': "au",
}

func isKhmer(r rune) bool { return r >= 0x1780 && r <= 0x17FF }

// romaniseKhmer spells a Khmer word in Latin letters: a consonant takes
// the vowel sign after it, none when it is the word's last letter or
// stands before a subscript (coeng), else its series' inherent vowel.
// The generic table drops inherent vowels (ពត "bt" for Pot).
func romaniseKhmer(word []rune) string {
	var b strings.Builder
	for i, r := range word {
		c, ok := khmerCons[r]
		if !ok {
			if v, ok := khmerVowels[r]; ok {
				b.WriteString(v)
			}
			continue // signs: musikatoan, triisap, bantoc, coeng, ...
		}
		if r == 'ប' && i+1 < len(word) && word[i+1] == '៉' {
			c = "p"
		}
		b.WriteString(c)
		j := i + 1
		for j < len(word) && (word[j] == '៉' || word[j] == '៊' || word[j] == '់' || word[j] == '៌') {
			j++
		}
		if j >= len(word) || word[j] == '្' || i > 0 && word[i-1] == '្' && j < len(word) && khmerVowels[word[j]] != "" {
			continue
		}
		if _, cons := khmerCons[word[j]]; cons {
			if khmerSecond[r] {
				b.WriteString("o")
			} else {
				b.WriteString("a")
			}
		}
	}
	return b.String()
}
