package lists

import (
	"context"
	"io"
	"strings"

	"github.com/vigil-hrdd/vigil/screen"
)

// The simple CSV format lets an organisation screen against its own lists
// (an NGO's list of abusive units, an internal blocklist) without writing
// a parser: header id,name,aliases,type,country,source; aliases and
// countries are ';'-separated.

var simpleCSVColumns = []string{"id", "name", "aliases", "type", "country", "source"}

// LoadCSV imports a simple CSV list.
func LoadCSV(ctx context.Context, path string) ([]screen.Entity, error) {
	return loadFile(ctx, path, ParseCSV)
}

// ParseCSV reads the simple CSV format. The list key is "csv"; source goes
// to Programs so analysts can still tell the lists within one file apart.
func ParseCSV(ctx context.Context, r io.Reader, name string) ([]screen.Entity, error) {
	var out []screen.Entity
	seen := map[string]int{}
	err := newCSVFile(r, name, nil, 0).rows(ctx, simpleCSVColumns, func(rw row, line int) error {
		id := rw.get("id")
		if id == "" {
			return formatErr(name, line, "id", "empty id")
		}
		if prev, dup := seen[id]; dup {
			return formatErr(name, line, "id", "duplicate id %q (first on line %d)", id, prev)
		}
		seen[id] = line
		nm := rw.get("name")
		if nm == "" {
			return formatErr(name, line, "name", "empty name")
		}
		b := newBuilder("csv:"+id, "csv", normalizeType(rw.get("type")))
		b.name(nm, "primary", "")
		for _, a := range splitMulti(rw.get("aliases"), ";") {
			b.name(a, "aka", "")
		}
		for _, ct := range splitMulti(rw.get("country"), ";") {
			b.country(ct)
		}
		b.program(rw.get("source"))
		out = append(out, b.entity())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeType maps the type words lists and users write to the Entity
// type vocabulary.
func normalizeType(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "person", "individual", "people", "natural person", "p":
		return "person"
	case "organization", "organisation", "org", "entity", "legalentity", "legal entity", "legal_entity", "publicbody", "public body", "e":
		return "organization"
	case "company", "business", "enterprise", "corporation":
		return "company"
	case "vessel", "ship":
		return "vessel"
	case "aircraft", "airplane", "plane":
		return "aircraft"
	default:
		return "unknown"
	}
}
