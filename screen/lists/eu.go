package lists

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil/screen"
)

// LoadEU imports EU sanctions from an annex-transcription CSV, a directory
// of them, or an EU financial-sanctions XML export (xmlFullSanctionsList
// 1.1). The format is told from the extension and, failing that, from the
// first byte.
func LoadEU(ctx context.Context, path string) ([]screen.Entity, error) {
	if isDir(path) {
		matches, err := filepath.Glob(filepath.Join(path, "*.csv"))
		if err != nil {
			return nil, err
		}
		xmls, _ := filepath.Glob(filepath.Join(path, "*.xml"))
		matches = append(matches, xmls...)
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no EU .csv or .xml files in directory", path)
		}
		sort.Strings(matches)
		var out []screen.Entity
		for _, m := range matches {
			es, err := LoadEU(ctx, m)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		}
		return out, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xml":
		return loadFile(ctx, path, ParseEUXML)
	case ".csv":
		return loadFile(ctx, path, ParseEUAnnexCSV)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(512)
	if strings.HasPrefix(strings.TrimLeft(strings.TrimPrefix(string(head), "\ufeff"), " \t\r\n"), "<") {
		return ParseEUXML(ctx, br, path)
	}
	return ParseEUAnnexCSV(ctx, br, path)
}

var euAnnexRequired = []string{"celex", "recordId", "programKey", "annex", "schema", "name", "alias"}

