package risk

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Assessment is the explained result for one relationship. Everything a
// reviewer needs to check it is inside: the flags with the facts they read
// and the evidence they cite, each number with its derivation, and the
// policy that applied.
type Assessment struct {
	ID         string `json:"id"` // the relationship
	Version    int    `json:"version"`
	AccountID  string `json:"account_id"`
	CustomerID string `json:"customer_id"`
	EndUserID  string `json:"end_user_id"`
	// Path is the chain of parties from the customer to the end user.
	Path []string `json:"path"`

	Flags []FlagResult `json:"flags"`

	Scale           int    `json:"scale"`
	Scope           int    `json:"scope"`
	Irremediability int    `json:"irremediability"`
	Severity        int    `json:"severity"`
	Severe          bool   `json:"severe"`
	Likelihood      int    `json:"likelihood"`
	Priority        int    `json:"priority"`
	Tier            string `json:"tier"`
	TierRank        int    `json:"tier_rank"`
	Review          string `json:"review"`
	Involvement     string `json:"involvement"`
	Leverage        string `json:"leverage"`
	Escalated       bool   `json:"escalated"`
	Action          string `json:"action"`
	ActionWhy       string `json:"action_why"`
	// Derivation says how each number was reached, one line each, in the
	// order they were computed.
	Derivation []string `json:"derivation"`
	// Modifiers are the likelihood, leverage and escalation rules that
	// fired.
	Modifiers []FlagResult `json:"modifiers"`
	// Facts holds the value of every fact a fired rule read, once, by
	// its path (end_user.sectors, capabilities, ...).
	Facts   map[string]any `json:"facts"`
	Sources []SourceFact   `json:"sources"`

	PolicyVersion string `json:"policy_version"`
	PolicyDigest  string `json:"policy_digest"`
	// FactsDigest is the SHA-256 of the facts; an unchanged digest under
	// the same policy means an unchanged assessment, which is not stored
	// again.
	FactsDigest string    `json:"facts_digest"`
	AssessedAt  time.Time `json:"assessed_at"`
	AssessedBy  string    `json:"assessed_by"`

	// parties are the chain's party ids, for the dependency index.
	parties []string
}

// FlagResult is one fired rule.
type FlagResult struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// Reads names the facts the rule's expressions read; their values at
	// assessment time are in Assessment.Facts.
	Reads []string `json:"reads"`
	// Evidence is what the rule's evidence expression returned: the
	// parties, territories, sources or capabilities it fired on.
	Evidence []string `json:"evidence,omitempty"`
	RuleMeta
}

// Assess scores one relationship's facts under the policy. It reads nothing
// but its arguments, so it is safe to call from many goroutines.
func (p *Policy) Assess(f *Facts) (*Assessment, error) {
	return p.assess(f, newValueCache())
}

