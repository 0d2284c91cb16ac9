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
	// scripts has bit 1<<script set for each script in which the
	// dictionary writes this phrase (see fitsScript).
	scripts uint32
}

type dictionary struct {
	phrases   map[string]phrase // key: romanised tokens joined by one space
	legal     map[string]phrase // legal forms, kept apart: "of", "at" and "sa" are legal forms too
	maxTokens int
	prefixMax map[string]int // first word of a phrase -> most words in one
	concepts  []string
	conceptID map[string]uint16
	nick      map[string][]uint16 // nickname groups of a romanised given name
	office    uint16              // concept of the titles of a head of state or government
	// particleNick: nickname groups of words the dictionary reads as
	// name particles
	particleNick map[string][]uint16
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
	return tokensKey(toks), len(toks)
}

// tokensKey joins the dictionary forms of a phrase's words.
func tokensKey(toks []rawTok) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.key()
	}
	return strings.Join(parts, " ")
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
		toks := rawTokens(alias)
		key := tokensKey(toks)
		if key == "" {
			return
		}
		n := len(toks)
		p.ntok = n
		p.scripts = 1 << toks[0].sc
		m := d.phrases
		if p.kind == KindLegal {
			m = d.legal
		}
		if old, ok := m[key]; ok {
			if old.kind == p.kind {
				old.concepts = appendUnique(old.concepts, p.concepts...)
				old.scripts |= p.scripts
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
	d.office = d.concept("OFFICE")
	for _, w := range officeTitles {
		add(w, phrase{kind: KindTitle, concepts: []uint16{d.office}})
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
	// Hebrew ordinals, which the rigour tables lack, as regnal and
	// generation numbers are written (לואי השני, Louis II): only with
	// the article ה, because without it several are given names (שני,
	// Shani). Arabic ordinals stay out for the same reason: ثاني is
	// also the family name Thani.
	for n, ws := range [][]string{
		1: {"הראשון", "הראשונה"}, 2: {"השני", "השנייה", "השניה"},
		3: {"השלישי", "השלישית"}, 4: {"הרביעי", "הרביעית"},
		5: {"החמישי", "החמישית"}, 6: {"השישי", "השישית"},
		7: {"השביעי", "השביעית"}, 8: {"השמיני", "השמינית"},
		9: {"התשיעי", "התשיעית"}, 10: {"העשירי", "העשירית"},
	} {
		for _, w := range ws {
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
	for i, g := range hypocorisms {
		id := d.concept("H:" + strconv.Itoa(i))
		for _, w := range strings.FieldsFunc(g, func(r rune) bool { return r == ',' || r == ':' }) {
			key, _ := phraseKey(w)
			d.nick[key] = appendUnique(d.nick[key], id)
		}
	}
	// A nickname that is also a name particle ("Ben", the Hebrew "son
	// of") is found through particleNick: analysis gives it no Nick.
	d.particleNick = map[string][]uint16{}
	for k, ids := range d.nick {
		if p, ok := d.phrases[k]; ok && p.kind == KindPersonPart {
			d.particleNick[k] = ids
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

// regionWords are one-word names of world regions that organisations add
// to the name of a branch or subsidiary ("Faberlic Europe", "Acme Asia
// Pacific"), in English and the main languages of company registers.
// Countries are found by countryWord; these are the regions above them.
var regionWords = map[string]bool{
	"europe": true, "europa": true, "evropa": true, "asia": true, "azija": true, "aziya": true, "asien": true, "asie": true,
	"africa": true, "afrika": true, "afrique": true, "america": true, "americas": true, "amerika": true, "amerique": true,
	"eurasia": true, "evraziya": true, "oceania": true, "pacific": true, "pazifik": true, "pacifique": true,
	"emea": true, "apac": true, "mena": true, "latam": true, "benelux": true, "nordic": true, "nordics": true,
	"scandinavia": true, "skandinavien": true, "baltic": true, "baltics": true, "balkans": true, "caribbean": true,
	"levant": true, "maghreb": true, "iberia": true, "mideast": true,
}

func isRegionWord(s string) bool { return regionWords[s] }

// hypocorisms are common given names with their short and familiar forms
// (hypocorisms, diminutives) in the languages most frequent on risk lists,
// one group per full name: "full name spellings: short forms". A short
// form shared by several names belongs to each group (Sasha is Aleksandr
// and Aleksandra), while the full names of different groups never meet
// through it. Compiled from the usual naming conventions of each language
// (standard references on English, German, French, Italian, Spanish,
// Portuguese, Russian, Ukrainian, Polish, Hebrew and Arabic given names);
// it extends rigour's person_nick table.
var hypocorisms = []string{
	// English
	"Abraham: Abe, Abie", "Albert: Al, Bert, Bertie", "Alexander: Alex, Alec, Sandy, Xander", "Alexandra: Alex, Sandra, Sandy, Lexi",
	"Alfred: Alf, Alfie, Fred", "Allan, Alan: Al", "Anthony, Antony: Tony, Ant", "Arthur: Art, Artie", "Barbara: Barb, Babs",
	"Bartholomew: Bart", "Benjamin: Ben, Benny, Benji", "Bernard: Bernie", "Catherine, Katherine, Kathryn: Cathy, Kathy, Kate, Katie, Kay, Kit",
	"Charles: Charlie, Chuck, Chas, Chaz", "Christina, Christine: Chris, Tina, Christy", "Clifford: Cliff", "Cynthia: Cindy",
	"Daniel: Dan, Danny", "Donald: Don, Donnie", "Dorothy: Dot, Dottie", "Edward: Ed, Eddie, Ned, Ted", "Elizabeth: Liz, Lizzie, Beth, Betty, Betsy, Eliza, Libby",
	"Eugene: Gene", "Frances: Fran, Frankie", "Francis: Frank", "Franklin: Frank", "Frederick: Fred, Freddie", "Gerald: Gerry, Jerry",
	"Gregory: Greg", "Harold: Harry, Hal", "Henry: Harry, Hank", "Herbert: Herb, Bert", "Isaac: Ike", "Jacob: Jake", "James: Jim, Jimmy, Jamie",
	"Jeffrey, Geoffrey: Jeff, Geoff", "Jennifer: Jen, Jenny", "Jerome: Jerry", "John: Johnny, Jack", "Jonathan: Jon, Jonny", "Joseph: Joe, Joey",
	"Joshua: Josh", "Judith: Judy", "Kenneth: Ken, Kenny", "Lawrence, Laurence: Larry, Laurie", "Leonard: Leo, Len, Lenny", "Louis, Lewis: Lou",
	"Margaret: Maggie, Meg, Peggy, Marge, Margie", "Matthew: Matt", "Michael: Mike, Mikey, Mick, Mickey", "Nathaniel, Nathan: Nate, Nat",
	"Nicholas: Nick, Nicky", "Oliver: Ollie", "Patricia: Pat, Patty, Trish", "Patrick: Pat, Paddy", "Peter: Pete", "Philip, Phillip: Phil",
	"Rebecca: Becky", "Richard: Rick, Ricky, Rich, Dick", "Robert: Rob, Bob, Bobby, Robbie, Bert", "Ronald: Ron, Ronnie", "Samuel: Sam, Sammy",
	"Stephen, Steven: Steve", "Susan: Sue, Susie", "Theodore: Ted, Teddy, Theo", "Thomas: Tom, Tommy", "Timothy: Tim", "Victoria: Vicky, Tori",
	"Vincent: Vince, Vinnie", "Walter: Walt, Wally", "William: Will, Bill, Billy, Willie, Liam", "Zachary: Zach, Zack",
	// German and Dutch
	"Michael: Michi", "Michaela: Michi", "Johannes: Hans, Hannes, Jo", "Wolfgang: Wolf", "Friedrich: Fritz", "Joachim: Achim",
	"Matthias: Hias", "Franziska: Franzi", "Andreas: Andi", "Katharina: Kathi, Käthe", "Elisabeth: Lisa, Liesl, Elsbeth", "Maximilian: Max", "Jakob: Jakl",
	"Margarete: Grete, Gretel", "Susanne: Susi", "Stefanie: Steffi", "Christian: Chris", "Gerhard: Gerd", "Bernhard: Bernd", "Heinrich: Heinz, Hein",
	"Dietrich: Dieter", "Ludwig: Lutz", "Ulrich: Ulli, Uli", "Willem: Wim", "Hendrik: Henk",
	// French, Italian, Spanish, Portuguese
	"Dominique: Dom", "Giuseppe: Beppe, Peppe, Pino", "Giovanni: Gianni, Nino", "Francesco: Checco",
	"Salvatore: Totò, Turi", "Antonio: Toni, Tonio, Tonino, Toño", "José: Pepe, Chepe", "Francisco: Paco, Pancho, Curro, Cisco", "Ignacio: Nacho",
	"Jesús: Chucho, Chuy", "Manuel: Manolo, Manu", "Guillermo: Memo", "Enrique: Quique", "Alejandro: Alejo, Jandro", "Rosario: Charo",
	"Concepción: Concha, Conchita", "Dolores: Lola", "Mercedes: Meche", "Eduardo: Lalo", "Roberto: Beto", "Alberto: Beto", "Luis: Lucho",
	"Gonzalo: Chalo", "Ramón: Moncho", "Federico: Fede", "Fernando: Nando", "Luiz: Lula",
	// Russian, Ukrainian, Belarusian (with the usual Latin spellings)
	"Aleksandr, Alexandr, Oleksandr, Aliaksandr: Sasha, Sanya, Shura", "Aleksandra, Alexandra, Oleksandra: Sasha, Shura", "Aleksey, Alexey, Alexei, Aleksei, Oleksiy: Alyosha, Lyosha",
	"Anatoly, Anatoliy: Tolya", "Andrey, Andrei, Andriy: Andryusha", "Boris: Borya", "Vladimir, Volodymyr: Volodya, Vova, Vlad", "Vyacheslav, Viacheslav: Slava",
	"Vladislav: Vlad, Slava", "Stanislav: Stas, Slava", "Grigory, Grigoriy, Hryhoriy: Grisha", "Dmitry, Dmitriy, Dmitri, Dmytro: Dima, Mitya",
	"Yevgeny, Yevgeniy, Evgeny, Evgeniy, Yevhen: Zhenya", "Yevgenia, Evgenia, Yevgeniya: Zhenya", "Ivan: Vanya", "Konstantin, Kostiantyn: Kostya",
	"Leonid: Lyonya", "Mikhail, Mykhailo: Misha", "Nikolay, Nikolai, Mykola: Kolya", "Pavel, Pavlo: Pasha", "Pyotr, Petr, Petro: Petya",
	"Sergey, Sergei, Serhiy, Serhii: Seryozha", "Stepan: Styopa", "Fyodor, Fedor: Fedya", "Yuri, Yuriy, Yury: Yura", "Viktor: Vitya",
	"Vasily, Vasiliy, Vasyl: Vasya", "Gennady, Gennadiy: Gena", "Valery, Valeriy: Valera", "Yaroslav: Yarik, Slava", "Maksim, Maxim: Max",
	"Roman: Roma", "Semyon: Senya", "Timofey: Tima", "Anastasia, Anastasiya: Nastya", "Anna: Anya", "Darya, Daria: Dasha", "Yekaterina, Ekaterina: Katya",
	"Yelena, Elena: Lena", "Irina: Ira", "Lyudmila, Ludmila: Lyuda, Mila", "Mariya, Maria: Masha", "Natalya, Natalia: Natasha", "Nadezhda: Nadya",
	"Olga: Olya", "Svetlana: Sveta", "Tatyana, Tatiana: Tanya", "Yuliya, Yulia, Julia: Yulya", "Kseniya, Ksenia: Ksyusha", "Valentina: Valya",
	"Galina: Galya", "Lyubov: Lyuba",
	// Polish, Czech, South Slavic
	"Aleksander: Olek, Olo", "Małgorzata: Gosia, Małgosia", "Katarzyna: Kasia", "Wojciech: Wojtek", "Józef: Józek", "Stanisław: Staszek",
	"Jarosław: Jarek", "Tomasz: Tomek", "Włodzimierz: Włodek", "Zbigniew: Zbyszek", "Jiří: Jirka", "Josip: Joža", "Slobodan: Boban", "Aleksandar: Aco, Saša",
	// Hebrew
	"Binyamin, Benjamin, Benyamin: Bibi, Beni, Benny", "Avraham, Abraham: Avi, Avrum", "Yosef, Joseph: Yossi, Yossef", "Yitzhak, Yitzchak, Itzhak: Itzik, Tzachi",
	"Yaakov, Yakov, Jacob: Kobi, Yanki", "Mordechai: Motti, Moti", "Shmuel, Samuel: Shmulik, Muli", "David: Dudu", "Moshe: Moshiko", "Yehoshua: Shuki",
	"Eliyahu: Eli", "Refael, Raphael: Rafi", "Tzipora: Tzipi", "Yehuda: Yudi", "Ehud: Udi",
	// Arabic, Persian, Turkish
	"Mustafa: Musti", "Muhammad, Mohammed, Mohamed, Mohammad: Hamada, Hamoudi, Mido", "Ahmad, Ahmed: Hamdi", "Abdullah: Abboud, Abdo",
	"Abdelaziz, Abdulaziz: Azouz", "Abdelrahman, Abdulrahman, Abdurrahman: Abdo", "Hussein, Husayn: Hassouna", "Mahmoud: Hamouda", "Reza: Rez",
	"Mehmet: Memo"}

// officeTitles are the titles of offices held by one person at a time in
// a state (head of state or government), in the languages of the lists:
// "President Kagame" names one person where "Kagame" alone does not.
var officeTitles = []string{
	// Not the titles that are also given names or family names (Amir,
	// Emir, Sultan, King, Malik, Rais; Arabic Al Sultan, Al Malik, Al
	// Amir) or company words (Premier).
	"President", "Vice President", "Prime Minister", "Chancellor", "Queen", "Emperor",
	"Crown Prince", "Supreme Leader", "Head of State", "Chairman of the State Council",
	"Président", "Premier ministre", "Presidente", "Primer ministro", "Präsident", "Bundespräsident", "Bundeskanzler",
	"Президент", "Премьер-министр", "Председатель правительства", "Прем'єр-міністр",
	"الرئيس", "رئيس الوزراء", "رئيس الجمهورية", "المرشد الأعلى",
	"Cumhurbaşkanı", "Başbakan", "נשיא", "ראש הממשלה", "总统", "總統", "总理", "總理", "대통령", "총리",
}
