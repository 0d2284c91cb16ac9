package screen

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./gen/rigour -in ../../shared/data/reference/rigour -out rigour_derived.json

// rigourDerived is a compact copy of the rigour name dictionaries (legal
// forms, organisation words in many languages, ordinals, stopwords). It is
// MIT-licensed (Copyright (c) OpenSanctions); gen/rigour regenerates it.
//
//go:embed rigour_derived.json
var rigourDerived []byte

type derivedTable struct {
	Legal []struct {
		Aliases []string `json:"aliases"`
		Display string   `json:"display"`
		Compare string   `json:"compare"`
		Generic string   `json:"generic"`
	} `json:"legal"`
	OrgSymbols     map[string][]string `json:"org_symbols"`
	OrgDomains     map[string][]string `json:"org_domains"`
	Ordinals       map[string][]string `json:"ordinals"`
	PersonPrefixes []string            `json:"person_prefixes"`
	PersonSymbols  map[string][]string `json:"person_symbols"`
	PersonNick     map[string][]string `json:"person_nick"`
	GenericPersons []string            `json:"generic_person_names"`
	OrgPrefixes    []string            `json:"org_prefixes"`
	ObjPrefixes    []string            `json:"obj_prefixes"`
	Stopwords      []string            `json:"stopwords"`
}

// TokenKind classifies a token; the kind sets its weight and how it is
// compared.
type TokenKind uint8

const (
	KindWord       TokenKind = iota // a name word: full weight
	KindNumber                      // a number or ordinal: must agree
	KindDomain                      // an organisation's field (defence, bank, oil)
	KindOrgTerm                     // a generic organisation word (company, ministry)
	KindLegal                       // a legal form (LLC, AG, ООО)
	KindPersonPart                  // abu, bin, al: weak parts of person names
	KindTitle                       // Dr, Sheikh, General: carry no identity
	KindStop                        // of, the, de
)

var kindNames = [...]string{"word", "number", "domain", "org_term", "legal_form", "name_particle", "title", "stopword"}

// String names the kind in explanations.
func (k TokenKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// phrase is a dictionary entry matched against a run of tokens.
type phrase struct {
	kind     TokenKind
	concepts []uint16 // concept ids (several: "фонд" is fund, foundation and trust)
	generic  uint16   // for legal forms: the generic form (LLC, JSC)
	num      int
	ntok     int
}

type dictionary struct {
	phrases   map[string]phrase // key: romanised tokens joined by one space
	legal     map[string]phrase // legal forms, kept apart: "of", "at" and "sa" are legal forms too
	maxTokens int
	prefixMax map[string]int // first word of a phrase -> most words in one
	concepts  []string
	conceptID map[string]uint16
	nick      map[string][]uint16 // nickname groups of a romanised given name
}

var (
	dictOnce sync.Once
	dict     *dictionary
)

func getDict() *dictionary {
	dictOnce.Do(func() { dict = buildDictionary(rigourDerived) })
	return dict
}

func (d *dictionary) concept(name string) uint16 {
	if id, ok := d.conceptID[name]; ok {
		return id
	}
	id := uint16(len(d.concepts))
	d.concepts = append(d.concepts, name)
	d.conceptID[name] = id
	return id
}

func phraseKey(s string) (string, int) {
	toks := rawTokens(s)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.key()
	}
	return strings.Join(parts, " "), len(toks)
}

// key is the dictionary form of a word. Words romanised by the generic
// table (Han, Hangul, kana, Thai...) are marked so that a dictionary entry
// such as 十 ("shi", ten) or 旅 ("lu", brigade) applies only to words of
// that script, never to the Latin word "shi" or "lu".
func (r rawTok) key() string {
	if r.sc == scHan && utf8.RuneCountInString(r.orig) == 1 {
		// A character, not its reading: 十 is ten, 石 (also "shi") is not.
		return "\x01" + r.orig
	}
	if r.sc == scHan || r.sc == scOther || r.sc == scSyllabic {
		return "\x01" + r.text
	}
	return r.text
}

