package lists

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"
)

// Lists name countries in many ways ("Russia", "Russian Federation",
// "RUSSIAN", "RU", "Korea, North", "Iran (Islamic Republic of)"). The
// matcher treats country as evidence, so every importer reduces them to
// lower-case ISO 3166-1 alpha-2 codes (the FollowTheMoney convention).
// Values that name no country ("Region: Gaza", "unknown") are kept as
// written, trimmed, so nothing the list says is lost.

var (
	countryOnce  sync.Once
	countryNames map[string]string // normalised name -> code
	countryCodes map[string]bool   // lower-case alpha-2 codes
)

// countryAliases covers official long forms, demonyms and list spellings
// that the CLDR short names do not.
var countryAliases = map[string]string{
	"af": "afghan;afgan", "al": "albanian", "dz": "algerian", "ao": "angolan",
	"ar": "argentine;argentinian", "am": "armenian", "au": "australian", "at": "austrian",
	"az": "azerbaijani;azeri", "bh": "bahraini", "bd": "bangladeshi", "by": "belarusian;belarussian;belarusan;byelorussian;republic of belarus",
	"be": "belgian", "ba": "bosnian;bosnia herzegovina;bosnia-herzegovina", "br": "brazilian", "bg": "bulgarian",
	"bi": "burundian", "kh": "cambodian", "cm": "cameroonian", "ca": "canadian",
	"cf": "central african;car", "td": "chadian", "cl": "chilean", "cn": "chinese;people's republic of china;china prc;prc",
	"co": "colombian", "cd": "democratic republic of the congo;congo, democratic republic of the;congolese;drc;dr congo;zaire;congo kinshasa",
	"cg": "congo;republic of the congo;congo, republic of the;congo brazzaville", "ci": "ivory coast;cote d'ivoire;ivorian",
	"hr": "croatian", "cu": "cuban", "cy": "cypriot", "cz": "czech;czech republic",
	"dk": "danish", "eg": "egyptian", "er": "eritrean", "ee": "estonian", "et": "ethiopian",
	"fi": "finnish", "fr": "french", "ge": "georgian", "de": "german", "gh": "ghanaian",
	"gr": "greek", "gn": "guinean", "ht": "haitian", "hu": "hungarian", "in": "indian",
	"id": "indonesian", "ir": "iran;iranian;iran (islamic republic of);islamic republic of iran;iran, islamic republic of",
	"iq": "iraqi", "ie": "irish", "il": "israeli", "it": "italian", "jp": "japanese",
	"jo": "jordanian", "kz": "kazakh;kazakhstani", "ke": "kenyan", "kw": "kuwaiti",
	"kg": "kyrgyz;kyrgyzstani", "la": "lao;laotian;lao people's democratic republic", "lv": "latvian",
	"lb": "lebanese", "lr": "liberian", "ly": "libyan;libyan arab jamahiriya", "lt": "lithuanian",
	"mk": "macedonian;north macedonia;macedonia;former yugoslav republic of macedonia;macedonia, the former yugoslav republic of", "my": "malaysian", "ml": "malian", "mr": "mauritanian",
	"mx": "mexican", "md": "moldovan;moldova, republic of;republic of moldova", "mn": "mongolian",
	"me": "montenegrin", "ma": "moroccan", "mm": "burma;burmese;myanmar;myanmar (burma)", "np": "nepalese;nepali",
	"nl": "dutch;the netherlands", "ni": "nicaraguan", "ne": "nigerien", "ng": "nigerian",
	"kp": "north korea;korea, north;democratic people's republic of korea;dprk;north korean;korea, democratic people's republic of;korean (dprk)",
	"kr": "south korea;korea, south;republic of korea;south korean;korea, republic of",
	"no": "norwegian", "om": "omani", "pk": "pakistani", "ps": "palestine;palestinian;palestinian territories;west bank;gaza;state of palestine;occupied palestinian territory",
	"pa": "panamanian", "pe": "peruvian", "ph": "philippine;filipino", "pl": "polish",
	"pt": "portuguese", "qa": "qatari", "ro": "romanian", "ru": "russia;russian;russian federation;russian federation (the)",
	"rw": "rwandan", "sa": "saudi;saudi arabian", "sn": "senegalese", "rs": "serbian", "sl": "sierra leonean",
	"sg": "singaporean", "sk": "slovak;slovakian", "si": "slovenian;slovene", "so": "somali",
	"za": "south african", "ss": "south sudanese", "es": "spanish", "lk": "sri lankan",
	"sd": "sudanese", "se": "swedish", "ch": "swiss", "sy": "syria;syrian;syrian arab republic",
	"tw": "taiwanese;taiwan, province of china;chinese taipei", "tj": "tajik;tajikistani", "tz": "tanzania;tanzanian;united republic of tanzania;tanzania, united republic of",
	"th": "thai", "tn": "tunisian", "tr": "turkish;turkey;turkiye;türkiye", "tm": "turkmen",
	"ug": "ugandan", "ua": "ukrainian", "ae": "emirati;uae;u.a.e.;united arab emirates", "gb": "british;uk;united kingdom of great britain and northern ireland;great britain;england;scotland;wales;northern ireland",
	"us": "american;usa;u.s.a.;united states of america;u.s.", "uy": "uruguayan", "uz": "uzbek;uzbekistani",
	"ve": "venezuelan;venezuela (bolivarian republic of);bolivarian republic of venezuela", "vn": "vietnamese;viet nam",
	"ye": "yemeni", "zm": "zambian", "zw": "zimbabwean", "bo": "bolivian;bolivia (plurinational state of)",
	"hk": "hong kong;hong kong sar;china, hong kong special administrative region;hong kong special administrative region of china;hong kong, china",
	"mo": "macau;macao;china, macao special administrative region", "va": "holy see",
	"ec": "ecuadorian", "gt": "guatemalan", "hn": "honduran", "sv": "salvadoran;salvadorean",
	"do": "dominican republic", "jm": "jamaican", "tt": "trinidadian", "py": "paraguayan",
	"cv": "cabo verde;cape verde", "sz": "eswatini;swaziland", "tl": "timor-leste;east timor",
	"bn": "brunei darussalam", "fm": "micronesia, federated states of",
	"vg": "british virgin islands;virgin islands, british", "ky": "caymanian",
	"xk": "kosovo;kosovar", "gw": "guinea bissau", "gq": "equatorial guinean",
	"mt": "maltese", "lu": "luxembourgish", "li": "liechtensteiner", "mc": "monegasque",
	"is": "icelandic", "nz": "new zealander", "bt": "bhutanese", "mv": "maldivian",
	"bw": "motswana;botswanan", "na": "namibian", "mz": "mozambican", "mw": "malawian",
	"mg": "malagasy", "dj": "djiboutian", "ga": "gabonese", "tg": "togolese", "bj": "beninese",
	"bf": "burkinabe", "gm": "gambian", "lc": "saint lucian", "vc": "saint vincent and the grenadines;st vincent and the grenadines;vincentian", "sc": "seychellois",
	"mu": "mauritian", "ai": "anguillan", "cw": "curacao", "bz": "belizean", "bs": "bahamian",
	"bb": "barbadian", "gy": "guyanese", "sr": "surinamese", "fj": "fijian",
}

