package risk_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/risk"
)

const generatedMarker = "<!-- generated: do not edit below -->\n"

// TestPolicyDocIsTrue keeps docs/policy.md equal to the shipped policy. Run
// with VIGIL_UPDATE_DOCS=1 to rewrite its generated part.
func TestPolicyDocIsTrue(t *testing.T) {
	p, err := risk.DefaultPolicyLoaded()
	must(t, err)
	path := "../docs/policy.md"
	doc, err := os.ReadFile(path)
	must(t, err)
	head, _, ok := strings.Cut(string(doc), generatedMarker)
	if !ok {
		t.Fatalf("%s lacks the marker %q", path, generatedMarker)
	}
	want := head + generatedMarker + "\n" + risk.PolicyMarkdown(p)
	if string(doc) == want {
		return
	}
	if os.Getenv("VIGIL_UPDATE_DOCS") == "1" {
		must(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	t.Fatalf("%s is out of date with risk/default.yaml; run VIGIL_UPDATE_DOCS=1 go test ./risk -run TestPolicyDocIsTrue", path)
}
