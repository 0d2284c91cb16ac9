package risk

import (
	"fmt"
	"strings"
)

// PolicyMarkdown renders a policy's rules and scoring as Markdown: the part
// of docs/policy.md that a test keeps equal to the shipped policy, so the
// documentation never describes rules Vigil does not run.
func PolicyMarkdown(p *Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Policy version `%s`.\n\n", p.Version())
	b.WriteString("### Red flags\n\n")
	for _, fr := range p.flags {
		m := fr.meta
		fmt.Fprintf(&b, "#### `%s` (section 3, flag %d)\n\n%s\n\n", fr.rule.ID, m.Flag, fr.rule.Description)
		fmt.Fprintf(&b, "- Source: %s\n", m.Framework)
		fmt.Fprintf(&b, "- Rights at risk: %s\n", strings.Join(m.Rights, ", "))
		fmt.Fprintf(&b, "- Impact: scale %d, scope %d, irremediability %d, likelihood %d; involvement %s\n", m.Scale, m.Scope, m.Irremediability, m.Likelihood, m.Involvement)
		fmt.Fprintf(&b, "- Facts read: %s\n\n", codeList(fr.rule.Reads))
		fmt.Fprintf(&b, "```cel\n%s\n```\n\n", strings.TrimSpace(fr.rule.Expr))
		if fr.rule.Evidence != "" {
			fmt.Fprintf(&b, "Evidence cited when it fires:\n\n```cel\n%s\n```\n\n", strings.TrimSpace(fr.rule.Evidence))
		}
	}
	b.WriteString("### Likelihood, leverage and escalation rules\n\n")
	for _, group := range [][]*flagRule{p.raisers, p.levers, p.escal} {
		for _, fr := range group {
			fmt.Fprintf(&b, "#### `%s` (%s)\n\n%s\n\n```cel\n%s\n```\n\n", fr.rule.ID, fr.meta.Kind, fr.rule.Description, strings.TrimSpace(fr.rule.Expr))
		}
	}
	sc := p.Scoring
	b.WriteString("### Scoring constants\n\n")
	fmt.Fprintf(&b, "- Baseline: scale %d, scope %d, irremediability %d, likelihood %d\n", sc.Baseline.Scale, sc.Baseline.Scope, sc.Baseline.Irremediability, sc.Baseline.Likelihood)
	fmt.Fprintf(&b, "- Severe when any of scale, scope, irremediability is at least %d\n", sc.SevereAt)
	fmt.Fprintf(&b, "- Likelihood +%d with at least %d red flags; at most %d\n", sc.SeveralFlags.Raise, sc.SeveralFlags.AtLeast, sc.LikelihoodMax)
	fmt.Fprintf(&b, "- Severe with likelihood at least %d: tier %s whatever the priority\n", sc.SevereOverride.MinLikelihood, sc.SevereOverride.Tier)
	fmt.Fprintf(&b, "- Involvement, weakest to strongest: %s (default %s); leverage by default: %s\n\n", strings.Join(sc.Involvement.Order, ", "), sc.Involvement.Default, sc.DefaultLeverage)
	b.WriteString("| Tier | Priority from | Review |\n|---|---|---|\n")
	for _, t := range sc.Tiers {
		fmt.Fprintf(&b, "| %s | %d | %s |\n", t.Name, t.MinPriority, t.Review)
	}
	b.WriteString("\nResponses, first matching row wins:\n\n| # | Tier | Involvement | Leverage | Severe | Escalated | Action | Why |\n|---|---|---|---|---|---|---|---|\n")
	for i, r := range sc.Responses {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", i+1, anyOf(r.Tier), anyOf(r.Involvement), anyOf(r.Leverage), boolCell(r.Severe), boolCell(r.Escalated), r.Action, r.Why)
	}
	return b.String()
}

func codeList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "`" + v + "`"
	}
	return strings.Join(out, ", ")
}

func anyOf(vs []string) string {
	if len(vs) == 0 {
		return "any"
	}
	return strings.Join(vs, ", ")
}

func boolCell(b *bool) string {
	if b == nil {
		return "any"
	}
	if *b {
		return "yes"
	}
	return "no"
}