func countryKey(s string) string {
	s = norm.NFKD.String(strings.ToLower(strings.TrimSpace(s)))
	s = strings.ReplaceAll(s, "&", " and ")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	k := b.String()
	k = strings.TrimPrefix(k, "the ")
	return k
}

func initCountries() {
	countryNames = map[string]string{}
	countryCodes = map[string]bool{}
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for c := 'A'; c <= 'Z'; c++ {
			code := string([]rune{a, c})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r {
				continue
			}
			lc := strings.ToLower(code)
			countryCodes[lc] = true
			if n := names.Name(r); n != "" {
				addCountryName(n, lc)
				// CLDR writes "Congo - Kinshasa" and "Myanmar (Burma)";
				// both halves are names lists use.
				for _, part := range strings.FieldsFunc(n, func(r rune) bool { return r == '(' || r == ')' }) {
					addCountryName(part, lc)
				}
			}
		}
	}
	countryCodes["xk"] = true // Kosovo: user-assigned but used by EU and OFAC
	for code, al := range countryAliases {
		code = strings.TrimSpace(code)
		if len(code) != 2 {
			continue
		}
		for _, a := range strings.Split(al, ";") {
			if a = strings.TrimSpace(a); a != "" {
				countryNames[countryKey(a)] = code
			}
		}
	}
}

