package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/risk"
)

// loadRiskPolicy reads the policy file at path, or the default policy when
// path is empty.
func loadRiskPolicy(path string) (*risk.Policy, error) {
	if path == "" {
		return risk.DefaultPolicyLoaded()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	p, err := risk.LoadPolicy(path, data)
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "policy refused:\n%v", err)
	}
	return p, nil
}

func riskStore(s vigil.Store) (risk.Store, error) {
	rs, ok := s.(risk.Store)
	if !ok {
		return nil, vigil.Errorf(vigil.EINTERNAL, "the store %T keeps no assessments", s)
	}
	return rs, nil
}

func newAssessCmd(g *globals) *cobra.Command {
	var all bool
	var since int64
	var partyID, accountID, policyPath string
	cmd := &cobra.Command{
		Use:   "assess [--all | --party ID | --account ID]",
		Short: "Assess the human-rights risk of relationships and store the explained results",
		Long: `Assess relationships (an account and the end user it serves, through any
resellers) under the risk policy: red flags on the facts, severity from scale,
scope and irremediability, likelihood, priority, tier and recommended action.
Every result is stored as a new version when it changed; a change of tier is
an event in the proof log.

--all assesses the whole portfolio (the default); --party re-assesses every
relationship the party takes part in (as customer, intermediary, end user or
parent body); --account the relationships of one account; --since SEQ only
the relationships that depend on the records changed by the events after
sequence number SEQ (see vigil log), and prints the number to pass next.

The policy is the default one shipped with Vigil (see docs/policy.md) unless
--policy names a file; a file with an error is refused with its line and the
CEL message, and nothing is assessed.`,
		Example: `  vigil assess --all
  vigil assess --party P0000042
  vigil assess --since 1200
  vigil assess --all --policy my-policy.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, set := range []bool{all, partyID != "", accountID != "", cmd.Flags().Changed("since")} {
				if set {
					n++
				}
			}
			if n > 1 {
				return usagef("give one of --all, --party, --account and --since")
			}
			p, err := loadRiskPolicy(policyPath)
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				rs, err := riskStore(s)
				if err != nil {
					return err
				}
				e := risk.NewEngine(rs, p, risk.Options{Enrichers: risk.EnrichersFor(rs)})
				var sum risk.Summary
				next := int64(-1)
				switch {
				case cmd.Flags().Changed("since"):
					next, sum, err = e.RecomputeSince(ctx, since, actor())
				case partyID != "":
					sum, err = e.AssessParty(ctx, partyID, actor())
				case accountID != "":
					if _, err := s.Get(ctx, vigil.KindAccount, accountID); err != nil {
						return err
					}
					sum, err = e.Recompute(ctx, risk.Change{Accounts: []string{accountID}}, actor())
				default:
					// A full run keeps the whole portfolio in memory, and the
					// collector rescanning it costs a third of the CPU at the
					// default setting; twice the headroom cuts the run's CPU by
					// about 30 % (risk/BENCHMARKS-risk.md). GOGC, when set, wins.
					if os.Getenv("GOGC") == "" {
						defer debug.SetGCPercent(debug.SetGCPercent(200))
					}
					sum, err = e.AssessAll(ctx, actor())
				}
				if err != nil {
					return err
				}
				if g.output != "table" {
					return printValue(cmd.OutOrStdout(), g.output, sum)
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "policy %s\n", sum.PolicyVersion)
				fmt.Fprintf(w, "%d relationships of %d accounts: %d stored, %d unchanged, %d retired, %d tier changes, in %v\n",
					sum.Relationships, sum.Accounts, sum.Stored, sum.Unchanged, sum.Retired, sum.TierChanges, sum.Duration.Round(1e6))
				for _, t := range p.Scoring.Tiers {
					fmt.Fprintf(w, "  %-10s %d\n", t.Name, sum.ByTier[t.Name])
				}
				if next >= 0 {
					fmt.Fprintf(w, "next: --since %d\n", next)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "assess every relationship (the default)")
	cmd.Flags().StringVar(&partyID, "party", "", "re-assess the relationships this party takes part in")
	cmd.Flags().StringVar(&accountID, "account", "", "re-assess the relationships of this account")
	cmd.Flags().Int64Var(&since, "since", 0, "re-assess what the events after this sequence number changed")
	cmd.Flags().StringVar(&policyPath, "policy", envOr("VIGIL_RISK_POLICY", ""), "risk policy file (env VIGIL_RISK_POLICY; default: the shipped policy)")
	return cmd
}

func newRiskCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Read assessments: the ranked list, one relationship's explanation, the policy",
		Example: `  vigil risk top --n 50
  vigil risk show 'A0000001~P0000004'
  vigil risk policy > my-policy.yaml`,
	}
	cmd.AddCommand(newRiskTopCmd(g), newRiskShowCmd(g), newRiskPolicyCmd())
	return cmd
}

func newRiskTopCmd(g *globals) *cobra.Command {
	var n int
	var tier, partyID string
	cmd := &cobra.Command{
		Use:   "top",
		Short: "List the relationships to look at first: by tier, then priority",
		Example: `  vigil risk top --n 50
  vigil risk top --tier critical -o csv
  vigil risk top --party P0000042`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				rs, err := riskStore(s)
				if err != nil {
					return err
				}
				f := risk.TopFilter{Limit: n, PartyID: partyID}
				if tier != "" {
					// Tier names come from the stored rows, so a provider's own
					// tiers work; the rank is looked up from one of them.
					p, err := risk.DefaultPolicyLoaded()
					if err != nil {
						return err
					}
					rank := -1
					for i, t := range p.Scoring.Tiers {
						if t.Name == tier {
							rank = len(p.Scoring.Tiers) - 1 - i
						}
					}
					if rank < 0 {
						return usagef("--tier %q: not a tier of the default policy", tier)
					}
					f.MinTierRank = rank
				}
				rows, err := rs.TopAssessments(ctx, f)
				if err != nil {
					return err
				}
				if g.output == "json" {
					return printValue(cmd.OutOrStdout(), g.output, rows)
				}
				header := []string{"tier", "priority", "action", "relationship", "customer", "end_user", "version", "policy"}
				var table [][]string
				for _, r := range rows {
					table = append(table, []string{r.Tier, strconv.Itoa(r.Priority), r.Action, r.ID, r.CustomerID, r.EndUserID, strconv.Itoa(r.Version), r.PolicyVersion})
				}
				if g.output == "csv" {
					return writeCSV(cmd.OutOrStdout(), header, table)
				}
				return printTable(cmd.OutOrStdout(), header, table)
			})
		},
	}
	cmd.Flags().IntVarP(&n, "n", "n", 50, "how many, 1 to 10000")
	cmd.Flags().StringVar(&tier, "tier", "", "only this tier and those above it")
	cmd.Flags().StringVar(&partyID, "party", "", "only relationships with this customer or end user")
	return cmd
}

func newRiskShowCmd(g *globals) *cobra.Command {
	var version int
	var history bool
	cmd := &cobra.Command{
		Use:   "show RELATIONSHIP",
		Short: "Show one relationship's assessment with its explanation",
		Long: `Show the assessment of one relationship (ACCOUNT~END_USER, as vigil risk top
prints it): the red flags that fired, the facts each one read and the evidence
it cites, how each number was reached, the recommended action and the policy
version. --version shows an older version; --history lists them all.`,
		Example: `  vigil risk show 'A0000001~P0000004'
  vigil risk show 'A0000001~P0000004' --version 1 -o json
  vigil risk show 'A0000001~P0000004' --history`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				rs, err := riskStore(s)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if history {
					rows, err := rs.AssessmentVersions(ctx, args[0])
					if err != nil {
						return err
					}
					if len(rows) == 0 {
						return vigil.Errorf(vigil.ENOTFOUND, "no assessment of relationship %q", args[0])
					}
					if g.output == "json" {
						return printValue(w, g.output, rows)
					}
					header := []string{"version", "tier", "priority", "action", "assessed_at", "assessed_by", "policy", "current"}
					var table [][]string
					for _, r := range rows {
						table = append(table, []string{strconv.Itoa(r.Version), r.Tier, strconv.Itoa(r.Priority), r.Action,
							r.AssessedAt.Format("2006-01-02 15:04:05"), r.AssessedBy, r.PolicyVersion, strconv.FormatBool(r.Current && !r.Retired)})
					}
					if g.output == "csv" {
						return writeCSV(w, header, table)
					}
					return printTable(w, header, table)
				}
				row, err := rs.GetAssessment(ctx, args[0], version)
				if err != nil {
					return err
				}
				if g.output != "table" {
					var v any
					if err := json.Unmarshal(row.Doc, &v); err != nil {
						return fmt.Errorf("stored assessment %s: %w", row.ID, err)
					}
					return printValue(w, g.output, v)
				}
				var a risk.Assessment
				if err := json.Unmarshal(row.Doc, &a); err != nil {
					return fmt.Errorf("stored assessment %s: %w", row.ID, err)
				}
				printExplanation(w, &a, row)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "show this version (default: the current one)")
	cmd.Flags().BoolVar(&history, "history", false, "list every version")
	return cmd
}

// printExplanation writes an assessment for a reader at a terminal.
func printExplanation(w io.Writer, a *risk.Assessment, row *risk.Row) {
	state := "current"
	if row.Retired {
		state = "retired: the relationship no longer exists"
	} else if !row.Current {
		state = "superseded"
	}
	fmt.Fprintf(w, "Relationship %s, version %d (%s)\n", a.ID, a.Version, state)
	fmt.Fprintf(w, "  account %s, customer %s, end user %s\n", a.AccountID, a.CustomerID, a.EndUserID)
	fmt.Fprintf(w, "  path: %s\n", strings.Join(a.Path, " -> "))
	fmt.Fprintf(w, "  assessed %s by %s under policy %s\n\n", a.AssessedAt.Format("2006-01-02 15:04:05 MST"), a.AssessedBy, a.PolicyVersion)
	fmt.Fprintf(w, "TIER %s, priority %d: %s\n", strings.ToUpper(a.Tier), a.Priority, a.Review)
	fmt.Fprintf(w, "ACTION %s: %s\n\n", a.Action, a.ActionWhy)
	fmt.Fprintf(w, "Red flags (%d):\n", len(a.Flags))
	for _, f := range a.Flags {
		fmt.Fprintf(w, "  %s (section 3 flag %d): %s\n", f.ID, f.Flag, f.Description)
		fmt.Fprintf(w, "      rights: %s; framework: %s\n", strings.Join(f.Rights, ", "), f.Framework)
		fmt.Fprintf(w, "      scale %d, scope %d, irremediability %d, likelihood %d, involvement %s\n", f.Scale, f.Scope, f.Irremediability, f.Likelihood, f.Involvement)
		if len(f.Evidence) > 0 {
			fmt.Fprintf(w, "      evidence: %s\n", strings.Join(f.Evidence, "; "))
		}
		fmt.Fprintf(w, "      read: %s\n", strings.Join(f.Reads, ", "))
	}
	if len(a.Facts) > 0 {
		fmt.Fprintln(w, "\nFacts the fired rules read:")
		for _, k := range sortedFactKeys(a.Facts) {
			b, _ := json.Marshal(a.Facts[k])
			s := string(b)
			if len(s) > 200 {
				s = s[:199] + "…"
			}
			fmt.Fprintf(w, "  %s = %s\n", k, s)
		}
	}
	if len(a.Modifiers) > 0 {
		fmt.Fprintln(w, "\nLikelihood, leverage and escalation rules that fired:")
		for _, m := range a.Modifiers {
			fmt.Fprintf(w, "  %s (%s): %s\n", m.ID, m.Kind, m.Description)
		}
	}
	fmt.Fprintln(w, "\nHow the numbers were reached:")
	for _, d := range a.Derivation {
		fmt.Fprintf(w, "  %s\n", d)
	}
	if len(a.Sources) > 0 {
		fmt.Fprintln(w, "\nSources cited:")
		for _, s := range a.Sources {
			fmt.Fprintf(w, "  %s [%s] %s, %s %s %s\n", s.ID, s.Grade, s.Title, s.Publisher, s.PublishedOn, s.URL)
		}
	}
}

func sortedFactKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func newRiskPolicyCmd() *cobra.Command {
	var check string
	cmd := &cobra.Command{
		Use:   "policy [--check FILE]",
		Short: "Print the default risk policy, or check a policy file",
		Long: `Without flags, print the default policy: a starting point to copy and edit.
With --check, load a policy file and report every error with its line and the
CEL message; the exit code is 3 when the file is refused.`,
		Example: `  vigil risk policy > my-policy.yaml
  vigil risk policy --check my-policy.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if check == "" {
				_, err := cmd.OutOrStdout().Write(risk.DefaultPolicy)
				return err
			}
			p, err := loadRiskPolicy(check)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: policy %s, %d rules, digest %s\n", check, p.Version(), len(p.Set.Rules), p.Set.Digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&check, "check", "", "policy file to check")
	return cmd
}
