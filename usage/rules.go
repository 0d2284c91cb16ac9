package usage

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"cel.dev/cel-go/cel"
	"github.com/vigil-hrdd/vigil"
	"gopkg.in/yaml.v3"
)

// The signal rules file. Package policy (the assessment's CEL policy
// loader) did not exist when this was written, so usage loads its own,
// smaller file; its rules are CEL expressions over the facts of Subjects,
// and its constants live in params, never in code.

//go:embed rules.yaml
var defaultRules []byte

// DefaultRulesYAML returns the shipped rules file, to copy and edit.
func DefaultRulesYAML() []byte { return slices.Clone(defaultRules) }

// Severities of a signal, lowest first.
var Severities = []string{"low", "medium", "high"}

// Rule is one signal rule.
type Rule struct {
	ID       string `yaml:"id"`
	Title    string `yaml:"title"`
	Severity string `yaml:"severity"`
	Scope    Scope  `yaml:"scope"`
	// When is the CEL expression; the rule fires when it is true.
	When string `yaml:"when"`
	// Explain is a text/template over the facts (and .params) that says
	// why the rule fired; empty gives a standard sentence for the scope.
	Explain string `yaml:"explain"`
	// Numbers lists the facts (dotted paths, like week.total) copied into
	// the signal as the numbers behind it; empty gives the scope's usual.
	Numbers []string `yaml:"numbers"`

	line    int
	prg     cel.Program
	explain *template.Template
}

// Rules is a loaded, compiled rules file.
type Rules struct {
	File    string
	Version string
	// Digest is the SHA-256 of the file, so a signal names the exact
	// rules that raised it.
	Digest string
	Params map[string]any
	Rules  []*Rule
}

var ruleKeys = []string{"id", "title", "severity", "scope", "when", "explain", "numbers"}

// sampleActivation is a subject's facts on a little made-up use, for the
// trial evaluation at load.
func sampleActivation(scope Scope, params map[string]any) map[string]any {
	const sub = "S-sample"
	var daily []Daily
	for age := Day(0); age < 14; age++ {
		daily = append(daily, Daily{Series: Series{Subscription: sub, Meter: "ai.speech_to_text", Region: "eu-west-1", Unit: "hour"}, Day: 1000 - age, Quantity: 1})
	}
	infos := map[string]SubscriptionInfo{sub: {ID: sub, Account: "A-sample", Region: "eu-west-1", Status: vigil.SubscriptionActive}}
	for _, s := range Subjects(daily, infos, 1000) {
		if s.Scope == scope {
			act := map[string]any{"params": params}
			for k, v := range s.Facts {
				act[k] = v
			}
			return act
		}
	}
	return map[string]any{"params": params}
}

type rulesFile struct {
	Version string         `yaml:"version"`
	Params  map[string]any `yaml:"params"`
	Rules   []yaml.Node    `yaml:"rules"`
}

// LoadRules reads and compiles a rules file; an empty path gives the
// shipped rules.
func LoadRules(path string) (*Rules, error) {
	if path == "" {
		return ParseRules(defaultRules, "rules.yaml (default)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signal rules: %w", err)
	}
	return ParseRules(b, path)
}

