package lists_test

import (
	"context"
	"fmt"

	"github.com/vigil-hrdd/vigil/screen"
	"github.com/vigil-hrdd/vigil/screen/lists"
)

func ExampleLoad() {
	es, err := lists.Load(context.Background(), "csv", "testdata/simple.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	e := es[1]
	fmt.Println(e.ID, e.Type, e.Countries)
	for _, n := range e.Names {
		fmt.Printf("  %s (%s)\n", n.Value, n.Kind)
	}
	// Output:
	// csv:u-26165 organization [ru]
	//   Military Unit 26165 (primary)
	//   Unit 26165 (aka)
	//   GRU 85th Main Special Service Centre (aka)
	//   В/ч 26165 (original_script)
}

func ExampleDiff() {
	old := []screen.Entity{
		{ID: "csv:1", List: "csv", Type: "company", Names: []screen.Name{{Value: "ACME", Kind: "primary"}}},
		{ID: "csv:2", List: "csv", Type: "company", Names: []screen.Name{{Value: "Globex", Kind: "primary"}}},
	}
	newer := []screen.Entity{
		{ID: "csv:1", List: "csv", Type: "company", Names: []screen.Name{{Value: "ACME", Kind: "primary"}}, Countries: []string{"ae"}},
		{ID: "csv:3", List: "csv", Type: "person", Names: []screen.Name{{Value: "DOE, John", Kind: "primary"}}},
	}
	ch := lists.Diff(old, newer)
	for _, e := range ch.Added {
		fmt.Println("added", e.ID)
	}
	for _, c := range ch.Changed {
		fmt.Println("changed", c.ID, c.Fields)
	}
	for _, e := range ch.Removed {
		fmt.Println("removed", e.ID)
	}
	// Output:
	// added csv:3
	// changed csv:1 [countries]
	// removed csv:2
}
