package lists

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"

	"github.com/vigil-hrdd/vigil/screen"
)

// US Consolidated Screening List (trade.gov). Two layouts are in use: the
// 2019 one starting with "source", and the current one with an "_id" hash
// first. Columns are looked up by name so either works.

var cslRequired = []string{"source", "name", "type", "alt_names", "addresses", "ids"}

// LoadCSL imports a Consolidated Screening List CSV.
func LoadCSL(ctx context.Context, path string) ([]screen.Entity, error) {
	return loadFile(ctx, path, ParseCSL)
}

var cslSourceAbbrev = regexp.MustCompile(`\(([A-Z][A-Za-z-]{1,10})\)`)

// ParseCSL reads either CSL layout. IDs use _id when present; the 2019
// layout has none, so rows use the OFAC entity_number where there is one
// and otherwise a short hash of source and name, which survives reordering.
func ParseCSL(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	var out []screen.Entity
	seen := map[string]int{}
	err := newCSVFile(r, name, nil, 0).rows(ctx, cslRequired, func(rw row, line int) error {
		nm := rw.get("name")
		if nm == "" {
			return formatErr(name, line, "name", "empty name")
		}
		src := rw.get("source")
		abbrev := ""
		if m := cslSourceAbbrev.FindStringSubmatch(src); m != nil {
			abbrev = m[1]
		}
		local := rw.get("_id")
		if local == "" {
			if en := rw.get("entity_number"); en != "" {
				local = en
			} else {
				sum := sha1.Sum([]byte(src + "\x00" + nm))
				local = "h" + hex.EncodeToString(sum[:5])
			}
		}
		id := uniqueID(seen, "csl:"+local, line)
		b := newBuilder(id, "csl", normalizeType(rw.get("type")))
		if i := strings.Index(strings.ToLower(nm), "; and any successor"); i > 0 {
			nm = nm[:i]
		}
		if clean := cslCleanName(nm); clean != "" {
			nm = clean
		}
		b.name(nm, "primary", "")
		for _, a := range splitMulti(rw.get("alt_names"), ";") {
			b.name(cslCleanName(a), "aka", "")
		}
		for _, col := range []string{"citizenships", "nationalities"} {
			for _, v := range splitMulti(rw.get(col), ";") {
				b.country(v)
			}
		}
		b.country(rw.get("vessel_flag"))
		for _, a := range splitMulti(rw.get("addresses"), ";") {
			if ct := cslAddressCountry(a); ct != "" {
				b.country(ct)
			}
		}
		for _, item := range splitMulti(rw.get("ids"), ";") {
			if scheme, v := cslIdentifier(item); v != "" {
				b.ident(scheme, v)
			}
		}
		b.ident("call_sign", rw.get("call_sign"))
		b.parent(rw.get("vessel_owner"))
		if abbrev != "" {
			b.program(abbrev)
		}
		for _, p := range splitMulti(rw.get("programs"), ";") {
			b.program(p)
		}
		if t := rw.get("title"); t != "" {
			b.remark("Title: " + t)
		}
		b.remark(rw.get("remarks"))
		out = append(out, b.entity())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cslCleanName drops the ISN list's legal tail ("; and any successor,
// sub-unit, or subsidiary thereof" arrives split at the semicolon) and the
// "and " that starts the last alias of Entity List rows.
func cslCleanName(s string) string {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	if strings.HasPrefix(low, "and any successor") {
		return ""
	}
	if strings.HasPrefix(low, "and ") {
		s = strings.TrimSpace(s[4:])
	}
	return strings.TrimSuffix(s, ".")
}

// cslAddressCountry takes the final part of an address when it is an ISO
// code, as the CSL writes them ("..., Miami, FL, 33130, US"). A US state
// code in that position (an address without a country) would be misread;
// the older DPL rows that omit the country end in a postcode instead, so
// this is accepted as a rare error rather than guessed around.
func cslAddressCountry(a string) string {
	parts := strings.Split(a, ",")
	last := strings.TrimSpace(parts[len(parts)-1])
	if len(last) != 2 || strings.ToUpper(last) != last {
		return ""
	}
	c := NormalizeCountry(last)
	if !isCountryCode(c) {
		return ""
	}
	return c
}

// cslIdentifier reads one "ids" item. The layouts disagree on order
// ("Passport, 836238033, KP" against "US, 80-0890696, Tax ID No."), so the
// parts are classified: a known label gives the scheme, the part with
// digits is the number, a two-letter code is the issuing country.
func cslIdentifier(item string) (scheme, value string) {
	parts := strings.Split(item, ",")
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if s, ok := idLabelScheme(p); ok {
			scheme = s
			break
		}
	}
	if scheme == "" {
		return "", ""
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if _, ok := idLabelScheme(p); ok {
			continue
		}
		if len(p) == 2 && isCountryCode(strings.ToLower(p)) {
			continue
		}
		p = strings.TrimSpace(strings.TrimPrefix(p, "IMO "))
		if strings.IndexFunc(p, unicode.IsDigit) >= 0 {
			return scheme, p
		}
	}
	return "", ""
}

var idLabelIndex = func() map[string]string {
	m := map[string]string{
		"vessel registration identification": "imo",
		"nationality of registration":        "",
	}
	for _, lv := range ofacIDLabels {
		m[strings.ToLower(lv[0])] = lv[1]
		m[strings.ToLower(strings.TrimSuffix(lv[0], "."))] = lv[1]
	}
	return m
}()

func idLabelScheme(label string) (string, bool) {
	s, ok := idLabelIndex[strings.ToLower(strings.TrimSpace(label))]
	return s, ok && s != ""
}

// uniqueID returns id, or id with a numeric suffix when a list repeats an
// identifier; the first occurrence keeps the plain ID so it stays stable.
func uniqueID(seen map[string]int, id string, line int) string {
	if _, dup := seen[id]; !dup {
		seen[id] = line
		return id
	}
	for k := 2; ; k++ {
		c := fmt.Sprintf("%s-%d", id, k)
		if _, dup := seen[c]; !dup {
			seen[c] = line
			return c
		}
	}
}

// DoD Section 1260H list of Chinese military companies.

var dodRequired = []string{"Name", "Clean Name", "Alias", "Previous Name", "Parent Name"}

// LoadDoD imports the DoD 1260H CSV.
func LoadDoD(ctx context.Context, path string) ([]screen.Entity, error) {
	return loadFile(ctx, path, ParseDoD)
}

var dodParenAbbrev = regexp.MustCompile(`\s*\(([^()]+)\)\s*\*?\s*$`)

// ParseDoD reads the 1260H list. A company appears once per tranche that
// names it, so the ID is a slug of the clean name plus the start date,
// which stays the same when rows are added or reordered.
func ParseDoD(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	c := newCSVFile(r, name, nil, 0)
	idx, err := c.header(dodRequired...)
	if err != nil {
		return nil, err
	}
	var out []screen.Entity
	seen := map[string]int{}
	for n := 0; ; n++ {
		if err := checkCtx(ctx, n); err != nil {
			return nil, err
		}
		rec, line, err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		rw := row{rec, idx}
		raw := rw.get("Name")
		clean := rw.get("Clean Name")
		if clean == "" {
			clean = strings.TrimSpace(strings.TrimSuffix(dodParenAbbrev.ReplaceAllString(raw, ""), "*"))
		}
		if clean == "" {
			return nil, formatErr(name, line, "Clean Name", "empty name")
		}
		local := slug(clean)
		if local == "" {
			sum := sha1.Sum([]byte(clean))
			local = "h" + hex.EncodeToString(sum[:5])
		}
		if sd := rw.get("Start date"); sd != "" {
			local += "@" + sd
		}
		id := uniqueID(seen, "dod:"+local, line)
		b := newBuilder(id, "dod", "company")
		b.name(clean, "primary", "")
		// The listed form carries the acronym in brackets ("... (AVIC)*").
		if m := dodParenAbbrev.FindStringSubmatch(raw); m != nil {
			b.name(m[1], "aka", "")
		}
		for _, a := range splitMulti(rw.get("Alias"), ";") {
			b.name(a, "aka", "")
		}
		for _, a := range splitMulti(rw.get("Previous Name"), ";") {
			b.name(a, "fka", "")
		}
		for _, p := range splitMulti(rw.get("Parent Name"), ";") {
			b.parent(p)
		}
		b.program("DOD-1260H")
		b.remark(rw.get("Note"))
		if ed := rw.get("End date"); ed != "" {
			b.remark("End date: " + ed)
		}
		out = append(out, b.entity())
	}
	return out, nil
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}