// assess is Assess converting the facts through a cache of the caller's,
// which a worker keeps across the relationships it scores.
func (p *Policy) assess(f *Facts, c *valueCache) (*Assessment, error) {
	act := newActivation(f, c)
	sc := &p.Scoring
	a := &Assessment{
		ID: f.Relationship, AccountID: f.Account.ID, CustomerID: f.Customer.ID, EndUserID: f.EndUser.ID,
		Flags: []FlagResult{}, Modifiers: []FlagResult{}, Sources: []SourceFact{}, Facts: map[string]any{},
		PolicyVersion: p.Set.Version, PolicyDigest: p.Set.Digest,
	}
	a.Path = append(a.Path, f.Customer.ID)
	for _, im := range f.Intermediaries {
		if im.ID != f.Customer.ID {
			a.Path = append(a.Path, im.ID)
		}
	}
	if f.EndUser.ID != f.Customer.ID {
		a.Path = append(a.Path, f.EndUser.ID)
	}
	fire := func(fr *flagRule) (*FlagResult, error) {
		ok, err := fr.rule.Match(act)
		if err != nil || !ok {
			return nil, err
		}
		ev, err := fr.rule.EvalEvidence(act)
		if err != nil {
			return nil, err
		}
		addFacts(a.Facts, act, fr.rule.Reads)
		return &FlagResult{ID: fr.rule.ID, Description: fr.rule.Description, Evidence: ev, RuleMeta: fr.meta, Reads: fr.rule.Reads}, nil
	}

	// Severity: each dimension is the highest any fired flag gives it.
	a.Scale, a.Scope, a.Irremediability = sc.Baseline.Scale, sc.Baseline.Scope, sc.Baseline.Irremediability
	baseL := sc.Baseline.Likelihood
	// The fired flags' contribution to each dimension, for the derivation:
	// scale, scope, irremediability, likelihood.
	var why [4][]string
	invRank := slices.Index(sc.Involvement.Order, sc.Involvement.Default)
	a.Involvement = sc.Involvement.Default
	for _, fr := range p.flags {
		r, err := fire(fr)
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", f.Relationship, err)
		}
		if r == nil {
			continue
		}
		a.Flags = append(a.Flags, *r)
		m := fr.meta
		why[0] = append(why[0], r.ID+" "+strconv.Itoa(m.Scale))
		why[1] = append(why[1], r.ID+" "+strconv.Itoa(m.Scope))
		why[2] = append(why[2], r.ID+" "+strconv.Itoa(m.Irremediability))
		why[3] = append(why[3], r.ID+" "+strconv.Itoa(m.Likelihood))
		a.Scale, a.Scope, a.Irremediability = max(a.Scale, m.Scale), max(a.Scope, m.Scope), max(a.Irremediability, m.Irremediability)
		baseL = max(baseL, m.Likelihood)
		if m.Involvement != "" {
			if k := slices.Index(sc.Involvement.Order, m.Involvement); k > invRank {
				invRank, a.Involvement = k, m.Involvement
			}
		}
	}
	dim := func(name string, d, v, base int) string {
		if len(why[d]) == 0 {
			return name + " " + strconv.Itoa(v) + ": baseline, no red flag fired"
		}
		return fmt.Sprintf("%s %d = highest of baseline %d and the red flags (%s)", name, v, base, strings.Join(why[d], ", "))
	}
	a.Derivation = make([]string, 0, 9)
	a.Derivation = append(a.Derivation,
		dim("scale", 0, a.Scale, sc.Baseline.Scale),
		dim("scope", 1, a.Scope, sc.Baseline.Scope),
		dim("irremediability", 2, a.Irremediability, sc.Baseline.Irremediability))
	a.Severity = a.Scale * a.Scope * a.Irremediability
	a.Severe = a.Scale >= sc.SevereAt || a.Scope >= sc.SevereAt || a.Irremediability >= sc.SevereAt
	a.Derivation = append(a.Derivation, fmt.Sprintf("severity %d = scale %d x scope %d x irremediability %d; severe: %v (any dimension >= %d)",
		a.Severity, a.Scale, a.Scope, a.Irremediability, a.Severe, sc.SevereAt))

	// Likelihood: the highest a flag gives, raised by the likelihood rules
	// and by several flags, capped.
	a.Likelihood = baseL
	steps := []string{dim("likelihood", 3, baseL, sc.Baseline.Likelihood)}
	for _, fr := range p.raisers {
		r, err := fire(fr)
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", f.Relationship, err)
		}
		if r == nil {
			continue
		}
		a.Modifiers = append(a.Modifiers, *r)
		a.Likelihood += fr.meta.Raise
		steps = append(steps, fmt.Sprintf("+%d %s", fr.meta.Raise, r.ID))
	}
	if sc.SeveralFlags.AtLeast > 0 && len(a.Flags) >= sc.SeveralFlags.AtLeast {
		a.Likelihood += sc.SeveralFlags.Raise
		steps = append(steps, fmt.Sprintf("+%d for %d red flags (at least %d)", sc.SeveralFlags.Raise, len(a.Flags), sc.SeveralFlags.AtLeast))
	}
	if a.Likelihood > sc.LikelihoodMax {
		steps = append(steps, fmt.Sprintf("capped at %d", sc.LikelihoodMax))
		a.Likelihood = sc.LikelihoodMax
	}
	a.Derivation = append(a.Derivation, fmt.Sprintf("likelihood %d: %s", a.Likelihood, strings.Join(steps, "; ")))

	// Priority and tier; the severe override comes first (UNGP 24).
	a.Priority = a.Severity * a.Likelihood
	a.Derivation = append(a.Derivation, fmt.Sprintf("priority %d = severity %d x likelihood %d", a.Priority, a.Severity, a.Likelihood))
	tier := sc.Tiers[len(sc.Tiers)-1]
	for _, t := range sc.Tiers {
		if a.Priority >= t.MinPriority {
			tier = t
			break
		}
	}
	tierWhy := fmt.Sprintf("tier %s: priority %d >= %d", tier.Name, a.Priority, tier.MinPriority)
	if o := sc.SevereOverride; o.Tier != "" && a.Severe && a.Likelihood >= o.MinLikelihood && sc.tierRank(o.Tier) > sc.tierRank(tier.Name) {
		for _, t := range sc.Tiers {
			if t.Name == o.Tier {
				tier = t
			}
		}
		tierWhy = fmt.Sprintf("tier %s: severe impact with likelihood %d >= %d goes to the top tier whatever its priority (UNGP 24)", tier.Name, a.Likelihood, o.MinLikelihood)
	}
	a.Tier, a.TierRank, a.Review = tier.Name, sc.tierRank(tier.Name), tier.Review
	a.Derivation = append(a.Derivation, tierWhy)

	// Involvement and leverage choose the response; they come after the
	// tier so that they can never lower it.
	a.Leverage = sc.DefaultLeverage
	levWhy := "default"
	for _, fr := range p.levers {
		r, err := fire(fr)
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", f.Relationship, err)
		}
		if r == nil {
			continue
		}
		a.Modifiers = append(a.Modifiers, *r)
		a.Leverage, levWhy = fr.meta.Leverage, r.ID
	}
	for _, fr := range p.escal {
		r, err := fire(fr)
		if err != nil {
			return nil, fmt.Errorf("assess %s: %w", f.Relationship, err)
		}
		if r != nil {
			a.Modifiers = append(a.Modifiers, *r)
			a.Escalated = true
		}
	}
	invWhy := "default"
	for _, fl := range a.Flags {
		if fl.Involvement == a.Involvement {
			invWhy = fl.ID
			break
		}
	}
	a.Derivation = append(a.Derivation, fmt.Sprintf("involvement %s (%s); leverage %s (%s); escalated %v", a.Involvement, invWhy, a.Leverage, levWhy, a.Escalated))
	for i, r := range sc.Responses {
		if r.matches(a) {
			a.Action, a.ActionWhy = r.Action, r.Why
			a.Derivation = append(a.Derivation, fmt.Sprintf("action %s: response row %d of the policy", r.Action, i+1))
			break
		}
	}

	// Sources cited: those a flag's evidence names, else every linked one
	// of a fired flag that reads sources.
	for _, s := range f.Sources {
		for _, fl := range a.Flags {
			if slices.ContainsFunc(fl.Evidence, func(e string) bool { return e == s.ID || strings.HasPrefix(e, s.ID+" ") }) {
				a.Sources = append(a.Sources, s)
				break
			}
		}
	}
	a.parties = f.deps
	return a, nil
}

