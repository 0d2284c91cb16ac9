package demo

import (
	"math/rand/v2"
	"strings"
)

// Every name the generator makes is built from invented syllables, so no
// real body, company or person is named; the structure around the names
// (ministries with many units, resellers in front of end users, several
// scripts) is what makes the portfolio realistic.
var (
	onsets = []string{"b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "st", "sh", "kh", "g", "f", "h", "p"}
	nuclei = []string{"a", "e", "i", "o", "u", "a", "o", "e", "ai", "ou"}
	codas  = []string{"", "", "", "n", "r", "l", "s", "th", "m", "k"}
)

func syllable(r *rand.Rand) string {
	return onsets[r.IntN(len(onsets))] + nuclei[r.IntN(len(nuclei))] + codas[r.IntN(len(codas))]
}

// word returns an invented proper noun of two or three syllables.
func word(r *rand.Rand) string {
	n := 2 + r.IntN(2)
	var b strings.Builder
	for range n {
		b.WriteString(syllable(r))
	}
	w := b.String()
	return strings.ToUpper(w[:1]) + w[1:]
}

// script is a writing system the generator can put names in.
type script int

const (
	latin script = iota
	cyrillic
	arabic
	hebrew
	greek
	cjk
)

var scripts = []script{latin, cyrillic, arabic, hebrew, greek, cjk}

// Letter maps good enough to make plausible foreign-script spellings of the
// invented syllables; real transliteration is the screening package's job.
var (
	toCyrillic = map[string]string{"sh": "ш", "kh": "х", "th": "т", "ai": "ай", "ou": "у", "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "z": "з"}
	toGreek    = map[string]string{"sh": "σ", "kh": "χ", "th": "θ", "ai": "αι", "ou": "ου", "a": "α", "b": "μπ", "d": "ντ", "e": "ε", "f": "φ", "g": "γ", "h": "χ", "i": "ι", "k": "κ", "l": "λ", "m": "μ", "n": "ν", "o": "ο", "p": "π", "r": "ρ", "s": "σ", "t": "τ", "u": "ου", "v": "β", "z": "ζ"}
	// Arabic and Hebrew drop most short vowels, as real spellings do.
	toArabic = map[string]string{"sh": "ش", "kh": "خ", "th": "ث", "ai": "ي", "ou": "و", "a": "ا", "b": "ب", "d": "د", "e": "", "f": "ف", "g": "غ", "h": "ه", "i": "ي", "k": "ك", "l": "ل", "m": "م", "n": "ن", "o": "و", "p": "ب", "r": "ر", "s": "س", "t": "ت", "u": "و", "v": "ف", "z": "ز"}
	toHebrew = map[string]string{"sh": "ש", "kh": "ח", "th": "ת", "ai": "י", "ou": "ו", "a": "", "b": "ב", "d": "ד", "e": "", "f": "פ", "g": "ג", "h": "ה", "i": "י", "k": "ק", "l": "ל", "m": "מ", "n": "נ", "o": "ו", "p": "פ", "r": "ר", "s": "ס", "t": "ט", "u": "ו", "v": "ב", "z": "ז"}
	cjkChars = []rune("安宝北成东方丰光国海华吉佳金康利林龙美明南宁鹏平启庆瑞山盛顺泰天通威文祥新信星兴旭阳永远中卓")
)

func transliterate(w string, s script) string {
	var table map[string]string
	switch s {
	case latin:
		return w
	case cyrillic:
		table = toCyrillic
	case greek:
		table = toGreek
	case arabic:
		table = toArabic
	case hebrew:
		table = toHebrew
	case cjk:
		// One character per syllable-ish chunk, chosen from the word's letters
		// so the same word always gives the same characters.
		var b strings.Builder
		h := 0
		for i, c := range strings.ToLower(w) {
			h = h*31 + int(c)
			if i%3 == 2 {
				b.WriteRune(cjkChars[(h&0x7fffffff)%len(cjkChars)])
			}
		}
		if b.Len() == 0 {
			b.WriteRune(cjkChars[(h&0x7fffffff)%len(cjkChars)])
		}
		return b.String()
	}
	lw := strings.ToLower(w)
	var b strings.Builder
	for i := 0; i < len(lw); {
		if i+1 < len(lw) {
			if v, ok := table[lw[i:i+2]]; ok {
				b.WriteString(v)
				i += 2
				continue
			}
		}
		if v, ok := table[lw[i:i+1]]; ok {
			b.WriteString(v)
		} else {
			b.WriteByte(lw[i]) // digits and hyphens stay as they are
		}
		i++
	}
	out := b.String()
	if s == cyrillic || s == greek {
		rs := []rune(out)
		if len(rs) > 0 {
			out = strings.ToUpper(string(rs[0])) + string(rs[1:])
		}
	}
	return out
}

// orgWord holds how one organisation word is written in each script's
// usual language, so aliases look like real translated names.
type orgWord map[script]string

var (
	wMinistry = orgWord{latin: "Ministry of", cyrillic: "Министерство", arabic: "وزارة", hebrew: "משרד", greek: "Υπουργείο", cjk: "部"}
	wAgency   = orgWord{latin: "Agency", cyrillic: "Агентство", arabic: "وكالة", hebrew: "סוכנות", greek: "Υπηρεσία", cjk: "局"}
	wBrigade  = orgWord{latin: "Brigade", cyrillic: "бригада", arabic: "لواء", hebrew: "חטיבה", greek: "Ταξιαρχία", cjk: "旅"}
	wUnit     = orgWord{latin: "Unit", cyrillic: "Войсковая часть", arabic: "الوحدة", hebrew: "יחידה", greek: "Μονάδα", cjk: "部队"}
	wPolice   = orgWord{latin: "Police Directorate", cyrillic: "Управление полиции", arabic: "مديرية الشرطة", hebrew: "מנהלת המשטרה", greek: "Διεύθυνση Αστυνομίας", cjk: "警察局"}
	wCompany  = orgWord{latin: "", cyrillic: "ООО", arabic: "شركة", hebrew: "חברת", greek: "Εταιρεία", cjk: "公司"}
)

// ministryKinds are the portfolios of the government bodies the generator
// creates, with the sector tags of the ministry and of its units.
var ministryKinds = []struct {
	name        string
	sectors     []string
	unitSectors []string
	unitType    string // "brigade", "unit", "police", "office"
}{
	{"Defence", []string{"government", "military"}, []string{"military"}, "brigade"},
	{"Defence", []string{"government", "military"}, []string{"military", "intelligence"}, "unit"},
	{"Interior", []string{"government", "police"}, []string{"police", "border"}, "police"},
	{"State Security", []string{"government", "intelligence"}, []string{"intelligence"}, "unit"},
	{"Justice", []string{"government", "justice"}, []string{"prison"}, "office"},
	{"Communications", []string{"government", "telecom"}, []string{"telecom"}, "office"},
	{"Health", []string{"government", "health"}, []string{"health"}, "office"},
	{"Finance", []string{"government", "finance"}, []string{"finance"}, "office"},
}

var companySectors = [][]string{{"telecom"}, {"health"}, {"finance"}, {"retail"}, {"energy"}, {"media"}, {"manufacturing"}, {"logistics"}, {"education"}, {"defence_industry", "manufacturing"}, {"surveillance_technology"}, {"it_services"}}

var legalForms = []string{"Ltd", "LLC", "GmbH", "S.A.", "SARL", "AG", "JSC", "PLC", "B.V.", "S.p.A.", "Inc.", "Co., Ltd."}

var firstNames = []string{"Ana", "Bela", "Cyra", "Dano", "Elin", "Faro", "Gita", "Hovan", "Ilsa", "Joren", "Kalo", "Lina", "Miro", "Nadi", "Orin", "Pela", "Rami", "Sava", "Tero", "Vela"}

// Provider regions: generic names, as a provider would list them.
var regions = []string{"eu-west-1", "eu-west-2", "eu-central-1", "eu-north-1", "us-east-1", "us-west-2", "ca-central-1", "sa-east-1", "me-central-1", "me-south-1", "af-south-1", "ap-south-1", "ap-southeast-1", "ap-northeast-1", "ap-east-1"}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return itoa(n) + suffix
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
