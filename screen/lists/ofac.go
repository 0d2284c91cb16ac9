package lists

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-hrdd/vigil/screen"
)

// OFAC legacy CSV column layouts. The files have no header row, so the
// names here exist only to make error messages point at a field.
var (
	ofacPrimFields    = []string{"ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks"}
	ofacAddFields     = []string{"ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks"}
	ofacAltFields     = []string{"ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"}
	ofacCommentFields = []string{"ent_num", "remarks_extension"}
)

// OFACSource is one OFAC CSV file. A nil R means the file is absent; only
// the primary file is required.
type OFACSource struct {
	Name string
	R    io.Reader
}

// OFACFiles names the four files of one OFAC list.
type OFACFiles struct {
	Primary, Alt, Add, Comments string
}

// FindOFACFiles resolves path (a directory, or any one of the files) to
// the files of one OFAC list. The SDN list uses sdn.csv, alt.csv, add.csv
// and sdn_comments.csv; the consolidated non-SDN list uses cons_prim.csv,
// cons_alt.csv, cons_add.csv and cons_comments.csv. list is "ofac-sdn" or
// "ofac-cons".
func FindOFACFiles(path string) (files OFACFiles, list string, err error) {
	dir, base := path, ""
	if !isDir(path) {
		dir, base = filepath.Dir(path), baseLower(path)
	}
	cons := strings.HasPrefix(base, "cons_")
	if base == "" {
		// A directory holding only the consolidated files is that list.
		if _, err := os.Stat(filepath.Join(dir, "sdn.csv")); err != nil {
			if _, err2 := os.Stat(filepath.Join(dir, "cons_prim.csv")); err2 == nil {
				cons = true
			}
		}
	}
	if cons {
		files = OFACFiles{"cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"}
		list = "ofac-cons"
	} else {
		files = OFACFiles{"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"}
		list = "ofac-sdn"
	}
	join := func(name string) string {
		// Treasury publishes upper-case names (SDN.CSV) as well.
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if up := filepath.Join(dir, strings.ToUpper(name)); fileExists(up) {
			return up
		}
		return ""
	}
	prim := files.Primary
	side := map[string]bool{files.Alt: true, files.Add: true, files.Comments: true}
	files = OFACFiles{join(files.Primary), join(files.Alt), join(files.Add), join(files.Comments)}
	if base != "" && !side[base] {
		// A primary file under another name (sdn_2024-05-03.csv) is
		// still the primary file; siblings are looked up beside it.
		files.Primary = path
	}
	if files.Primary == "" {
		return files, list, fmt.Errorf("%s: no OFAC primary file %s in %s", path, prim, dir)
	}
	return files, list, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// LoadOFAC imports an OFAC list (SDN or consolidated non-SDN) from a
// directory or from any of its files.
func LoadOFAC(ctx context.Context, path string) ([]screen.Entity, error) {
	files, list, err := FindOFACFiles(path)
	if err != nil {
		return nil, err
	}
	open := func(p string) (OFACSource, func(), error) {
		if p == "" {
			return OFACSource{}, func() {}, nil
		}
		f, err := os.Open(p)
		if err != nil {
			return OFACSource{}, func() {}, err
		}
		return OFACSource{Name: p, R: f}, func() { f.Close() }, nil
	}
	var srcs [4]OFACSource
	for i, p := range []string{files.Primary, files.Alt, files.Add, files.Comments} {
		s, closeFn, err := open(p)
		if err != nil {
			return nil, err
		}
		defer closeFn()
		srcs[i] = s
	}
	return ParseOFAC(ctx, list, srcs[0], srcs[1], srcs[2], srcs[3])
}

// ParseOFAC joins the OFAC files by ent_num. The side files are read into
// memory first (they are keyed by ent_num and small next to the primary
// file), then the primary file is streamed. Side records whose ent_num is
// not in the primary file are ignored: a newer alt.csv against an older
// sdn.csv is a normal state of a mirror.
func ParseOFAC(ctx context.Context, list string, prim, alt, add, comments OFACSource) ([]screen.Entity, error) {
	if prim.R == nil {
		return nil, fmt.Errorf("lists: OFAC primary file missing")
	}
	if list == "" {
		list = "ofac-sdn"
	}
	extra := map[string]string{}
	if comments.R != nil {
		err := eachOFAC(ctx, comments, ofacCommentFields, func(rec []string, line int) error {
			extra[rec[0]] += rec[1]
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	type alias struct{ kind, name string }
	aliases := map[string][]alias{}
	if alt.R != nil {
		err := eachOFAC(ctx, alt, ofacAltFields, func(rec []string, line int) error {
			kind := strings.ToLower(ofacNull(rec[2]))
			switch kind {
			case "aka", "fka", "nka":
			case "":
				kind = "aka"
			default:
				return formatErr(alt.Name, line, "alt_type", "unknown alias type %q", rec[2])
			}
			aliases[rec[0]] = append(aliases[rec[0]], alias{kind, ofacNull(rec[3])})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	countries := map[string][]string{}
	if add.R != nil {
		err := eachOFAC(ctx, add, ofacAddFields, func(rec []string, line int) error {
			// add.csv countries are clean names, but "undetermined" and
			// "None Identified" occur and mean no country.
			countries[rec[0]] = append(countries[rec[0]], CountryValues(ofacNull(rec[4]))...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []screen.Entity
	seen := map[string]int{}
	err := eachOFAC(ctx, prim, ofacPrimFields, func(rec []string, line int) error {
		id := rec[0]
		if prev, dup := seen[id]; dup {
			return formatErr(prim.Name, line, "ent_num", "duplicate ent_num %s (first on line %d)", id, prev)
		}
		seen[id] = line
		name := ofacNull(rec[1])
		if name == "" {
			return formatErr(prim.Name, line, "SDN_Name", "empty name")
		}
		b := newBuilder(list+":"+id, list, ofacType(ofacNull(rec[2])))
		b.name(name, "primary", "")
		for _, a := range aliases[id] {
			b.name(a.name, a.kind, "")
		}
		for _, p := range splitOFACPrograms(ofacNull(rec[3])) {
			b.program(p)
		}
		if t := ofacNull(rec[4]); t != "" {
			b.remark("Title: " + t)
		}
		b.ident("call_sign", ofacNull(rec[5]))
		if f := ofacNull(rec[9]); f != "" {
			b.country(f)
		}
		b.parent(ofacNull(rec[10]))
		for _, c := range countries[id] {
			b.country(c)
		}
		remarks := ofacNull(rec[11]) + extra[id]
		parseOFACRemarks(b, remarks)
		b.remark(remarks)
		out = append(out, b.entity())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachOFAC reads a header-less OFAC file and checks ent_num on every row,
// since it is the join key and a bad one would silently lose data.
func eachOFAC(ctx context.Context, src OFACSource, fields []string, fn func(rec []string, line int) error) error {
	name := src.Name
	if name == "" {
		name = "<ofac>"
	}
	c := newCSVFile(src.R, name, fields, len(fields))
	for n := 0; ; n++ {
		if err := checkCtx(ctx, n); err != nil {
			return err
		}
		rec, line, err := c.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		rec[0] = strings.TrimSpace(rec[0])
		if _, err := strconv.ParseUint(rec[0], 10, 64); err != nil {
			return formatErr(name, line, "ent_num", "not a number: %q", rec[0])
		}
		if err := fn(rec, line); err != nil {
			return err
		}
	}
}

func ofacNull(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}

func ofacType(t string) string {
	switch strings.ToLower(t) {
	case "individual":
		return "person"
	case "vessel":
		return "vessel"
	case "aircraft":
		return "aircraft"
	case "":
		// OFAC leaves the type empty for every non-individual subject that
		// is not a vessel or aircraft: companies, agencies, armed groups.
		return "organization"
	default:
		return "unknown"
	}
}

// splitOFACPrograms splits "SDGT] [IFSR" (the brackets of "[SDGT] [IFSR]"
// survive only in the middle of the cell).
func splitOFACPrograms(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "] [") {
		p = strings.Trim(strings.TrimSpace(p), "[]")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// remarkAliases finds the aliases OFAC keeps only in the remarks
// ("a.k.a. 'BNC'"). The closing quote is the first one followed by a
// separator or the end, because names contain apostrophes ("ABU MUS'AB").
// A hand-written scan: a regexp with a lazy group was the slowest part of
// the whole OFAC import.
func remarkAliases(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], ".k.a.")
		if j < 0 {
			break
		}
		pos := i + j
		i = pos + 5
		if pos == 0 || !strings.ContainsRune("afn", rune(s[pos-1])) || (pos >= 2 && isASCIILetter(s[pos-2])) {
			continue
		}
		rest := strings.TrimLeft(s[i:], ", ")
		if !strings.HasPrefix(rest, "'") {
			continue
		}
		start := len(s) - len(rest) + 1
		for k := start; k < len(s); k++ {
			if s[k] != '\'' {
				continue
			}
			after := strings.TrimLeft(s[k+1:], " ")
			if after == "" || strings.ContainsRune(";.,)", rune(after[0])) {
				out = append(out, s[start:k])
				i = k + 1
				break
			}
		}
	}
	return out
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// ofacIDLabels maps remark labels to identifier schemes. Longer labels come
// first so "Diplomatic Passport" is not read as "Passport".
var ofacIDLabels = func() [][2]string {
	m := map[string]string{
		"Passport":                               "passport",
		"Diplomatic Passport":                    "passport",
		"Tax ID No.":                             "tax_id",
		"V.A.T. Number":                          "vat",
		"Registration Number":                    "registration",
		"Registration ID":                        "registration",
		"Business Registration Number":           "registration",
		"Business Registration Document":         "registration",
		"Commercial Registry Number":             "registration",
		"Company Number":                         "registration",
		"UK Company Number":                      "registration",
		"Public Registration Number":             "registration",
		"Chamber of Commerce Number":             "registration",
		"Business Number":                        "registration",
		"Enterprise Number":                      "registration",
		"Central Registration System Number":     "registration",
		"Economic Register Number (CBLS)":        "registration",
		"Folio Mercantil No.":                    "registration",
		"Matricula Mercantil No":                 "registration",
		"Trade License No.":                      "registration",
		"C.R. No.":                               "registration",
		"Unified Social Credit Code (USCC)":      "uscc",
		"Legal Entity Number":                    "lei",
		"SWIFT/BIC":                              "swift_bic",
		"D-U-N-S Number":                         "duns",
		"National ID No.":                        "national_id",
		"Identification Number":                  "national_id",
		"Personal ID Card":                       "national_id",
		"National Foreign ID Number":             "national_id",
		"Cedula No.":                             "national_id",
		"D.N.I.":                                 "national_id",
		"C.U.R.P.":                               "curp",
		"R.F.C.":                                 "rfc",
		"RFC":                                    "rfc",
		"NIT":                                    "tax_id",
		"RUC":                                    "tax_id",
		"RIF":                                    "tax_id",
		"C.U.I.":                                 "national_id",
		"Italian Fiscal Code":                    "tax_id",
		"Birth Certificate Number":               "birth_certificate",
		"Driver's License No.":                   "driver_license",
		"Electoral Registry No.":                 "national_id",
		"Vessel Registration Identification IMO": "imo",
		"Identification Number IMO":              "imo",
		"Company Number IMO":                     "imo_company",
		"MMSI":                                   "mmsi",
		"ISIN":                                   "isin",
		"Equity Ticker":                          "ticker",
		"Aircraft Tail Number":                   "aircraft_tail",
		"Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
		"BIK (RU)":                  "bik",
		"Government Gazette Number": "registration",
	}
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i][0]) != len(out[j][0]) {
			return len(out[i][0]) > len(out[j][0])
		}
		return out[i][0] < out[j][0]
	})
	return out
}()

// parseOFACRemarks pulls weak aliases, identifiers and nationalities out of
// the free-text remarks, where OFAC keeps them for most entries.
func parseOFACRemarks(b *entityBuilder, remarks string) {
	if remarks == "" {
		return
	}
	for _, a := range remarkAliases(remarks) {
		// OFAC's own term for these is "weak a.k.a."; a remark f.k.a. is
		// just as weak.
		b.name(a, "weak", "")
	}
	for _, seg := range strings.Split(remarks, ";") {
		seg = strings.TrimSpace(seg)
		seg = strings.TrimPrefix(seg, "alt. ")
		if rest, ok := cutFold(seg, "nationality "); ok {
			for _, c := range CountryValues(rest) {
				b.country(c)
			}
			continue
		}
		if rest, ok := cutFold(seg, "citizen "); ok {
			for _, c := range CountryValues(rest) {
				b.country(c)
			}
			continue
		}
		for _, lv := range ofacIDLabels {
			rest, ok := strings.CutPrefix(seg, lv[0]+" ")
			if !ok {
				continue
			}
			if v := ofacIDValue(rest); v != "" {
				b.ident(lv[1], v)
			}
			break
		}
	}
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):]), true
	}
	return "", false
}

// ofacIDValue takes the number from "#123-45 (Russia) issued 2010" style
// text: everything before the country in brackets or a date clause.
func ofacIDValue(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	for _, stop := range []string{" (", " issued", " expires", " Issue Date", " Expire Date", ","} {
		if i := strings.Index(s, stop); i >= 0 {
			s = s[:i]
		}
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	// A value must hold a digit; "Passport issued by X" has no number.
	if !strings.ContainsAny(s, "0123456789") || len(s) > 64 {
		return ""
	}
	return s
}
