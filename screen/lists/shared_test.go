package lists

import (
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

// sharedData is a path in the shared data directory (see
// internal/shareddata).
func sharedData(t testing.TB, rel ...string) string { t.Helper(); return shareddata.Dir(t, rel...) }

// checkEntities asserts the invariants every importer promises: unique
// list-qualified IDs, a primary name first, known types and name kinds.
func checkEntities(t testing.TB, list string, es []screen.Entity) {
	t.Helper()
	seen := map[string]bool{}
	types := map[string]bool{"person": true, "organization": true, "company": true, "vessel": true, "aircraft": true, "unknown": true}
	kinds := map[string]bool{"primary": true, "aka": true, "fka": true, "nka": true, "weak": true, "original_script": true}
	for _, e := range es {
		if seen[e.ID] {
			t.Fatalf("duplicate ID %s", e.ID)
		}
		seen[e.ID] = true
		if len(e.ID) <= len(list)+1 || e.ID[:len(list)+1] != list+":" {
			t.Fatalf("ID %q not qualified by list %q", e.ID, list)
		}
		if e.List != list {
			t.Fatalf("%s: List = %q, want %q", e.ID, e.List, list)
		}
		if !types[e.Type] {
			t.Fatalf("%s: unknown type %q", e.ID, e.Type)
		}
		if len(e.Names) == 0 || e.Names[0].Kind != "primary" || e.Names[0].Value == "" {
			t.Fatalf("%s: first name is not a primary name: %+v", e.ID, e.Names)
		}
		for _, n := range e.Names[1:] {
			if !kinds[n.Kind] || n.Kind == "primary" || n.Value == "" {
				t.Fatalf("%s: bad name %+v", e.ID, n)
			}
		}
	}
}

func countBy[T any](xs []T, key func(T) string) map[string]int {
	m := map[string]int{}
	for _, x := range xs {
		m[key(x)]++
	}
	return m
}

func byID(es []screen.Entity) map[string]screen.Entity {
	m := make(map[string]screen.Entity, len(es))
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func hasName(e screen.Entity, value, kind string) bool {
	for _, n := range e.Names {
		if n.Value == value && (kind == "" || n.Kind == kind) {
			return true
		}
	}
	return false
}

func hasString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func hasIdent(e screen.Entity, scheme, value string) bool {
	for _, id := range e.Identifiers {
		if id.Scheme == scheme && id.Value == value {
			return true
		}
	}
	return false
}
