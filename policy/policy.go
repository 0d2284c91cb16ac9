// Package policy loads rule sets written as CEL expressions in YAML files, so
// that what Vigil looks for is data a provider can read and edit rather than
// code. It knows nothing of risk, screening or usage: a caller supplies the
// CEL environment (the variables its rules may name), and gets back compiled
// rules it can evaluate against an activation of those variables.
//
// A policy file looks like this:
//
//	version: "2026-11-30"
//	description: what the rules are for
//	rules:
//	  - id: RF1
//	    description: a sentence for people
//	    metadata: {anything: the caller decodes}
//	    expr: |
//	      party.sectors.exists(s, s in ['military', 'police'])
//	    evidence: |            # optional, evaluated only when expr is true
//	      sources.map(s, s.id)
//	scoring: {...}             # any other top-level section, for the caller
//
// Every error a file can cause is found at load and names the file, the YAML
// line and column and, for a CEL error, the compiler's message, because a
// policy is edited by people who need to find their mistake quickly.
package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"gopkg.in/yaml.v3"
)

// Set is a loaded, compiled policy: its rules in file order and the other
// top-level sections for the caller to decode. A Set is immutable and safe
// for concurrent use.
type Set struct {
	// Name is the file name the set was loaded from, for messages.
	Name string
	// Version is the file's version string; assessments record it so a
	// result can always be traced to the rules that produced it.
	Version     string
	Description string
	Rules       []*Rule
	// Digest is the SHA-256 of the file's bytes in hex, so that two files
	// with the same version string but different rules can be told apart.
	Digest   string
	sections map[string]*yaml.Node
	byID     map[string]*Rule
}

// Rule is one compiled rule.
type Rule struct {
	ID          string
	Description string
	// Expr is the CEL source of the condition; Evidence the CEL source of
	// the optional evidence expression.
	Expr     string
	Evidence string
	// Line is the YAML line of the rule in its file.
	Line int
	// Reads lists the variables and fields the rule's expressions read
	// (party.sectors, contexts, ...), found from the checked expression, so
	// an explanation can show the facts a rule looked at without anyone
	// keeping a second list in step with the expression.
	Reads    []string
	metadata *yaml.Node
	file     string
	prg      cel.Program
	evidence cel.Program
}

// Fired is a rule whose expression was true, with the strings its evidence
// expression returned (nil when it has none).
type Fired struct {
	Rule     *Rule
	Evidence []string
}

// Error is a load error at one place in a policy file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when the error is about the whole file
	Column int
	RuleID string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.RuleID != "" {
		fmt.Fprintf(&b, "rule %q: ", e.RuleID)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadErrors is every error found in one file: a load reports them all so
// that an editor fixes a file in one pass.
type LoadErrors []*Error

func (es LoadErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es LoadErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// ruleKeys are the keys a rule may have; anything else is a typo that would
// otherwise be silently ignored.
var ruleKeys = []string{"id", "description", "metadata", "expr", "evidence"}

// Load parses and compiles a policy file. name is used in error messages
// (usually the file's path). env declares the variables the rules may read;
// every rule's expr must be a bool and its evidence a list. On any error no
// Set is returned and the error is a LoadErrors listing every problem.
func Load(name string, data []byte, env *cel.Env) (*Set, error) {
	if env == nil {
		return nil, errors.New("policy: Load needs a CEL environment")
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, LoadErrors{yamlError(name, err)}
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, LoadErrors{{File: name, Line: max(doc.Line, 1), Msg: "a policy file is a YAML mapping with version and rules"}}
	}
	root := doc.Content[0]
	s := &Set{Name: name, Digest: digest(data), sections: map[string]*yaml.Node{}, byID: map[string]*Rule{}}
	var errs LoadErrors
	var rulesNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "version":
			s.Version = v.Value
		case "description":
			s.Description = v.Value
		case "rules":
			rulesNode = v
		default:
			s.sections[k.Value] = v
		}
	}
	if strings.TrimSpace(s.Version) == "" {
		errs = append(errs, &Error{File: name, Line: root.Line, Msg: "version is missing: every assessment records the policy version it used"})
	}
	if rulesNode == nil || rulesNode.Kind != yaml.SequenceNode {
		line := root.Line
		if rulesNode != nil {
			line = rulesNode.Line
		}
		errs = append(errs, &Error{File: name, Line: line, Msg: "rules must be a list"})
		return nil, errs
	}
	for _, rn := range rulesNode.Content {
		r, rerrs := compileRule(name, rn, env)
		errs = append(errs, rerrs...)
		if r == nil {
			continue
		}
		if prev, dup := s.byID[r.ID]; dup {
			errs = append(errs, &Error{File: name, Line: r.Line, RuleID: r.ID, Msg: fmt.Sprintf("duplicate id (first at line %d)", prev.Line)})
			continue
		}
		s.byID[r.ID] = r
		s.Rules = append(s.Rules, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

func yamlError(name string, err error) *Error {
	// yaml.v3 messages read "yaml: line 12: did not find expected key".
	msg := err.Error()
	line := 0
	if _, err := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &line); err == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			if j := strings.Index(msg[i+2:], ": "); j >= 0 {
				msg = msg[i+2+j+2:]
			}
		}
	}
	return &Error{File: name, Line: line, Msg: "not valid YAML: " + msg}
}

