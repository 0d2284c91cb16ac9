// Command rigour derives the compact dictionary table that package screen
// embeds (rigour_derived.json) from the rigour reference files.
//
// Why a derived copy: the engine must work where ../shared is absent (a
// release binary, a CI clone), and the source files carry fields screen does
// not use. The source is opensanctions/rigour (rust/data/...), MIT licence,
// Copyright (c) OpenSanctions; the derived file keeps that notice.
//
//	go generate ./screen   (runs: go run ./gen/rigour -in DIR -out rigour_derived.json)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

type orgType struct {
	Aliases []string `json:"aliases"`
	Display string   `json:"display"`
	Compare string   `json:"compare"`
	Generic string   `json:"generic"`
}

// Derived is the embedded table; package screen declares the same shape.
type Derived struct {
	Licence         string              `json:"licence"`
	Legal           []orgType           `json:"legal"`
	OrgSymbols      map[string][]string `json:"org_symbols"`
	OrgDomains      map[string][]string `json:"org_domains"`
	Ordinals        map[string][]string `json:"ordinals"`
	PersonPrefixes  []string            `json:"person_prefixes"`
	PersonSymbols   map[string][]string `json:"person_symbols"`
	PersonNick      map[string][]string `json:"person_nick"`
	GenericPersons  []string            `json:"generic_person_names"`
	OrgPrefixes     []string            `json:"org_prefixes"`
	ObjPrefixes     []string            `json:"obj_prefixes"`
	Stopwords       []string            `json:"stopwords"`
	SimilarPairs    [][2]string         `json:"similar_pairs"`
	NameSplitPhrase []string            `json:"name_split_phrases"`
}

func load(dir, name string, v any) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.Unmarshal(b, v); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func main() {
	in := flag.String("in", "../../shared/data/reference/rigour", "rigour reference directory")
	out := flag.String("out", "rigour_derived.json", "output file")
	flag.Parse()

	var d Derived
	d.Licence = "Derived from opensanctions/rigour rust/data (MIT licence, Copyright (c) OpenSanctions). Regenerate with go generate ./screen."
	load(*in, "org_types.json", &d.Legal)
	for i := range d.Legal {
		d.Legal[i].Aliases = dedupe(d.Legal[i].Aliases)
	}
	var sym struct {
		OrgDomains    map[string][]string `json:"org_domains"`
		OrgSymbols    map[string][]string `json:"org_symbols"`
		PersonNick    map[string][]string `json:"person_nick"`
		PersonSymbols map[string][]string `json:"person_symbols"`
	}
	load(*in, "symbols.json", &sym)
	d.OrgSymbols, d.OrgDomains = sym.OrgSymbols, sym.OrgDomains
	d.PersonNick, d.PersonSymbols = sym.PersonNick, sym.PersonSymbols

	var ords []struct {
		Forms  []string `json:"forms"`
		Number int      `json:"number"`
	}
	load(*in, "ordinals.json", &ords)
	d.Ordinals = map[string][]string{}
	for _, o := range ords {
		d.Ordinals[strconv.Itoa(o.Number)] = dedupe(o.Forms)
	}
	var ns struct {
		Generic   []string `json:"generic_person_names"`
		Split     []string `json:"name_split_phrases"`
		OrgPrefix []string `json:"org_name_prefixes"`
		ObjPrefix []string `json:"obj_name_prefixes"`
		PerPrefix []string `json:"person_name_prefixes"`
	}
	load(*in, "names_stopwords.json", &ns)
	d.GenericPersons, d.NameSplitPhrase = ns.Generic, ns.Split
	d.OrgPrefixes, d.PersonPrefixes = ns.OrgPrefix, ns.PerPrefix
	d.ObjPrefixes = ns.ObjPrefix
	var ts struct {
		Stopwords []string `json:"stopwords"`
	}
	load(*in, "text_stopwords.json", &ts)
	d.Stopwords = dedupe(ts.Stopwords)
	var cmp struct {
		Pairs [][2]string `json:"similar_pairs"`
	}
	load(*in, "compare.json", &cmp)
	d.SimilarPairs = cmp.Pairs

	b, err := json.MarshalIndent(&d, "", " ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