func ruleErr(file string, line int, format string, args ...any) error {
	return &LineError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ParseRules compiles rules from YAML. Every problem (an unknown key, a
// missing field, a CEL error, an expression that is not a condition) is
// reported with the file and line, and nothing is loaded.
func ParseRules(b []byte, file string) (*Rules, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f rulesFile
	if err := dec.Decode(&f); err != nil {
		return nil, ruleErr(file, 0, "%v", err)
	}
	sum := sha256.Sum256(b)
	rs := &Rules{File: file, Version: f.Version, Digest: hex.EncodeToString(sum[:]), Params: f.Params}
	if rs.Params == nil {
		rs.Params = map[string]any{}
	}
	envs := map[Scope]*cel.Env{}
	for _, s := range Scopes {
		env, err := newEnv(s)
		if err != nil {
			return nil, fmt.Errorf("signal rules: CEL environment: %w", err)
		}
		envs[s] = env
	}
	if len(f.Rules) == 0 {
		return nil, ruleErr(file, 0, "no rules")
	}
	seen := map[string]bool{}
	for i := range f.Rules {
		n := &f.Rules[i]
		if n.Kind != yaml.MappingNode {
			return nil, ruleErr(file, n.Line, "a rule is a mapping of id, title, severity, scope, when, explain and numbers")
		}
		for k := 0; k+1 < len(n.Content); k += 2 {
			if key := n.Content[k].Value; !slices.Contains(ruleKeys, key) {
				return nil, ruleErr(file, n.Content[k].Line, "unknown key %q in a rule (keys: %s)", key, strings.Join(ruleKeys, ", "))
			}
		}
		var r Rule
		if err := n.Decode(&r); err != nil {
			return nil, ruleErr(file, n.Line, "%v", err)
		}
		r.line = n.Line
		if msg := checkTag(r.ID); msg != "" {
			return nil, ruleErr(file, n.Line, "rule id %s", msg)
		}
		if seen[r.ID] {
			return nil, ruleErr(file, n.Line, "rule %q: id used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" {
			return nil, ruleErr(file, n.Line, "rule %q: title is missing", r.ID)
		}
		if !slices.Contains(Severities, r.Severity) {
			return nil, ruleErr(file, n.Line, "rule %q: severity %q (want one of %s)", r.ID, r.Severity, strings.Join(Severities, ", "))
		}
		env, ok := envs[r.Scope]
		if !ok {
			return nil, ruleErr(file, n.Line, "rule %q: scope %q (want series, account or account_meter)", r.ID, r.Scope)
		}
		ast, iss := env.Compile(r.When)
		if iss.Err() != nil {
			return nil, ruleErr(file, whenLine(n), "rule %q: when: %v", r.ID, iss.Err())
		}
		if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
			return nil, ruleErr(file, whenLine(n), "rule %q: when must be a condition (true or false), not %s", r.ID, ast.OutputType())
		}
		prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return nil, ruleErr(file, whenLine(n), "rule %q: when: %v", r.ID, err)
		}
		r.prg = prg
		// Facts are partly dynamic (windows, params), so the type check
		// cannot always tell a condition; a trial on sample facts can.
		if out, _, err := prg.Eval(sampleActivation(r.Scope, rs.Params)); err == nil {
			if _, ok := out.Value().(bool); !ok {
				return nil, ruleErr(file, whenLine(n), "rule %q: when must be a condition (true or false), it gives %v", r.ID, out.Value())
			}
		}
		text := r.Explain
		if text == "" {
			text = defaultExplain[r.Scope]
		}
		r.explain, err = template.New(r.ID).Funcs(templateFuncs).Option("missingkey=error").Parse(text)
		if err != nil {
			return nil, ruleErr(file, n.Line, "rule %q: explain: %v", r.ID, err)
		}
		if len(r.Numbers) == 0 {
			r.Numbers = defaultNumbers[r.Scope]
		}
		rs.Rules = append(rs.Rules, &r)
	}
	return rs, nil
}

func whenLine(n *yaml.Node) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "when" {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

var (
	strList  = cel.ListType(cel.StringType)
	dynMap   = cel.MapType(cel.StringType, cel.DynType)
	scopeVar = map[Scope][]cel.EnvOption{
		ScopeSeries: {
			cel.Variable("subscription", cel.StringType), cel.Variable("account", cel.StringType),
			cel.Variable("service", cel.StringType), cel.Variable("status", cel.StringType),
			cel.Variable("home_region", cel.StringType), cel.Variable("known", cel.BoolType),
			cel.Variable("status_since", cel.StringType), cel.Variable("after_status", cel.DoubleType),
			cel.Variable("meter", cel.StringType), cel.Variable("unit", cel.StringType),
			cel.Variable("day", dynMap), cel.Variable("week", dynMap), cel.Variable("d90", dynMap),
			cel.Variable("regions", dynMap), cel.Variable("regions_now", strList), cel.Variable("regions_before", strList),
			cel.Variable("new_regions", strList), cel.Variable("new_region_week", cel.DoubleType),
		},
		ScopeAccount: {
			cel.Variable("account", cel.StringType), cel.Variable("subscriptions", strList),
			cel.Variable("meters_now", strList), cel.Variable("meters_before", strList), cel.Variable("new_meters", strList),
		},
		ScopeAccountMeter: {
			cel.Variable("account", cel.StringType), cel.Variable("meter", cel.StringType), cel.Variable("unit", cel.StringType),
			cel.Variable("subscriptions", strList), cel.Variable("home_regions", strList),
			cel.Variable("regions_now", strList), cel.Variable("regions_before", strList), cel.Variable("new_regions", strList),
			cel.Variable("new_region_week", cel.DoubleType), cel.Variable("week_total", cel.DoubleType), cel.Variable("before_total", cel.DoubleType),
		},
	}
)

func newEnv(s Scope) (*cel.Env, error) {
	opts := append([]cel.EnvOption{cel.Variable("params", dynMap), cel.CrossTypeNumericComparisons(true)}, scopeVar[s]...)
	return cel.NewEnv(opts...)
}

var defaultExplain = map[Scope]string{
	ScopeSeries: `{{.meter}} on subscription {{.subscription}}{{if .account}} (account {{.account}}){{end}}: ` +
		`{{num .day.total}} {{.unit}} on the day, {{num .week.total}} in the last 7 days against {{num .week.previous}} in the 7 before ({{pct .week}}), ` +
		`{{num .d90.total}} in the last 90 days against {{num .d90.previous}} in the 90 before ({{pct .d90}})`,
	ScopeAccount: `account {{.account}} used {{join .new_meters}} in the last 7 days for the first time in 97 days; ` +
		`its meters in use now: {{join .meters_now}}; before: {{join .meters_before}}`,
	ScopeAccountMeter: `account {{.account}}: {{.meter}} in new region(s) {{join .new_regions}}, {{num .new_region_week}} {{.unit}} in the last 7 days ` +
		`(of {{num .week_total}} in all); in the 90 days before only in {{join .regions_before}} ({{num .before_total}} {{.unit}}); ` +
		`subscribed in {{join .home_regions}}`,
}

var defaultNumbers = map[Scope][]string{
	ScopeSeries: {"day.total", "week.total", "week.previous", "week.growth", "d90.total", "d90.previous", "d90.growth",
		"week.max_day", "after_status", "new_region_week"},
	ScopeAccount:      {},
	ScopeAccountMeter: {"new_region_week", "week_total", "before_total"},
}

var templateFuncs = template.FuncMap{
	"num": formatNum,
	"pct": func(w any) string {
		m, _ := w.(map[string]any)
		if n, _ := m["new"].(bool); n {
			return "new"
		}
		g, _ := m["growth"].(float64)
		return fmt.Sprintf("%+.0f%%", g*100)
	},
	"join": func(v any) string {
		l, _ := v.([]string)
		if len(l) == 0 {
			return "none"
		}
		return strings.Join(l, ", ")
	},
}

// formatNum writes a number with thousands separators and at most two
// decimals.
func formatNum(v any) string {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Fire evaluates the rule on a subject's facts.
func (r *Rule) Fire(s *Subject, params map[string]any) (bool, error) {
	act := make(map[string]any, len(s.Facts)+1)
	for k, v := range s.Facts {
		act[k] = v
	}
	act["params"] = params
	out, _, err := r.prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("rule %q on %s: %w", r.ID, s.name(), err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("rule %q on %s: when gave %v, not true or false", r.ID, s.name(), out.Value())
	}
	return b, nil
}

func (s *Subject) name() string {
	switch s.Scope {
	case ScopeSeries:
		return "subscription " + s.Subscription + " meter " + s.Meter
	case ScopeAccountMeter:
		return "account " + s.Account + " meter " + s.Meter
	}
	return "account " + s.Account
}

// lookup follows a dotted path through the facts.
func lookup(facts map[string]any, path string) (any, bool) {
	var cur any = facts
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// Evaluate runs every rule on every subject and returns the signals that
// fire, as of asOf. An evaluation error (say a rule dividing by a missing
// param) stops it: a rule that silently never fires is worse than none.
func (rs *Rules) Evaluate(subjects []Subject, asOf Day) ([]*Signal, error) {
	var out []*Signal
	for i := range subjects {
		s := &subjects[i]
		for _, r := range rs.Rules {
			if r.Scope != s.Scope {
				continue
			}
			ok, err := r.Fire(s, rs.Params)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			sig, err := rs.signal(r, s, asOf)
			if err != nil {
				return nil, err
			}
			out = append(out, sig)
		}
	}
	return out, nil
}

func (rs *Rules) signal(r *Rule, s *Subject, asOf Day) (*Signal, error) {
	data := make(map[string]any, len(s.Facts)+1)
	for k, v := range s.Facts {
		data[k] = v
	}
	data["params"] = rs.Params
	var b strings.Builder
	if err := r.explain.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("rule %q: explain: %w", r.ID, err)
	}
	nums := map[string]float64{}
	for _, p := range r.Numbers {
		v, ok := lookup(s.Facts, p)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case float64:
			nums[p] = x
		case int64:
			nums[p] = float64(x)
		}
	}
	sig := &Signal{
		Rule: r.ID, Title: r.Title, Severity: r.Severity, Scope: s.Scope,
		Account: s.Account, Subscription: s.Subscription, Meter: s.Meter,
		AsOf: asOf.Date(), Explanation: r.Title + ": " + b.String(), Numbers: nums,
		Facts: s.Facts, RulesDigest: rs.Digest,
	}
	sig.ID = SignalID(sig.Rule, sig.Account, sig.Subscription, sig.Meter, asOf)
	return sig, nil
}

// SignalID is deterministic: the same rule firing on the same subject on
// the same day is the same signal, so re-running an evaluation stores
// nothing new.
func SignalID(rule, account, subscription, meter string, asOf Day) string {
	h := sha256.Sum256([]byte(rule + "\x00" + account + "\x00" + subscription + "\x00" + meter + "\x00" + asOf.String()))
	return "SIG-" + strings.ToUpper(hex.EncodeToString(h[:10]))
}
