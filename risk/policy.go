package risk

import (
	_ "embed"
	"fmt"
	"reflect"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"github.com/vigil-hrdd/vigil/policy"
)

// DefaultPolicy is the policy Vigil ships: the red flags of section 3 of the
// frameworks reference and the UNGP scoring of its section 2.
//
//go:embed default.yaml
var DefaultPolicy []byte

// DefaultPolicyName is the name the default policy's errors and assessments
// carry.
const DefaultPolicyName = "risk/default.yaml"

// Rule kinds, as metadata.kind names them.
const (
	KindRedFlag    = "red_flag"
	KindLikelihood = "likelihood"
	KindLeverage   = "leverage"
	KindEscalation = "escalation"
)

// factVars are the CEL variables rules may read, each a field of Facts.
var factVars = func() []string {
	t := reflect.TypeFor[Facts]()
	var out []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("json"); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}()

// NewEnv returns the CEL environment risk rules compile against: one
// variable per field of Facts, typed, so a misspelt fact or field fails at
// load rather than at evaluation.
func NewEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{
		ext.NativeTypes(reflect.TypeFor[Facts](), ext.ParseStructTag("json")),
		withFactValues(),
		ext.Strings(),
	}
	t := reflect.TypeFor[Facts]()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("json")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		ct, err := celType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("risk: fact %s: %w", name, err)
		}
		opts = append(opts, cel.Variable(name, ct))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("risk: CEL environment: %w", err)
	}
	return env, nil
}

func celType(t reflect.Type) (*cel.Type, error) {
	switch t.Kind() {
	case reflect.String:
		return cel.StringType, nil
	case reflect.Bool:
		return cel.BoolType, nil
	case reflect.Int, reflect.Int64:
		return cel.IntType, nil
	case reflect.Float64:
		return cel.DoubleType, nil
	case reflect.Slice:
		e, err := celType(t.Elem())
		if err != nil {
			return nil, err
		}
		return cel.ListType(e), nil
	case reflect.Struct:
		return cel.ObjectType("risk." + t.Name()), nil
	}
	return nil, fmt.Errorf("no CEL type for %s", t)
}

// Policy is a loaded risk policy: the compiled rules with their decoded
// metadata and the scoring constants.
type Policy struct {
	Set     *policy.Set
	Scoring Scoring
	flags   []*flagRule
	raisers []*flagRule
	levers  []*flagRule
	escal   []*flagRule
}

// Version is the policy file's version.
func (p *Policy) Version() string { return p.Set.Version }

// RuleMeta is the metadata of a risk rule.
type RuleMeta struct {
	Kind            string   `yaml:"kind" json:"kind"`
	Flag            int      `yaml:"flag" json:"flag,omitempty"` // the red flag's number in section 3
	Rights          []string `yaml:"rights" json:"rights,omitempty"`
	Framework       string   `yaml:"framework" json:"framework,omitempty"`
	Scale           int      `yaml:"scale" json:"scale,omitempty"`
	Scope           int      `yaml:"scope" json:"scope,omitempty"`
	Irremediability int      `yaml:"irremediability" json:"irremediability,omitempty"`
	Likelihood      int      `yaml:"likelihood" json:"likelihood,omitempty"`
	Involvement     string   `yaml:"involvement" json:"involvement,omitempty"`
	Raise           int      `yaml:"raise" json:"raise,omitempty"`
	Leverage        string   `yaml:"leverage" json:"leverage,omitempty"`
}

type flagRule struct {
	rule *policy.Rule
	meta RuleMeta
}

// Scoring holds the constants of the scoring model.
type Scoring struct {
	Baseline struct {
		Scale           int `yaml:"scale"`
		Scope           int `yaml:"scope"`
		Irremediability int `yaml:"irremediability"`
		Likelihood      int `yaml:"likelihood"`
	} `yaml:"baseline"`
	SevereAt     int `yaml:"severe_at"`
	SeveralFlags struct {
		AtLeast int `yaml:"at_least"`
		Raise   int `yaml:"raise"`
	} `yaml:"several_flags"`
	LikelihoodMax  int `yaml:"likelihood_max"`
	SevereOverride struct {
		MinLikelihood int    `yaml:"min_likelihood"`
		Tier          string `yaml:"tier"`
	} `yaml:"severe_override"`
	Tiers       []Tier `yaml:"tiers"`
	Involvement struct {
		Order   []string `yaml:"order"`
		Default string   `yaml:"default"`
	} `yaml:"involvement"`
	DefaultLeverage string     `yaml:"default_leverage"`
	Actions         []string   `yaml:"actions"`
	Responses       []Response `yaml:"responses"`
}

// Tier is one priority tier.
type Tier struct {
	Name        string `yaml:"name" json:"name"`
	MinPriority int    `yaml:"min_priority" json:"min_priority"`
	Review      string `yaml:"review" json:"review"`
}

// Response is one row of the response table.
type Response struct {
	Tier        []string `yaml:"tier"`
	Involvement []string `yaml:"involvement"`
	Leverage    []string `yaml:"leverage"`
	Severe      *bool    `yaml:"severe"`
	Escalated   *bool    `yaml:"escalated"`
	Action      string   `yaml:"action"`
	Why         string   `yaml:"why"`
}

