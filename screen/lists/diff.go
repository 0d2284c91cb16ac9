package lists

import (
	"sort"

	"github.com/vigil-hrdd/vigil/screen"
)

// Changes is what a new version of a list adds, changes and removes
// relative to the previous one. Each slice is sorted by entity ID so that
// recording the same two versions twice gives the same result.
type Changes struct {
	Added   []screen.Entity `json:"added,omitempty"`
	Changed []Change        `json:"changed,omitempty"`
	Removed []screen.Entity `json:"removed,omitempty"`
}

// Change is one entity present in both versions with different content.
// Fields names what differs, in a fixed order: type, list, names,
// countries, identifiers, parents, programs, remarks.
type Change struct {
	ID     string        `json:"id"`
	Fields []string      `json:"fields"`
	Old    screen.Entity `json:"old"`
	New    screen.Entity `json:"new"`
}

// Empty reports whether the two versions hold the same entities.
func (c Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Diff compares two imports of a list by entity ID. Order within the
// countries, identifiers, parents and programs of an entity is ignored
// (publishers reorder addresses between releases and that is no news to an
// analyst), and so is the order of aliases; a different primary name is a
// change. When an ID occurs twice in one input the later entity counts.
func Diff(old, new []screen.Entity) Changes {
	om := indexByID(old)
	nm := indexByID(new)
	var ch Changes
	for id, n := range nm {
		o, ok := om[id]
		if !ok {
			ch.Added = append(ch.Added, n)
			continue
		}
		if f := changedFields(o, n); len(f) > 0 {
			ch.Changed = append(ch.Changed, Change{ID: id, Fields: f, Old: o, New: n})
		}
	}
	for id, o := range om {
		if _, ok := nm[id]; !ok {
			ch.Removed = append(ch.Removed, o)
		}
	}
	sort.Slice(ch.Added, func(i, j int) bool { return ch.Added[i].ID < ch.Added[j].ID })
	sort.Slice(ch.Removed, func(i, j int) bool { return ch.Removed[i].ID < ch.Removed[j].ID })
	sort.Slice(ch.Changed, func(i, j int) bool { return ch.Changed[i].ID < ch.Changed[j].ID })
	return ch
}

func indexByID(es []screen.Entity) map[string]screen.Entity {
	m := make(map[string]screen.Entity, len(es))
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func changedFields(o, n screen.Entity) []string {
	var f []string
	if o.Type != n.Type {
		f = append(f, "type")
	}
	if o.List != n.List {
		f = append(f, "list")
	}
	if !sameNames(o.Names, n.Names) {
		f = append(f, "names")
	}
	if !sameSet(o.Countries, n.Countries) {
		f = append(f, "countries")
	}
	if !sameIdents(o.Identifiers, n.Identifiers) {
		f = append(f, "identifiers")
	}
	if !sameSet(o.Parents, n.Parents) {
		f = append(f, "parents")
	}
	if !sameSet(o.Programs, n.Programs) {
		f = append(f, "programs")
	}
	if o.Remarks != n.Remarks {
		f = append(f, "remarks")
	}
	return f
}

func sameNames(a, b []screen.Name) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 0 && a[0] != b[0] {
		return false
	}
	count := map[screen.Name]int{}
	for _, n := range a {
		count[n]++
	}
	for _, n := range b {
		count[n]--
		if count[n] < 0 {
			return false
		}
	}
	return true
}

func sameIdents(a, b []screen.Identifier) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[screen.Identifier]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
		if count[x] < 0 {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
		if count[x] < 0 {
			return false
		}
	}
	return true
}
