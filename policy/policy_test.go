package policy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"github.com/vigil-hrdd/vigil/policy"
)

func testEnv(t testing.TB) *cel.Env {
	t.Helper()
	env, err := cel.NewEnv(
		cel.Variable("party", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("sources", cel.ListType(cel.MapType(cel.StringType, cel.DynType))),
		cel.Variable("n", cel.IntType),
	)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

const good = `version: "t1"
description: test rules
rules:
  - id: big
    description: n is big
    metadata: {weight: 3, rights: [privacy]}
    expr: n > 10
  - id: military
    description: a military party
    expr: |
      'military' in party.sectors
    evidence: |
      sources.filter(s, s.grade == 'B2').map(s, s.id)
scoring:
  base: 2
`

func TestLoadAndEval(t *testing.T) {
	s, err := policy.Load("good.yaml", []byte(good), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "t1" || len(s.Rules) != 2 || s.Digest == "" {
		t.Fatalf("set = %+v", s)
	}
	if got := s.Rule("military").Reads; !slices.Equal(got, []string{"party.sectors", "sources"}) {
		t.Errorf("reads = %v", got)
	}
	act := map[string]any{
		"n":       int64(11),
		"party":   map[string]any{"sectors": []string{"military"}},
		"sources": []map[string]any{{"id": "S1", "grade": "B2"}, {"id": "S2", "grade": "E5"}},
	}
	fired, err := s.Eval(act)
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 2 || fired[0].Rule.ID != "big" || !slices.Equal(fired[1].Evidence, []string{"S1"}) {
		t.Fatalf("fired = %+v", fired)
	}
	act["n"] = int64(3)
	act["party"] = map[string]any{"sectors": []string{"health"}}
	if fired, err = s.Eval(act); err != nil || len(fired) != 0 {
		t.Fatalf("fired = %+v, %v", fired, err)
	}
	var meta struct {
		Weight int      `yaml:"weight"`
		Rights []string `yaml:"rights"`
	}
	if err := s.Rule("big").Metadata(&meta); err != nil || meta.Weight != 3 || meta.Rights[0] != "privacy" {
		t.Fatalf("metadata = %+v, %v", meta, err)
	}
	var sc struct {
		Base int `yaml:"base"`
	}
	if err := s.Section("scoring", &sc); err != nil || sc.Base != 2 {
		t.Fatalf("section = %+v, %v", sc, err)
	}
	var wrong struct {
		Other int `yaml:"other"`
	}
	if err := s.Section("scoring", &wrong); err == nil {
		t.Fatal("unknown field in a section accepted")
	}
}

func TestLoadErrorsNameFileLineAndCEL(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"undeclared", "version: x\nrules:\n  - id: a\n    expr: |\n      party.sectors.size() > 0 &&\n      nosuch > 1\n", "bad.yaml:6:1: rule \"a\": CEL: undeclared reference to 'nosuch'"},
		{"syntax", "version: x\nrules:\n  - id: a\n    expr: n >\n", "bad.yaml:4:"},
		{"not bool", "version: x\nrules:\n  - id: a\n    expr: n + 1\n", "expression gives int, want bool"},
		{"no version", "rules:\n  - id: a\n    expr: n > 1\n", "version is missing"},
		{"duplicate", "version: x\nrules:\n  - id: a\n    expr: n > 1\n  - id: a\n    expr: n > 2\n", "bad.yaml:5: rule \"a\": duplicate id (first at line 3)"},
		{"unknown key", "version: x\nrules:\n  - id: a\n    exp: n > 1\n", "bad.yaml:4:5: unknown key \"exp\""},
		{"yaml", "version: x\nrules:\n  - id: a\n   expr: [\n", "bad.yaml:2: not valid YAML"},
		{"evidence not list", "version: x\nrules:\n  - id: a\n    expr: n > 1\n    evidence: n\n", "evidence gives int, want a list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := policy.Load("bad.yaml", []byte(c.doc), testEnv(t))
			if err == nil || s != nil {
				t.Fatalf("loaded %+v", s)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *policy.Error", err)
			}
		})
	}
}

func TestReloadKeepsPreviousOnError(t *testing.T) {
	env := testEnv(t)
	s, err := policy.Load("good.yaml", []byte(good), env)
	if err != nil {
		t.Fatal(err)
	}
	h := policy.NewHolder(s)
	_, err = h.Reload("broken.yaml", []byte("version: y\nrules:\n  - id: a\n    expr: nosuch\n"), env)
	if err == nil || !strings.Contains(err.Error(), "previous one stays in force") || !strings.Contains(err.Error(), "broken.yaml:4") {
		t.Fatalf("reload error = %v", err)
	}
	if h.Current() != s {
		t.Fatal("a failed reload replaced the policy in force")
	}
	s2, err := h.Reload("v2.yaml", []byte("version: v2\nrules:\n  - id: a\n    expr: n > 0\n"), env)
	if err != nil || h.Current() != s2 || s2.Version != "v2" {
		t.Fatalf("reload = %v, %v", s2, err)
	}
}

func BenchmarkEval(b *testing.B) {
	s, err := policy.Load("good.yaml", []byte(good), testEnv(b))
	if err != nil {
		b.Fatal(err)
	}
	act := map[string]any{
		"n":       int64(11),
		"party":   map[string]any{"sectors": []string{"military"}},
		"sources": []map[string]any{{"id": "S1", "grade": "B2"}},
	}
	var dst []policy.Fired
	for b.Loop() {
		dst, err = s.AppendEval(dst[:0], act)
		if err != nil {
			b.Fatal(err)
		}
	}
}