func compileRule(file string, n *yaml.Node, env *cel.Env) (*Rule, LoadErrors) {
	if n.Kind != yaml.MappingNode {
		return nil, LoadErrors{{File: file, Line: n.Line, Column: n.Column, Msg: "a rule is a mapping with id, description, metadata and expr"}}
	}
	r := &Rule{Line: n.Line, file: file}
	var exprNode, evNode *yaml.Node
	var errs LoadErrors
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "id":
			r.ID = v.Value
		case "description":
			r.Description = v.Value
		case "metadata":
			r.metadata = v
		case "expr":
			exprNode = v
		case "evidence":
			evNode = v
		default:
			errs = append(errs, &Error{File: file, Line: k.Line, Column: k.Column, Msg: fmt.Sprintf("unknown key %q (a rule has %s)", k.Value, strings.Join(ruleKeys, ", "))})
		}
	}
	if strings.TrimSpace(r.ID) == "" {
		errs = append(errs, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "rule without an id"})
	}
	if exprNode == nil || strings.TrimSpace(exprNode.Value) == "" {
		errs = append(errs, &Error{File: file, Line: n.Line, Column: n.Column, RuleID: r.ID, Msg: "expr is missing"})
		return nil, errs
	}
	r.Expr = exprNode.Value
	prg, reads, err := compile(file, r.ID, exprNode, env, cel.BoolType)
	if err != nil {
		errs = append(errs, err)
	}
	r.prg = prg
	r.Reads = reads
	if evNode != nil && strings.TrimSpace(evNode.Value) != "" {
		r.Evidence = evNode.Value
		evPrg, evReads, err := compile(file, r.ID, evNode, env, nil)
		if err != nil {
			errs = append(errs, err)
		}
		r.evidence = evPrg
		r.Reads = mergeSorted(r.Reads, evReads)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

// compile checks one CEL expression held in a YAML scalar. want is the
// required output type, or nil for "a list".
func compile(file, id string, n *yaml.Node, env *cel.Env, want *cel.Type) (cel.Program, []string, *Error) {
	ast, iss := env.Compile(n.Value)
	if iss != nil && iss.Err() != nil {
		e := iss.Errors()[0]
		line, col := exprPosition(n, e.Location.Line(), e.Location.Column())
		msg := e.Message
		if k := len(iss.Errors()); k > 1 {
			msg += fmt.Sprintf(" (and %d more CEL errors)", k-1)
		}
		return nil, nil, &Error{File: file, Line: line, Column: col, RuleID: id, Msg: "CEL: " + msg}
	}
	out := ast.OutputType()
	if want != nil && !out.IsExactType(want) && !out.IsExactType(cel.DynType) {
		return nil, nil, &Error{File: file, Line: n.Line, Column: n.Column, RuleID: id, Msg: fmt.Sprintf("expression gives %s, want %s", out, want)}
	}
	if want == nil && out.Kind() != types.ListKind && !out.IsExactType(cel.DynType) {
		return nil, nil, &Error{File: file, Line: n.Line, Column: n.Column, RuleID: id, Msg: fmt.Sprintf("evidence gives %s, want a list", out)}
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, nil, &Error{File: file, Line: n.Line, Column: n.Column, RuleID: id, Msg: "CEL: " + err.Error()}
	}
	return prg, reads(ast.NativeRep()), nil
}

// exprPosition turns a position inside a CEL expression into a position in
// the YAML file. A block scalar (| or >) starts on the line after its
// indicator; a plain or quoted scalar on its own line.
func exprPosition(n *yaml.Node, line, col int) (int, int) {
	if line < 1 {
		return n.Line, n.Column
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// The indentation of a block is that of its first line; yaml.v3
		// does not keep it, so report the column inside the expression.
		return n.Line + line, col + 1
	}
	if line == 1 {
		off := 0
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			off = 1
		}
		return n.Line, n.Column + off + col
	}
	return n.Line + line - 1, col + 1
}

