// Package lists imports risk lists (sanctions, military end-user, UN and
// NGO lists) into the common screen.Entity form that the matcher indexes.
//
// Each importer reads one published format as it is really distributed,
// quirks included (OFAC's Ctrl-Z trailer and "-0- " nulls, UN alias
// qualities, EU annex transcriptions, FollowTheMoney edges), because a
// silently dropped alias or country is a missed match later. Importers are
// all-or-nothing: a malformed file returns an error naming the file, line
// and field, and no entities, so a half-read list never replaces a good one.
// Diff compares two imports of the same list so list versions can be
// recorded by the caller; nothing here touches a database.
//
// Formats (Load's format argument), list keys and entity IDs:
//
//	ofac  OFAC legacy CSV (sdn.csv + alt, add, sdn_comments)   ofac-sdn:<ent_num>
//	      OFAC consolidated non-SDN (cons_prim.csv + siblings)  ofac-cons:<ent_num>
//	un    UN Security Council consolidated XML                 un:<REFERENCE_NUMBER>
//	eu    EU annex transcription CSV (file or directory)       eu:<celex>/<annex>/<recordId>
//	      EU financial-sanctions XML (xmlFullSanctionsList)    eu:<logicalId>
//	csl   US Consolidated Screening List CSV (both layouts)    csl:<_id or entity_number or hash>
//	dod   DoD Section 1260H list CSV                           dod:<slug of clean name>@<start date>
//	ftm   FollowTheMoney JSON Lines                            ftm:<id>
//	csv   id,name,aliases,type,country,source                  csv:<id>
//
// IDs are chosen to stay the same between versions of a list, so that Diff
// reports edits rather than a removal and an addition. Countries are
// lower-case ISO 3166-1 alpha-2 codes where the value names a country (see
// NormalizeCountry). Names keep the list's spelling; the first is the
// primary name, weak aliases (OFAC remark a.k.a.s, UN "Low" quality, EU
// strong="false") have kind "weak", and names mostly in a non-Latin script
// have kind "original_script".
package lists

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/vigil-hrdd/vigil/screen"
)

// Formats lists the format keys Load accepts.
var Formats = []string{"ofac", "un", "eu", "csl", "dod", "ftm", "csv"}

// ErrInvalidUTF8 is wrapped by errors about text that is not UTF-8; list
// files are required to be UTF-8 so that names are never silently mangled.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

// ErrFormat is wrapped by errors about a file whose structure does not fit
// the format (wrong header, wrong column count, missing required values).
var ErrFormat = errors.New("malformed list file")

// ParseError locates a problem in a list file. Line is 1-based; Field is
// empty when the problem is not about one field.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Field != "":
		return fmt.Sprintf("%s: line %d: field %q: %v", e.File, e.Line, e.Field, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s: line %d: %v", e.File, e.Line, e.Err)
	case e.Field != "":
		return fmt.Sprintf("%s: field %q: %v", e.File, e.Field, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

func perr(file string, line int, field string, err error) error {
	return &ParseError{File: file, Line: line, Field: field, Err: err}
}

func formatErr(file string, line int, field, msg string, args ...any) error {
	return perr(file, line, field, fmt.Errorf("%w: "+msg, append([]any{ErrFormat}, args...)...))
}

// Load imports the list at path in the given format. For "ofac" the path may
// be the directory or any of its files; the siblings are found by name. For
// "eu" the path may be an annex CSV, a directory of annex CSVs or an EU
// financial-sanctions XML file.
func Load(ctx context.Context, format string, path string) ([]screen.Entity, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "ofac":
		return LoadOFAC(ctx, path)
	case "un":
		return LoadUN(ctx, path)
	case "eu":
		return LoadEU(ctx, path)
	case "csl":
		return LoadCSL(ctx, path)
	case "dod":
		return LoadDoD(ctx, path)
	case "ftm":
		ents, _, err := LoadFTM(ctx, path)
		return ents, err
	case "csv":
		return LoadCSV(ctx, path)
	default:
		return nil, fmt.Errorf("lists: unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
}

// loadFile opens path and hands it to parse, so every loader reports the
// path it was given rather than an internal name.
func loadFile[T any](ctx context.Context, path string, parse func(context.Context, io.Reader, string) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	return parse(ctx, f, path)
}

// checkCtx is called every few hundred records: imports are fast, but a
// cancelled request should not keep a core busy on a large list.
func checkCtx(ctx context.Context, n int) error {
	if n%256 != 0 {
		return nil
	}
	return ctx.Err()
}

func validUTF8(file string, line int, field, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return perr(file, line, field, ErrInvalidUTF8)
}

// entityBuilder collects names, countries and identifiers without
// duplicates, keeping first-seen order so that Names[0] stays the primary
// name and imports are deterministic. Duplicates are found by scanning the
// slices: an entity has a handful of each, and five maps per entity were
// most of the allocation of a whole import.
type entityBuilder struct {
	e screen.Entity
}

func newBuilder(id, list, typ string) *entityBuilder {
	return &entityBuilder{e: screen.Entity{ID: id, List: list, Type: typ}}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// cleanText collapses whitespace, because lists wrap long names over lines.
func cleanText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (b *entityBuilder) name(value, kind, lang string) {
	value = cleanText(value)
	if value == "" {
		return
	}
	// The same spelling listed twice (say as name and as alias) is one
	// name; the first, stronger kind wins.
	for _, n := range b.e.Names {
		if strings.EqualFold(n.Value, value) {
			return
		}
	}
	if kind == "aka" {
		kind = scriptKind(value, kind)
	}
	b.e.Names = append(b.e.Names, screen.Name{Value: value, Kind: kind, Lang: lang})
}

func (b *entityBuilder) country(raw string) {
	c := NormalizeCountry(raw)
	if c == "" || nullCountries[countryKey(c)] || containsString(b.e.Countries, c) {
		return
	}
	b.e.Countries = append(b.e.Countries, c)
}

func (b *entityBuilder) ident(scheme, value string) {
	value = cleanText(value)
	scheme = strings.TrimSpace(scheme)
	if value == "" {
		return
	}
	for _, id := range b.e.Identifiers {
		if id.Scheme == scheme && id.Value == value {
			return
		}
	}
	b.e.Identifiers = append(b.e.Identifiers, screen.Identifier{Scheme: scheme, Value: value})
}

func (b *entityBuilder) parent(p string) {
	p = cleanText(p)
	if p == "" || containsString(b.e.Parents, p) {
		return
	}
	b.e.Parents = append(b.e.Parents, p)
}

func (b *entityBuilder) program(p string) {
	p = cleanText(p)
	if p == "" || containsString(b.e.Programs, p) {
		return
	}
	b.e.Programs = append(b.e.Programs, p)
}

func (b *entityBuilder) remark(r string) {
	r = strings.TrimSpace(r)
	if r == "" || r == "-0-" {
		return
	}
	if b.e.Remarks == "" {
		b.e.Remarks = r
	} else {
		b.e.Remarks += "\n" + r
	}
}

func (b *entityBuilder) entity() screen.Entity { return b.e }

// splitMulti splits a multi-valued cell on sep and drops empty parts.
func splitMulti(s, sep string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// isDir reports whether path is a directory; a missing path is not an
// error here because the caller's open reports it with better context.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func baseLower(path string) string { return strings.ToLower(filepath.Base(path)) }