// LoadPolicy parses, compiles and checks a risk policy file. Any error names
// the file and line; nothing is returned on error.
func LoadPolicy(name string, data []byte) (*Policy, error) {
	env, err := NewEnv()
	if err != nil {
		return nil, err
	}
	set, err := policy.Load(name, data, env)
	if err != nil {
		return nil, err
	}
	p := &Policy{Set: set}
	if err := set.Section("scoring", &p.Scoring); err != nil {
		return nil, err
	}
	if err := p.Scoring.check(name); err != nil {
		return nil, err
	}
	var errs policy.LoadErrors
	for _, r := range set.Rules {
		var m RuleMeta
		if err := r.Metadata(&m); err != nil {
			return nil, err
		}
		bad := func(format string, args ...any) {
			errs = append(errs, &policy.Error{File: name, Line: r.Line, RuleID: r.ID, Msg: fmt.Sprintf(format, args...)})
		}
		fr := &flagRule{rule: r, meta: m}
		switch m.Kind {
		case KindRedFlag:
			for dim, v := range map[string]int{"scale": m.Scale, "scope": m.Scope, "irremediability": m.Irremediability, "likelihood": m.Likelihood} {
				if v < 1 || v > 5 {
					bad("metadata.%s is %d, want 1 to 5", dim, v)
				}
			}
			if m.Involvement != "" && !slices.Contains(p.Scoring.Involvement.Order, m.Involvement) {
				bad("metadata.involvement %q is not one of %v", m.Involvement, p.Scoring.Involvement.Order)
			}
			if len(m.Rights) == 0 {
				bad("a red flag names the rights it puts at risk (metadata.rights)")
			}
			p.flags = append(p.flags, fr)
		case KindLikelihood:
			if m.Raise < 1 || m.Raise > 4 {
				bad("metadata.raise is %d, want 1 to 4", m.Raise)
			}
			p.raisers = append(p.raisers, fr)
		case KindLeverage:
			if m.Leverage != "weak" && m.Leverage != "strong" {
				bad("metadata.leverage is %q, want weak or strong", m.Leverage)
			}
			p.levers = append(p.levers, fr)
		case KindEscalation:
			p.escal = append(p.escal, fr)
		default:
			bad("metadata.kind is %q, want one of red_flag, likelihood, leverage, escalation", m.Kind)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// DefaultPolicyLoaded loads the embedded default policy.
func DefaultPolicyLoaded() (*Policy, error) {
	return LoadPolicy(DefaultPolicyName, DefaultPolicy)
}

func (s *Scoring) check(file string) error {
	fail := func(format string, args ...any) error {
		return &policy.Error{File: file, Msg: "scoring: " + fmt.Sprintf(format, args...)}
	}
	b := s.Baseline
	for dim, v := range map[string]int{"scale": b.Scale, "scope": b.Scope, "irremediability": b.Irremediability, "likelihood": b.Likelihood} {
		if v < 1 || v > 5 {
			return fail("baseline.%s is %d, want 1 to 5", dim, v)
		}
	}
	if s.SevereAt < 1 || s.SevereAt > 5 {
		return fail("severe_at is %d, want 1 to 5", s.SevereAt)
	}
	if s.LikelihoodMax < 1 || s.LikelihoodMax > 5 {
		return fail("likelihood_max is %d, want 1 to 5", s.LikelihoodMax)
	}
	if len(s.Tiers) == 0 {
		return fail("no tiers")
	}
	for i, t := range s.Tiers {
		if t.Name == "" {
			return fail("tier %d has no name", i+1)
		}
		if i > 0 && t.MinPriority >= s.Tiers[i-1].MinPriority {
			return fail("tiers must be listed highest first: %s (%d) after %s (%d)", t.Name, t.MinPriority, s.Tiers[i-1].Name, s.Tiers[i-1].MinPriority)
		}
	}
	if s.Tiers[len(s.Tiers)-1].MinPriority > 1 {
		return fail("the last tier must start at priority 0 or 1 so every relationship has a tier")
	}
	if s.SevereOverride.Tier != "" && s.tierRank(s.SevereOverride.Tier) < 0 {
		return fail("severe_override.tier %q is not a tier", s.SevereOverride.Tier)
	}
	if len(s.Involvement.Order) == 0 || !slices.Contains(s.Involvement.Order, s.Involvement.Default) {
		return fail("involvement.default %q is not in involvement.order", s.Involvement.Default)
	}
	if s.DefaultLeverage != "weak" && s.DefaultLeverage != "strong" {
		return fail("default_leverage is %q, want weak or strong", s.DefaultLeverage)
	}
	if len(s.Actions) == 0 || len(s.Responses) == 0 {
		return fail("actions and responses must not be empty")
	}
	for i, r := range s.Responses {
		if !slices.Contains(s.Actions, r.Action) {
			return fail("responses[%d].action %q is not one of %v", i, r.Action, s.Actions)
		}
		for _, t := range r.Tier {
			if s.tierRank(t) < 0 {
				return fail("responses[%d].tier %q is not a tier", i, t)
			}
		}
		for _, v := range r.Involvement {
			if !slices.Contains(s.Involvement.Order, v) {
				return fail("responses[%d].involvement %q is not one of %v", i, v, s.Involvement.Order)
			}
		}
	}
	last := s.Responses[len(s.Responses)-1]
	if len(last.Tier)+len(last.Involvement)+len(last.Leverage) > 0 || last.Severe != nil || last.Escalated != nil {
		return fail("the last response must have no conditions, so every relationship gets one")
	}
	return nil
}

// tierRank is the tier's position from the lowest (0), -1 when unknown.
func (s *Scoring) tierRank(name string) int {
	for i, t := range s.Tiers {
		if t.Name == name {
			return len(s.Tiers) - 1 - i
		}
	}
	return -1
}