// reads lists the dotted paths (variable.field.field) the checked expression
// reads, without comprehension variables, sorted and without prefixes of
// longer paths.
func reads(a *celast.AST) []string {
	iterVars := map[string]bool{}
	paths := map[string]bool{}
	celast.PreOrderVisit(celast.NavigateAST(a), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() == celast.ComprehensionKind {
			c := e.AsComprehension()
			iterVars[c.IterVar()] = true
			if c.HasIterVar2() {
				iterVars[c.IterVar2()] = true
			}
			iterVars[c.AccuVar()] = true
		}
	}))
	celast.PreOrderVisit(celast.NavigateAST(a), celast.NewExprVisitor(func(e celast.Expr) {
		if p, ok := path(e); ok && !iterVars[strings.SplitN(p, ".", 2)[0]] {
			paths[p] = true
		}
	}))
	out := make([]string, 0, len(paths))
	for p := range paths {
		out = append(out, p)
	}
	slices.Sort(out)
	// Drop "party" when "party.sectors" is there: the longer path says more.
	kept := out[:0]
	for i, p := range out {
		if i+1 < len(out) && strings.HasPrefix(out[i+1], p+".") {
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

func path(e celast.Expr) (string, bool) {
	switch e.Kind() {
	case celast.IdentKind:
		return e.AsIdent(), true
	case celast.SelectKind:
		sel := e.AsSelect()
		if sel.IsTestOnly() {
			return "", false
		}
		base, ok := path(sel.Operand())
		if !ok {
			return "", false
		}
		return base + "." + sel.FieldName(), true
	}
	return "", false
}

func mergeSorted(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Rule returns the rule with the id, or nil.
func (s *Set) Rule(id string) *Rule { return s.byID[id] }

// HasSection reports whether the file has a top-level section of that name.
func (s *Set) HasSection(key string) bool { return s.sections[key] != nil }

// Section decodes a top-level section other than version, description and
// rules into v, refusing unknown fields. Errors name the file and line.
func (s *Set) Section(key string, v any) error {
	n := s.sections[key]
	if n == nil {
		return &Error{File: s.Name, Msg: fmt.Sprintf("section %q is missing", key)}
	}
	return decodeStrict(s.Name, "", n, v)
}

// Metadata decodes the rule's metadata into v, refusing unknown fields. A
// rule without metadata leaves v as it is.
func (r *Rule) Metadata(v any) error {
	if r.metadata == nil {
		return nil
	}
	return decodeStrict(r.file, r.ID, r.metadata, v)
}

// decodeStrict decodes a node refusing unknown fields: yaml.v3 only offers
// that on a Decoder, so the node is re-encoded, and lines are shifted back to
// the file's.
func decodeStrict(file, id string, n *yaml.Node, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return &Error{File: file, Line: n.Line, RuleID: id, Msg: err.Error()}
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		msg := err.Error()
		if errors.As(err, &te) {
			msg = strings.Join(te.Errors, "; ")
		}
		// The re-encoded node starts at line 1; its lines differ from the
		// file's only by the node's own starting line when the encoder
		// keeps the layout, which it does for block mappings.
		return &Error{File: file, Line: n.Line, RuleID: id, Msg: "near here (lines inside are counted from this one): " + msg}
	}
	return nil
}

// Eval evaluates every rule against the activation (a map[string]any or a
// cel interpreter.Activation holding the environment's variables) and returns
// the rules that fired, in file order.
func (s *Set) Eval(act any) ([]Fired, error) {
	return s.AppendEval(nil, act)
}

// AppendEval is Eval appending to dst, so that a caller assessing many
// relationships reuses one slice.
func (s *Set) AppendEval(dst []Fired, act any) ([]Fired, error) {
	for _, r := range s.Rules {
		ok, err := r.Match(act)
		if err != nil {
			return dst, err
		}
		if !ok {
			continue
		}
		f := Fired{Rule: r}
		if r.evidence != nil {
			if f.Evidence, err = r.EvalEvidence(act); err != nil {
				return dst, err
			}
		}
		dst = append(dst, f)
	}
	return dst, nil
}

// Match evaluates the rule's expression alone.
func (r *Rule) Match(act any) (bool, error) {
	out, _, err := r.prg.Eval(act)
	if err != nil {
		return false, fmt.Errorf("policy %s: rule %s: %w", r.file, r.ID, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("policy %s: rule %s: expression gave %v, not a bool", r.file, r.ID, out.Type())
	}
	return b, nil
}

// EvalEvidence evaluates the rule's evidence expression into strings; nil
// when the rule has none.
func (r *Rule) EvalEvidence(act any) ([]string, error) {
	if r.evidence == nil {
		return nil, nil
	}
	out, _, err := r.evidence.Eval(act)
	if err != nil {
		return nil, fmt.Errorf("policy %s: rule %s: evidence: %w", r.file, r.ID, err)
	}
	v, err := out.ConvertToNative(stringSlice)
	if err != nil {
		return nil, fmt.Errorf("policy %s: rule %s: evidence is not a list of strings: %w", r.file, r.ID, err)
	}
	return v.([]string), nil
}

// Holder keeps the policy in force and swaps it atomically on a successful
// reload, so evaluations in flight finish on the set they started with and a
// broken file never replaces a working one.
type Holder struct {
	cur atomic.Pointer[Set]
}

// NewHolder returns a holder with s in force.
func NewHolder(s *Set) *Holder {
	h := &Holder{}
	h.cur.Store(s)
	return h
}

// Current returns the set in force (nil before the first successful load).
func (h *Holder) Current() *Set { return h.cur.Load() }

// Reload loads a new file; on success it is in force and returned, on
// failure the previous set stays in force and the error says why.
func (h *Holder) Reload(name string, data []byte, env *cel.Env) (*Set, error) {
	s, err := Load(name, data, env)
	if err != nil {
		return nil, fmt.Errorf("policy not reloaded, the previous one stays in force: %w", err)
	}
	h.cur.Store(s)
	return s, nil
}

var stringSlice = reflect.TypeFor[[]string]()

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
