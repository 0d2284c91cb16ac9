package lists

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil/screen"
)

// The UN Security Council consolidated list (sc-sanctions.xsd). Only the
// fields the matcher uses are mapped; the rest stays in the file.

type unValues struct {
	Values []string `xml:"VALUE"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unAddress struct {
	Country string `xml:"COUNTRY"`
}

type unDocument struct {
	Type           string `xml:"TYPE_OF_DOCUMENT"`
	Type2          string `xml:"TYPE_OF_DOCUMENT2"`
	Number         string `xml:"NUMBER"`
	IssuingCountry string `xml:"ISSUING_COUNTRY"`
	CountryOfIssue string `xml:"COUNTRY_OF_ISSUE"`
}

type unRecord struct {
	DataID         string       `xml:"DATAID"`
	First          string       `xml:"FIRST_NAME"`
	Second         string       `xml:"SECOND_NAME"`
	Third          string       `xml:"THIRD_NAME"`
	Fourth         string       `xml:"FOURTH_NAME"`
	ListType       string       `xml:"UN_LIST_TYPE"`
	Reference      string       `xml:"REFERENCE_NUMBER"`
	OriginalScript string       `xml:"NAME_ORIGINAL_SCRIPT"`
	Comments       string       `xml:"COMMENTS1"`
	Nationality    unValues     `xml:"NATIONALITY"`
	IndAliases     []unAlias    `xml:"INDIVIDUAL_ALIAS"`
	EntAliases     []unAlias    `xml:"ENTITY_ALIAS"`
	IndAddresses   []unAddress  `xml:"INDIVIDUAL_ADDRESS"`
	EntAddresses   []unAddress  `xml:"ENTITY_ADDRESS"`
	Documents      []unDocument `xml:"INDIVIDUAL_DOCUMENT"`
}

// LoadUN imports the UN Security Council consolidated XML list.
func LoadUN(ctx context.Context, path string) ([]screen.Entity, error) {
	return loadFile(ctx, path, ParseUN)
}

// ParseUN streams the UN consolidated XML one INDIVIDUAL or ENTITY at a
// time, so memory stays proportional to one record plus the output.
func ParseUN(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	lc := &lineCounter{r: newCleanReader(r), line: 1}
	dec := xml.NewDecoder(lc)
	var out []screen.Entity
	seen := map[string]bool{}
	sawRoot := false
	depth := 0
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
				if t.Name.Local != "CONSOLIDATED_LIST" {
					return nil, formatErr(name, lineAt(lc, dec), "", "root element is <%s>, want <CONSOLIDATED_LIST>", t.Name.Local)
				}
				sawRoot = true
				continue
			}
			if t.Name.Local != "INDIVIDUAL" && t.Name.Local != "ENTITY" {
				continue
			}
			line := lineAt(lc, dec)
			var rec unRecord
			if err := dec.DecodeElement(&rec, &t); err != nil {
				return nil, xmlErr(name, lc, dec, err)
			}
			depth--
			e, err := unEntity(name, line, t.Name.Local == "INDIVIDUAL", &rec)
			if err != nil {
				return nil, err
			}
			if seen[e.ID] {
				return nil, formatErr(name, line, "REFERENCE_NUMBER", "duplicate reference %q", rec.Reference)
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
		return nil, formatErr(name, lineAt(lc, dec), "", "no <CONSOLIDATED_LIST> element")
	}
	return out, nil
}

func unEntity(file string, line int, individual bool, rec *unRecord) (screen.Entity, error) {
	for _, fv := range [][2]string{{"FIRST_NAME", rec.First}, {"SECOND_NAME", rec.Second}, {"THIRD_NAME", rec.Third}, {"FOURTH_NAME", rec.Fourth}, {"NAME_ORIGINAL_SCRIPT", rec.OriginalScript}, {"COMMENTS1", rec.Comments}} {
		if !utf8.ValidString(fv[1]) {
			return screen.Entity{}, perr(file, line, fv[0], ErrInvalidUTF8)
		}
	}
	ref := strings.TrimSpace(rec.Reference)
	if ref == "" {
		// Older files have no reference for a few records; DATAID is the
		// UN's own stable key for them.
		ref = strings.TrimSpace(rec.DataID)
	}
	if ref == "" {
		return screen.Entity{}, formatErr(file, line, "REFERENCE_NUMBER", "record has neither REFERENCE_NUMBER nor DATAID")
	}
	typ := "organization"
	if individual {
		typ = "person"
	}
	b := newBuilder("un:"+ref, "un", typ)
	primary := strings.Join(strings.Fields(strings.Join([]string{rec.First, rec.Second, rec.Third, rec.Fourth}, " ")), " ")
	if primary == "" {
		return screen.Entity{}, formatErr(file, line, "FIRST_NAME", "record %s has no name", ref)
	}
	b.name(primary, "primary", "")
	b.name(rec.OriginalScript, "original_script", "")
	aliases := rec.IndAliases
	if !individual {
		aliases = rec.EntAliases
	}
	for _, a := range aliases {
		if !utf8.ValidString(a.Name) {
			return screen.Entity{}, perr(file, line, "ALIAS_NAME", ErrInvalidUTF8)
		}
		kind := "aka"
		switch strings.ToLower(strings.TrimSpace(a.Quality)) {
		case "low":
			kind = "weak"
		case "f.k.a.", "fka":
			kind = "fka"
		}
		b.name(a.Name, kind, "")
	}
	b.program(rec.ListType)
	for _, v := range rec.Nationality.Values {
		b.country(v)
	}
	addrs := rec.IndAddresses
	if !individual {
		addrs = rec.EntAddresses
	}
	for _, a := range addrs {
		b.country(a.Country)
	}
	for _, d := range rec.Documents {
		scheme := unDocScheme(d.Type)
		num := cleanText(d.Number)
		if strings.Count(num, " ") > 1 {
			// "national identity card number 44103-5251752-5": keep the
			// number, not the sentence around it.
			for _, n := range idNumbers(num) {
				b.ident(scheme, n)
			}
			continue
		}
		b.ident(scheme, num)
	}
	// The reference is what other lists cite (the EU's unitedNationId), so
	// it doubles as an identifier for cross-list matching.
	b.ident("un_reference", strings.TrimSpace(rec.Reference))
	b.remark(cleanText(rec.Comments))
	return b.entity(), nil
}

func unDocScheme(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "passport"):
		return "passport"
	case strings.Contains(t, "national identification"), strings.Contains(t, "identity card"), strings.Contains(t, "id card"):
		return "national_id"
	case strings.Contains(t, "tax"):
		return "tax_id"
	case t == "":
		return "document"
	default:
		return "document"
	}
}

// lineCounter counts newlines consumed by the XML decoder so errors can
// name a line; xml.Decoder only reports byte offsets.
type lineCounter struct {
	r      io.Reader
	line   int
	offset int64
	// nl holds the byte offsets of newlines read so far, so a decoder
	// offset (which lags the read position by its buffer) maps to a line.
	nl []int64
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.nl = append(l.nl, l.offset+int64(i))
		}
	}
	l.offset += int64(n)
	return n, err
}

// lineOf returns the 1-based line holding byte offset off.
func (l *lineCounter) lineOf(off int64) int {
	lo, hi := 0, len(l.nl)
	for lo < hi {
		m := (lo + hi) / 2
		if l.nl[m] < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo + 1
}

func lineAt(l *lineCounter, dec *xml.Decoder) int { return l.lineOf(dec.InputOffset()) }

func xmlErr(file string, l *lineCounter, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if strings.Contains(se.Msg, "UTF-8") {
			return perr(file, se.Line, "", ErrInvalidUTF8)
		}
		if strings.Contains(se.Msg, "unexpected EOF") {
			return perr(file, se.Line, "", fmt.Errorf("%w: truncated XML (%v)", ErrFormat, se.Msg))
		}
		return perr(file, se.Line, "", fmt.Errorf("%w: %v", ErrFormat, se.Msg))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return perr(file, lineAt(l, dec), "", fmt.Errorf("%w: truncated XML", ErrFormat))
	}
	return perr(file, lineAt(l, dec), "", fmt.Errorf("%w: %v", ErrFormat, err))
}