func (r *Response) matches(a *Assessment) bool {
	if len(r.Tier) > 0 && !slices.Contains(r.Tier, a.Tier) {
		return false
	}
	if len(r.Involvement) > 0 && !slices.Contains(r.Involvement, a.Involvement) {
		return false
	}
	if len(r.Leverage) > 0 && !slices.Contains(r.Leverage, a.Leverage) {
		return false
	}
	if r.Severe != nil && *r.Severe != a.Severe {
		return false
	}
	if r.Escalated != nil && *r.Escalated != a.Escalated {
		return false
	}
	return true
}

// addFacts records the values of dotted fact paths (end_user.sectors) for
// an explanation, following the json names the rules use. Only fired rules
// pay for it.
func addFacts(out map[string]any, act *activation, paths []string) {
	for _, p := range paths {
		if _, done := out[p]; done {
			continue
		}
		parts := strings.Split(p, ".")
		v, ok := act.native(parts[0])
		for _, name := range parts[1:] {
			if !ok {
				break
			}
			v, ok = field(v, name)
		}
		if ok {
			out[p] = v
		}
	}
}

// field returns the field of a fact struct with that json name.
func field(v any, name string) (any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	t := rv.Type()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag == name {
			return rv.Field(i).Interface(), true
		}
	}
	return nil, false
}