// buildDictionary turns the rigour table into phrase lookups. Every alias
// is tokenised by the same code as names, so "S.A.R.L.", "Общество с
// ограниченной ответственностью" and "5-я" are found however they are
// written in a name.
func buildDictionary(raw []byte) *dictionary {
	var t derivedTable
	if err := json.Unmarshal(raw, &t); err != nil {
		panic("screen: embedded rigour table: " + err.Error())
	}
	d := &dictionary{phrases: map[string]phrase{}, legal: map[string]phrase{}, prefixMax: map[string]int{}, conceptID: map[string]uint16{}, nick: map[string][]uint16{}}
	// Lower priority first: a later add of a stronger kind replaces it.
	add := func(alias string, p phrase) {
		key, n := phraseKey(alias)
		if key == "" {
			return
		}
		p.ntok = n
		m := d.phrases
		if p.kind == KindLegal {
			m = d.legal
		}
		if old, ok := m[key]; ok {
			if old.kind == p.kind {
				old.concepts = appendUnique(old.concepts, p.concepts...)
				m[key] = old
				return
			}
			if kindRank(old.kind) > kindRank(p.kind) {
				return
			}
		}
		if n > d.maxTokens {
			d.maxTokens = n
		}
		first, _, _ := strings.Cut(key, " ")
		if n > d.prefixMax[first] {
			d.prefixMax[first] = n
		}
		m[key] = p
	}
	for _, w := range t.Stopwords {
		add(w, phrase{kind: KindStop})
	}
	for _, w := range append(t.OrgPrefixes, t.ObjPrefixes...) {
		add(w, phrase{kind: KindStop})
	}
	for _, w := range t.PersonPrefixes {
		add(w, phrase{kind: KindTitle})
	}
	for _, k := range sortedKeys(t.PersonSymbols) {
		id := d.concept("P:" + k)
		for _, w := range t.PersonSymbols[k] {
			add(w, phrase{kind: KindPersonPart, concepts: []uint16{id}})
		}
	}
	for _, k := range sortedKeys(t.OrgDomains) {
		id := d.concept(k)
		for _, w := range t.OrgDomains[k] {
			add(w, phrase{kind: KindDomain, concepts: []uint16{id}})
		}
	}
	for _, k := range sortedKeys(t.OrgSymbols) {
		id := d.concept(k)
		for _, w := range t.OrgSymbols[k] {
			add(w, phrase{kind: KindOrgTerm, concepts: []uint16{id}})
		}
	}
	for _, k := range sortedKeys(t.Ordinals) {
		n, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		for _, w := range t.Ordinals[k] {
			key, _ := phraseKey(w)
			// Single letters ("I.", "V.") are initials far more often
			// than Roman numerals.
			if len(key) <= 1 && !(key >= "0" && key <= "9") {
				continue
			}
			add(w, phrase{kind: KindNumber, num: n})
		}
	}
	for _, g := range t.Legal {
		name := g.Compare
		if name == "" {
			name = g.Display
		}
		if name == "" && len(g.Aliases) > 0 {
			name = g.Aliases[0]
		}
		id := d.concept("L:" + name)
		var gen uint16
		if g.Generic != "" {
			gen = d.concept("G:" + g.Generic)
		}
		for _, w := range append(g.Aliases, g.Display, g.Compare) {
			if w == "" {
				continue
			}
			key, _ := phraseKey(w)
			// A one-letter legal form ("A", "K") is a word or an initial
			// in most names.
			if len(key) <= 1 {
				continue
			}
			add(w, phrase{kind: KindLegal, concepts: []uint16{id}, generic: gen})
		}
	}
	// Words the rigour tables lack that name military units across
	// languages; units are a core subject of human-rights lists.
	unit := d.concept("UNIT")
	for _, w := range []string{"unit", "military unit", "войсковая часть", "воинская часть", "в/ч", "вч", "військова частина", "в/ч №", "military unit no"} {
		add(w, phrase{kind: KindOrgTerm, concepts: []uint16{unit}})
	}
	// Military unit vocabulary in English, Russian and Ukrainian, with the
	// inflections lists use; units are named by number plus these words.
	for _, g := range [][]string{
		{"separate", "independent", "отдельная", "отдельный", "отдельной", "отдельного", "окрема", "окремий", "окремої", "окремого"},
		{"guards", "guard", "гвардейская", "гвардейский", "гвардейской", "гвардейского", "гвардійська", "гвардійський"},
		{"motorized rifle", "motor rifle", "motorised rifle", "мотострелковая", "мотострелковый", "мотострелковой", "мотострелкового", "мотопіхотна"},
		{"tank", "armoured", "armored", "танковая", "танковый", "танковой", "танкового", "танкова"},
		{"division", "дивизия", "дивизии", "дивизион", "дивізія"},
		{"regiment", "полк", "полка"},
		{"battalion", "батальон", "батальона"},
		{"artillery", "артиллерийская", "артиллерийский", "артиллерийской", "артиллерийского", "артилерійська"},
		{"airborne", "воздушно-десантная", "воздушно-десантный", "десантная", "десантно-штурмовая", "десантно-штурмовий"},
		{"special purpose", "special forces", "специального назначения", "спецназ", "спеціального призначення"},
		{"mechanized", "mechanised", "механизированная", "механизированный", "механізована", "механізований"},
		{"naval infantry", "marines", "морской пехоты", "морської піхоти"},
		{"rifle", "стрелковая", "стрелковый"},
	} {
		id := d.concept("MIL:" + g[0])
		for _, w := range g {
			add(w, phrase{kind: KindDomain, concepts: []uint16{id}})
		}
	}
	// A legal form that is also an organisation word ("Stiftung" is a
	// legal form and a foundation) keeps both meanings.
	for k, lp := range d.legal {
		if p, ok := d.phrases[k]; ok && len(p.concepts) > 0 {
			lp.concepts = appendUnique(append([]uint16(nil), lp.concepts...), p.concepts...)
			d.legal[k] = lp
		}
	}
	for _, k := range sortedKeys(t.PersonNick) {
		id := d.concept("N:" + k)
		for _, w := range t.PersonNick[k] {
			key, _ := phraseKey(w)
			d.nick[key] = appendUnique(d.nick[key], id)
		}
	}
	// Generic person names (Muhammad, Abu Ali) stay words; their rarity is
	// what the index weighs.
	return d
}

func kindRank(k TokenKind) int {
	switch k {
	case KindLegal:
		return 7
	case KindNumber:
		return 6
	case KindOrgTerm:
		return 5
	case KindDomain:
		return 4
	case KindPersonPart:
		return 3
	case KindTitle:
		return 2
	case KindStop:
		return 1
	}
	return 0
}

func appendUnique(a []uint16, vs ...uint16) []uint16 {
	for _, v := range vs {
		found := false
		for _, x := range a {
			if x == v {
				found = true
				break
			}
		}
		if !found {
			a = append(a, v)
		}
	}
	return a
}

func sortedKeys(m map[string][]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