func addCountryName(n, code string) {
	k := countryKey(n)
	if k == "" {
		return
	}
	if _, ok := countryNames[k]; !ok {
		countryNames[k] = code
	}
	// "St. Kitts & Nevis" is written "Saint Kitts and Nevis" by lists.
	if strings.HasPrefix(k, "st ") {
		if _, ok := countryNames["saint "+k[3:]]; !ok {
			countryNames["saint "+k[3:]] = code
		}
	}
}

// nullCountries are values lists use for "no country known".
var nullCountries = map[string]bool{
	"undetermined": true, "none identified": true, "unknown": true, "n a": true,
	"none": true, "not known": true, "stateless": true,
}

// countryQualifiers are hedges that precede a country in free text.
var countryQualifiers = []string{"allegedly ", "assumed ", "possibly ", "probably ", "reportedly ", "presumably ", "likely "}

// CountryValues reads a free-text nationality or country cell such as
// "possibly Palestinian", "Russian and Ukrainian" or "Tunisian. National
// Identification No.: 0861" and returns the countries in it: ISO codes
// where recognised, otherwise the trimmed text. Values with no letters
// (identity numbers in the wrong column) and "unknown"-style values give
// nothing.
func CountryValues(raw string) []string {
	s := cleanText(raw)
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i]
	}
	s = strings.Trim(s, " .,;:\"'")
	for _, q := range countryQualifiers {
		if len(s) > len(q) && strings.EqualFold(s[:len(q)], q) {
			s = s[len(q):]
		}
	}
	for _, cut := range []string{" since ", " by birth", " (", " passport", " Passport"} {
		if i := strings.Index(s, cut); i > 0 {
			s = s[:i]
		}
	}
	s = strings.TrimPrefix(s, "of Registration ")
	s = strings.TrimPrefix(s, "of the ")
	if strings.IndexFunc(s, unicode.IsLetter) < 0 || nullCountries[countryKey(s)] {
		return nil
	}
	if c := NormalizeCountry(s); isCountryCode(c) {
		return []string{c}
	}
	var out []string
	parts := strings.FieldsFunc(strings.NewReplacer(" and/or ", ",", " and ", ",", " or ", ",").Replace(s), func(r rune) bool { return r == ',' || r == '/' || r == ';' })
	for _, p := range parts {
		if c := NormalizeCountry(p); isCountryCode(c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return []string{s}
	}
	return out
}

// countryCache remembers normalised values: lists repeat a few hundred
// country spellings tens of thousands of times, and the Unicode folding in
// countryKey is the costly part. It is bounded so hostile input cannot
// grow it without limit.
var countryCache = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const countryCacheMax = 8192

// NormalizeCountry returns the lower-case ISO 3166-1 alpha-2 code for a
// country name, demonym or code, or the trimmed input when it names no
// country the table knows.
func NormalizeCountry(raw string) string {
	countryCache.RLock()
	c, ok := countryCache.m[raw]
	countryCache.RUnlock()
	if ok {
		return c
	}
	c = normalizeCountry(raw)
	countryCache.Lock()
	if len(countryCache.m) < countryCacheMax {
		countryCache.m[raw] = c
	}
	countryCache.Unlock()
	return c
}

func normalizeCountry(raw string) string {
	countryOnce.Do(initCountries)
	s := cleanText(raw)
	if s == "" {
		return ""
	}
	if len(s) == 2 {
		if lc := strings.ToLower(s); countryCodes[lc] {
			return lc
		}
	}
	k := countryKey(s)
	if c, ok := countryNames[k]; ok {
		return c
	}
	// "Korea, North" / "Congo, Democratic Republic of the" are inverted.
	if i := strings.Index(s, ","); i > 0 {
		inv := countryKey(s[i+1:] + " " + s[:i])
		if c, ok := countryNames[inv]; ok {
			return c
		}
	}
	return s
}