// digestFacts is the SHA-256 of the facts: equal digests under the same
// policy mean an equal assessment, which is not stored again. It encodes the
// facts by hand, without reflection or JSON, because it runs for every
// relationship of every run; Customer, EndUser, Intermediaries and Parents
// are covered through Chain (which holds each with its role), Capabilities
// and Regions through Services. TestDigestCoversEveryFact fails when a new
// fact is left out.
func digestFacts(f *Facts) (string, error) {
	d, _ := appendDigest(f, nil)
	return d, nil
}

// appendDigest is digestFacts encoding into scratch, which it returns for
// the next call, so a worker reuses one buffer for all its relationships.
func appendDigest(f *Facts, scratch []byte) (string, []byte) {
	e := digestBuf{b: scratch[:0]}
	e.str(f.Relationship)
	e.str(f.Account.ID)
	e.str(f.Account.Name)
	e.str(f.Account.BillingCountry)
	e.str(f.Account.OpenedOn)
	e.bool(f.ViaIntermediary)
	e.str(f.Customer.ID)
	e.str(f.EndUser.ID)
	e.n(len(f.Intermediaries))
	for _, p := range f.Intermediaries {
		e.str(p.ID)
	}
	e.n(len(f.Parents))
	for _, p := range f.Parents {
		e.str(p.ID)
	}
	e.n(len(f.Chain))
	for _, p := range f.Chain {
		e.strs(p.ID, p.Type, p.Name, p.Territory, p.Country, p.Role)
		e.list(p.Sectors)
		e.context(p.Context)
	}
	e.n(len(f.Contexts))
	for _, c := range f.Contexts {
		e.context(c)
	}
	e.n(len(f.Services))
	for _, s := range f.Services {
		e.strs(s.Subscription, s.Service, s.Name, s.Region, s.Status, s.StartedOn)
		e.list(s.Capabilities)
	}
	e.n(len(f.Sources))
	for _, s := range f.Sources {
		e.strs(s.ID, s.Title, s.Publisher, s.URL, s.PublishedOn, s.Reliability, s.Grade)
		e.n(s.Credibility)
		e.list(s.PartyIDs)
	}
	e.n(len(f.Matches))
	for _, m := range f.Matches {
		e.strs(m.ID, m.PartyID, m.List, m.Entry, m.Kind, m.Status)
		e.float(m.Score)
	}
	e.n(len(f.Signals))
	for _, s := range f.Signals {
		e.strs(s.ID, s.AccountID, s.Kind, s.Metric, s.Region, s.ToRegion, s.At)
		e.float(s.Factor)
		e.bool(s.AfterEscalation)
	}
	e.n(len(f.Grievances))
	for _, g := range f.Grievances {
		e.strs(g.ID, g.PartyID, g.Status)
		e.list(g.Rights)
	}
	e.n(len(f.Declarations))
	for _, d := range f.Declarations {
		e.strs(d.ID, d.Kind, d.Status, d.Note)
	}
	sum := sha256.Sum256(e.b)
	return hex.EncodeToString(sum[:]), e.b
}

// digestBuf is a length-prefixed encoding, so that no two different fact
// sets encode alike.
type digestBuf struct{ b []byte }

func (e *digestBuf) n(v int) { e.b = binary.AppendVarint(e.b, int64(v)) }

func (e *digestBuf) str(s string) {
	e.n(len(s))
	e.b = append(e.b, s...)
}

func (e *digestBuf) strs(ss ...string) {
	for _, s := range ss {
		e.str(s)
	}
}

func (e *digestBuf) list(ss []string) {
	e.n(len(ss))
	e.strs(ss...)
}

func (e *digestBuf) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *digestBuf) float(v float64) {
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
}

func (e *digestBuf) context(c ContextFact) {
	e.strs(c.Territory, c.Status, c.Source, c.AsOf)
	e.bool(c.HighRisk)
}
