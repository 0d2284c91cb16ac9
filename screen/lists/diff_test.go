package lists

import (
	"context"
	"reflect"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

func ent(id, name string, countries ...string) screen.Entity {
	return screen.Entity{ID: id, List: "t", Type: "organization", Names: []screen.Name{{Value: name, Kind: "primary"}}, Countries: countries}
}

func TestDiff(t *testing.T) {
	old := []screen.Entity{ent("t:3", "C", "ru", "by"), ent("t:1", "A"), ent("t:2", "B"), ent("t:5", "E")}
	n3 := ent("t:3", "C", "by", "ru") // reordered countries only
	n1 := ent("t:1", "A2", "ru")
	n1.Programs = []string{"X"}
	n5 := ent("t:5", "E")
	n5.Names = append(n5.Names, screen.Name{Value: "E-alias", Kind: "aka"})
	n5.Remarks = "new"
	newer := []screen.Entity{n5, ent("t:4", "D"), n3, n1, ent("t:0", "Z")}

	ch := Diff(old, newer)
	ids := func(es []screen.Entity) []string {
		var s []string
		for _, e := range es {
			s = append(s, e.ID)
		}
		return s
	}
	if got := ids(ch.Added); !reflect.DeepEqual(got, []string{"t:0", "t:4"}) {
		t.Errorf("added %v", got)
	}
	if got := ids(ch.Removed); !reflect.DeepEqual(got, []string{"t:2"}) {
		t.Errorf("removed %v", got)
	}
	if len(ch.Changed) != 2 {
		t.Fatalf("changed %+v", ch.Changed)
	}
	if c := ch.Changed[0]; c.ID != "t:1" || !reflect.DeepEqual(c.Fields, []string{"names", "countries", "programs"}) || c.Old.Names[0].Value != "A" || c.New.Names[0].Value != "A2" {
		t.Errorf("t:1 change %+v", c)
	}
	if c := ch.Changed[1]; c.ID != "t:5" || !reflect.DeepEqual(c.Fields, []string{"names", "remarks"}) {
		t.Errorf("t:5 change %+v", c)
	}
	if !Diff(old, old).Empty() {
		t.Error("a list compared with itself must have no changes")
	}
	// Deterministic whatever the input order.
	rev := append([]screen.Entity(nil), newer...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if !reflect.DeepEqual(Diff(old, rev), ch) {
		t.Error("Diff depends on input order")
	}
}

// Two real OFAC snapshots three years apart: every 2021 entry is either
// still there (possibly changed) or removed, and the sums add up.
func TestDiffRealOFAC(t *testing.T) {
	a, err := Load(context.Background(), "ofac", sharedData(t, "ofac", "sdn_2021-07", "sdn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), "ofac", sharedData(t, "ofac", "sdn_2024-05-03", "sdn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ch := Diff(a, b)
	kept := len(a) - len(ch.Removed)
	if kept+len(ch.Added) != len(b) {
		t.Fatalf("added %d + kept %d != %d", len(ch.Added), kept, len(b))
	}
	if len(ch.Added) == 0 || len(ch.Removed) == 0 || len(ch.Changed) == 0 {
		t.Fatalf("implausible diff: +%d ~%d -%d", len(ch.Added), len(ch.Changed), len(ch.Removed))
	}
	t.Logf("SDN 2021-07 -> 2024-05-03: +%d ~%d -%d", len(ch.Added), len(ch.Changed), len(ch.Removed))
}
