package vigil

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEventTypesDocumented keeps docs/events.md in step with the event
// vocabulary: every string constant of eventtypes.go, and every decision
// and enforcement step, must appear there in backquotes.
func TestEventTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "eventtypes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					values = append(values, s)
				}
			}
		}
	}
	if len(values) < 30 {
		t.Fatalf("found only %d event constants in eventtypes.go", len(values))
	}
	values = append(values, DecisionTypes...)
	for _, v := range values {
		if !strings.Contains(string(doc), "`"+v+"`") {
			t.Errorf("docs/events.md does not mention `%s`", v)
		}
	}
}