// ParseEUAnnexCSV reads one transcribed EU annex CSV (one file per
// framework act). recordId is only unique within an annex of one act, so
// IDs are eu:<celex>/<annex>/<recordId>; rows without a recordId get a
// short hash of their name instead of a row number, so that an edit
// elsewhere in the file does not change their ID.
func ParseEUAnnexCSV(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	var out []screen.Entity
	seen := map[string]int{}
	err := newCSVFile(r, name, nil, 0).rows(ctx, euAnnexRequired, func(rw row, line int) error {
		names := splitMulti(rw.get("name"), ";")
		if len(names) == 0 {
			return formatErr(name, line, "name", "empty name")
		}
		celex := rw.get("celex")
		if celex == "" {
			return formatErr(name, line, "celex", "empty CELEX number")
		}
		local := rw.get("recordId")
		if local == "" {
			sum := sha1.Sum([]byte(rw.get("schema") + "\x00" + names[0]))
			local = "h" + hex.EncodeToString(sum[:4])
		}
		// The same name twice in one annex without a recordId is a
		// transcription repeat; it is numbered rather than failing the file.
		id := uniqueID(seen, "eu:"+celex+"/"+rw.get("annex")+"/"+local, line)
		typ := ftmType(rw.get("schema"))
		if typ == "" {
			typ = "unknown"
		}
		b := newBuilder(id, "eu", typ)
		b.name(names[0], "primary", "")
		for _, a := range names[1:] {
			b.name(a, scriptKind(a, "aka"), "")
		}
		for _, a := range splitMulti(rw.get("alias"), ";") {
			b.name(a, scriptKind(a, "aka"), "")
		}
		for _, a := range splitMulti(rw.get("weakAlias"), ";") {
			b.name(a, "weak", "")
		}
		for _, a := range splitMulti(rw.get("previousName"), ";") {
			b.name(a, "fka", "")
		}
		for _, col := range []string{"country", "nationality", "jurisdiction", "flag"} {
			for _, v := range splitMulti(rw.get(col), ";") {
				for _, ct := range freeTextCountries(v, false) {
					b.country(ct)
				}
			}
		}
		for _, v := range splitMulti(rw.get("address"), ";") {
			for _, ct := range freeTextCountries(v, true) {
				b.country(ct)
			}
		}
		for _, col := range [][2]string{
			{"innCode", "tax_id"}, {"ogrnCode", "registration"}, {"okpoCode", "okpo"},
			{"leiCode", "lei"}, {"swiftBic", "swift_bic"}, {"imoNumber", "imo"}, {"mmsi", "mmsi"},
			{"registrationNumber", "registration"}, {"taxNumber", "tax_id"},
			{"passportNumber", "passport"}, {"idNumber", "national_id"},
		} {
			for _, v := range splitMulti(rw.get(col[0]), ";") {
				scheme := annotatedScheme(col[1], v)
				for _, num := range idNumbers(v) {
					b.ident(scheme, num)
				}
			}
		}
		b.program(rw.get("programKey"))
		b.remark(rw.get("notes"))
		out = append(out, b.entity())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var (
	enumMarker  = regexp.MustCompile(`(?:^|[\s,;])\(?(?:[a-z]|[ivx]{1,4})\)\s*`)
	parenthesis = regexp.MustCompile(`\([^()]*\)`)
	idToken     = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9\-/]*`)
)

// freeTextCountries finds countries in cells such as "(a) Russian, (b)
// Ukrainian" or, for addresses, "(a) Jeddah, Saudi Arabia (previous
// address)". For addresses only the last comma part of each item is tried
// and only recognised countries are returned, because the other parts are
// streets and cities.
func freeTextCountries(s string, address bool) []string {
	var out []string
	for _, item := range enumMarker.Split(s, -1) {
		item = strings.TrimSpace(parenthesis.ReplaceAllString(item, " "))
		item = strings.Trim(item, " ,.;")
		if item == "" {
			continue
		}
		if address {
			parts := strings.Split(item, ",")
			if c := NormalizeCountry(parts[len(parts)-1]); isCountryCode(c) {
				out = append(out, c)
			}
			continue
		}
		out = append(out, CountryValues(item)...)
	}
	return out
}

func isCountryCode(c string) bool {
	countryOnce.Do(initCountries)
	return len(c) == 2 && countryCodes[c]
}

// annotatedScheme reads the label a transcriber put beside a number, such
// as "7808035536 (Tax ID/INN)" in a registrationNumber cell (over 600
// rows), so that it is compared as the tax number it is.
func annotatedScheme(scheme, v string) string {
	u := strings.ToUpper(v)
	switch {
	case strings.Contains(u, "INN") || strings.Contains(u, "TAX") || strings.Contains(u, "(TIN)"):
		return "tax_id"
	case strings.Contains(u, "OGRN"):
		return "registration"
	case strings.Contains(u, "USCC"):
		return "uscc"
	}
	return scheme
}

// idNumbers takes document and registry numbers out of a cell that may be
// a bare number or a sentence ("(a) Philippines number EC6530802 (expires
// 19.1.2021)"). A token counts when it has at least three digits and five
// characters, which keeps numbers and drops years and words.
func idNumbers(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	for _, t := range idToken.FindAllString(s, -1) {
		t = strings.Trim(t, "-/")
		digits := 0
		for _, r := range t {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= 3 && len(t) >= 5 {
			out = append(out, t)
		}
	}
	return out
}

// EU financial-sanctions XML (xmlFullSanctionsList_1_1). Element and
// attribute names follow the Commission's published schema; namespaces
// are ignored because the export's default namespace has changed between
// releases.

type euNameAlias struct {
	WholeName    string `xml:"wholeName,attr"`
	FirstName    string `xml:"firstName,attr"`
	MiddleName   string `xml:"middleName,attr"`
	LastName     string `xml:"lastName,attr"`
	NameLanguage string `xml:"nameLanguage,attr"`
	Strong       string `xml:"strong,attr"`
}

type euCountryRef struct {
	CountryIso2Code    string `xml:"countryIso2Code,attr"`
	CountryDescription string `xml:"countryDescription,attr"`
}

type euIdentification struct {
	TypeCode    string `xml:"identificationTypeCode,attr"`
	Number      string `xml:"number,attr"`
	LatinNumber string `xml:"latinNumber,attr"`
}

type euRegulation struct {
	Programme string `xml:"programme,attr"`
}

type euSubjectType struct {
	Code               string `xml:"code,attr"`
	ClassificationCode string `xml:"classificationCode,attr"`
}

type euSanctionEntity struct {
	LogicalID       string             `xml:"logicalId,attr"`
	EUReference     string             `xml:"euReferenceNumber,attr"`
	UnitedNationID  string             `xml:"unitedNationId,attr"`
	SubjectType     euSubjectType      `xml:"subjectType"`
	Regulations     []euRegulation     `xml:"regulation"`
	NameAliases     []euNameAlias      `xml:"nameAlias"`
	Citizenships    []euCountryRef     `xml:"citizenship"`
	Addresses       []euCountryRef     `xml:"address"`
	Identifications []euIdentification `xml:"identification"`
	Remarks         []string           `xml:"remark"`
}

// ParseEUXML streams an EU financial-sanctions XML export one
// sanctionEntity at a time.
func ParseEUXML(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	lc := &lineCounter{r: newCleanReader(r), line: 1}
	dec := xml.NewDecoder(lc)
	var out []screen.Entity
	seen := map[string]bool{}
	depth := 0
	sawRoot := false
	for n := 0; ; n++ {
		if err := checkCtx(ctx, n); err != nil {
			return nil, err
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlErr(name, lc, dec, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != "export" {
					return nil, formatErr(name, lineAt(lc, dec), "", "root element is <%s>, want <export>", t.Name.Local)
				}
				sawRoot = true
				continue
			}
			if depth != 2 || t.Name.Local != "sanctionEntity" {
				continue
			}
			line := lineAt(lc, dec)
			var se euSanctionEntity
			if err := dec.DecodeElement(&se, &t); err != nil {
				return nil, xmlErr(name, lc, dec, err)
			}
			depth--
			e, err := euXMLEntity(name, line, &se)
			if err != nil {
				return nil, err
			}
			if seen[e.ID] {
				return nil, formatErr(name, line, "logicalId", "duplicate logicalId %q", se.LogicalID)
			}
			seen[e.ID] = true
			out = append(out, e)
		case xml.EndElement:
			depth--
		case xml.CharData:
			if !utf8.Valid(t) {
				return nil, perr(name, lineAt(lc, dec), "", ErrInvalidUTF8)
			}
		}
	}
	if !sawRoot {
		return nil, formatErr(name, lineAt(lc, dec), "", "no <export> element")
	}
	return out, nil
}

func euXMLEntity(file string, line int, se *euSanctionEntity) (screen.Entity, error) {
	id := strings.TrimSpace(se.LogicalID)
	if id == "" {
		return screen.Entity{}, formatErr(file, line, "logicalId", "sanctionEntity without logicalId")
	}
	typ := "unknown"
	switch strings.ToLower(se.SubjectType.Code) {
	case "person":
		typ = "person"
	case "enterprise":
		typ = "organization"
	}
	b := newBuilder("eu:"+id, "eu", typ)
	first := true
	for _, na := range se.NameAliases {
		v := na.WholeName
		if strings.TrimSpace(v) == "" {
			v = strings.Join([]string{na.FirstName, na.MiddleName, na.LastName}, " ")
		}
		if !utf8.ValidString(v) {
			return screen.Entity{}, perr(file, line, "nameAlias", ErrInvalidUTF8)
		}
		if cleanText(v) == "" {
			continue
		}
		kind := "aka"
		switch {
		case first:
			kind = "primary"
		case strings.EqualFold(na.Strong, "false"):
			kind = "weak"
		}
		first = false
		b.name(v, kind, strings.ToLower(strings.TrimSpace(na.NameLanguage)))
	}
	if first {
		return screen.Entity{}, formatErr(file, line, "nameAlias", "sanctionEntity %s has no name", id)
	}
	for _, c := range se.Citizenships {
		b.country(firstNonEmpty(c.CountryIso2Code, c.CountryDescription))
	}
	for _, a := range se.Addresses {
		b.country(firstNonEmpty(a.CountryIso2Code, a.CountryDescription))
	}
	for _, d := range se.Identifications {
		b.ident(euIDScheme(d.TypeCode), firstNonEmpty(d.Number, d.LatinNumber))
	}
	b.ident("eu_reference", se.EUReference)
	b.ident("un_reference", se.UnitedNationID)
	for _, reg := range se.Regulations {
		b.program(reg.Programme)
	}
	for _, rm := range se.Remarks {
		b.remark(cleanText(rm))
	}
	return b.entity(), nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" && !strings.EqualFold(v, "00") && !strings.EqualFold(v, "unknown") {
			return v
		}
	}
	return ""
}

// euIDScheme maps the FSF identificationTypeCode vocabulary to the schemes
// the other importers use, so identifiers from different lists compare.
func euIDScheme(code string) string {
	switch strings.ToLower(strings.TrimSpace(code)) {
	case "passport":
		return "passport"
	case "id", "nationalid", "national_id":
		return "national_id"
	case "regnumber":
		return "registration"
	case "fiscalcode", "tax", "taxid":
		return "tax_id"
	case "swiftbic":
		return "swift_bic"
	case "imo":
		return "imo"
	case "":
		return "document"
	default:
		return strings.ToLower(strings.TrimSpace(code))
	}
}
