package lists

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil/screen"
)

// Edge is a relation between two listed entities, kept apart from Entity so
// the portfolio can turn it into a link between parties. From and To are
// Entity IDs; Type is "owns" or "directs"; Share is the ownership share as
// the source wrote it (often a percentage), empty when unknown.
type Edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Type  string `json:"type"`
	Share string `json:"share,omitempty"`
}

type ftmRecord struct {
	ID         string              `json:"id"`
	Caption    string              `json:"caption"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
	Datasets   []string            `json:"datasets"`
}

// ftmType maps FollowTheMoney schema names to Entity types; "" means the
// schema is not a party to screen (addresses, sanctions, relations).
func ftmType(schema string) string {
	switch schema {
	case "Person":
		return "person"
	case "Company":
		return "company"
	case "Organization", "LegalEntity", "PublicBody":
		return "organization"
	case "Vessel":
		return "vessel"
	case "Airplane":
		return "aircraft"
	case "Asset":
		return "unknown"
	default:
		return ""
	}
}

// LoadFTM imports FollowTheMoney entities (JSON Lines) and the ownership
// and directorship edges between them.
func LoadFTM(ctx context.Context, path string) ([]screen.Entity, []Edge, error) {
	type res struct {
		e []screen.Entity
		g []Edge
	}
	r, err := loadFile(ctx, path, func(ctx context.Context, r io.Reader, name string) (res, error) {
		e, g, err := ParseFTM(ctx, r, name)
		return res{e, g}, err
	})
	return r.e, r.g, err
}

var ftmCountryProps = []string{"country", "nationality", "citizenship", "jurisdiction", "mainCountry", "flag"}

// ftmIDProps maps FtM identifier properties to the schemes the other
// importers use: a Russian INN is what OFAC calls "Tax ID No." and an OGRN
// its "Registration Number", so they must share a scheme to be compared.
// KPP codes are left out: they name a tax office registration reason and
// thousands of unrelated companies share one.
var ftmIDProps = [][2]string{
	{"innCode", "tax_id"}, {"ogrnCode", "registration"}, {"okpoCode", "okpo"},
	{"leiCode", "lei"}, {"swiftBic", "swift_bic"}, {"imoNumber", "imo"}, {"mmsi", "mmsi"},
	{"registrationNumber", "registration"}, {"taxNumber", "tax_id"}, {"vatCode", "vat"},
	{"idNumber", "national_id"}, {"passportNumber", "passport"}, {"dunsCode", "duns"},
	{"uscCode", "uscc"}, {"bikCode", "bik"}, {"icijId", "icij"}, {"wikidataId", "wikidata"},
	{"callSign", "call_sign"},
}

// ParseFTM reads FollowTheMoney JSON Lines. Relations may come before the
// entities they join, so the file is read whole before entities are built;
// FtM exports of a size worth screening against fit in memory many times
// over, and the output holds the same data anyway.
func ParseFTM(ctx context.Context, r io.Reader, name string) ([]screen.Entity, []Edge, error) {
	sc := bufio.NewScanner(newCleanReader(r))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	var recs []ftmRecord
	var lines []int
	line := 0
	for sc.Scan() {
		line++
		if err := checkCtx(ctx, line); err != nil {
			return nil, nil, err
		}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return nil, nil, perr(name, line, "", ErrInvalidUTF8)
		}
		var rec ftmRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, nil, perr(name, line, "", fmt.Errorf("%w: %v", ErrFormat, err))
		}
		if rec.ID == "" {
			return nil, nil, formatErr(name, line, "id", "entity without id")
		}
		if rec.Schema == "" {
			return nil, nil, formatErr(name, line, "schema", "entity %s without schema", rec.ID)
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, perr(name, line+1, "", fmt.Errorf("%w: %v", ErrFormat, err))
	}

	builders := map[string]*entityBuilder{}
	var order []string
	for i := range recs {
		rec := &recs[i]
		typ := ftmType(rec.Schema)
		if typ == "" {
			continue
		}
		id := "ftm:" + rec.ID
		if _, dup := builders[id]; dup {
			return nil, nil, formatErr(name, lines[i], "id", "duplicate entity id %q", rec.ID)
		}
		b := newBuilder(id, "ftm", typ)
		p := rec.Properties
		primary := rec.Caption
		if primary == "" && len(p["name"]) > 0 {
			primary = p["name"][0]
		}
		if cleanText(primary) == "" {
			return nil, nil, formatErr(name, lines[i], "name", "entity %s has no name", rec.ID)
		}
		b.name(primary, "primary", "")
		for _, prop := range []string{"name", "alias", "abbreviation"} {
			for _, v := range p[prop] {
				b.name(v, scriptKind(v, "aka"), "")
			}
		}
		for _, v := range p["previousName"] {
			b.name(v, "fka", "")
		}
		for _, v := range p["weakAlias"] {
			b.name(v, "weak", "")
		}
		for _, prop := range ftmCountryProps {
			for _, v := range p[prop] {
				b.country(v)
			}
		}
		for _, ip := range ftmIDProps {
			for _, v := range p[ip[0]] {
				b.ident(ip[1], v)
			}
		}
		for _, v := range p["program"] {
			b.program(v)
		}
		for _, v := range p["parent"] {
			b.parent("ftm:" + v)
		}
		for _, v := range p["notes"] {
			b.remark(v)
		}
		builders[id] = b
		order = append(order, id)
	}

	var edges []Edge
	for i := range recs {
		rec := &recs[i]
		p := rec.Properties
		switch rec.Schema {
		case "Ownership":
			edges = appendEdges(edges, p["owner"], p["asset"], "owns", first(p["percentage"]))
		case "Directorship":
			edges = appendEdges(edges, p["director"], p["organization"], "directs", "")
		case "Sanction":
			// Programmes live on Sanction records in FtM, not on the entity.
			for _, ent := range p["entity"] {
				if b := builders["ftm:"+ent]; b != nil {
					for _, v := range p["program"] {
						b.program(v)
					}
				}
			}
		case "Passport", "Identification":
			for _, h := range p["holder"] {
				if b := builders["ftm:"+h]; b != nil {
					scheme := "national_id"
					if rec.Schema == "Passport" {
						scheme = "passport"
					}
					for _, v := range append(p["number"], p["passportNumber"]...) {
						b.ident(scheme, v)
					}
				}
			}
		}
	}
	for _, e := range edges {
		if b := builders[e.To]; b != nil {
			b.parent(e.From)
		}
	}
	out := make([]screen.Entity, 0, len(order))
	for _, id := range order {
		out = append(out, builders[id].entity())
	}
	return out, edges, nil
}

func appendEdges(edges []Edge, from, to []string, typ, share string) []Edge {
	for _, f := range from {
		for _, t := range to {
			if f == "" || t == "" {
				continue
			}
			edges = append(edges, Edge{From: "ftm:" + f, To: "ftm:" + t, Type: typ, Share: share})
		}
	}
	return edges
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

// scriptKind marks a name written mostly in a non-Latin script as
// original_script, so the matcher can transliterate it rather than compare
// it letter by letter with Latin names.
func scriptKind(v, kind string) string {
	latin, other := 0, 0
	for _, r := range v {
		if !unicode.IsLetter(r) {
			continue
		}
		if unicode.Is(unicode.Latin, r) {
			latin++
		} else {
			other++
		}
	}
	if other > latin {
		return "original_script"
	}
	return kind
}
