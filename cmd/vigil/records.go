package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/portfolio"
)

func newListCmd(g *globals) *cobra.Command {
	var filters []string
	var q, after string
	var limit int
	cmd := &cobra.Command{
		Use:   "list KIND",
		Short: "List portfolio records of one kind, with filters",
		Long: `List records of one kind (parties, links, accounts, subscriptions, services,
contexts, sources) in id order, one page at a time. Filters per kind:
  parties: type, country, sector      links: from, to, type
  accounts: party_id, billing_country subscriptions: account_id, service_id, region, status
  services: capability                contexts: status, high_risk
  sources: party_id, reliability, publisher`,
		Example: `  vigil list parties --filter sector=military --filter country=NO-03
  vigil list parties -q ministry --limit 20 -o json
  vigil list subscriptions --filter status=suspended -o csv > suspended.csv`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := vigil.ParseKind(args[0])
			if err != nil {
				return err
			}
			opt := vigil.ListOptions{Query: q, After: after, Limit: limit, Filters: map[string]string{}}
			for _, f := range filters {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return usagef("--filter %q: want field=value", f)
				}
				opt.Filters[k] = v
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				page, err := s.List(ctx, kind, opt)
				if err != nil {
					return err
				}
				return printRecords(cmd.OutOrStdout(), g.output, kind, page.Items, page.Next)
			})
		},
	}
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "field=value filter (repeatable)")
	cmd.Flags().StringVarP(&q, "query", "q", "", "case-insensitive part of the name or title")
	cmd.Flags().StringVar(&after, "after", "", "cursor printed at the end of the previous page")
	cmd.Flags().IntVar(&limit, "limit", 100, "page size, 1 to 1000")
	return cmd
}

func newGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "get KIND ID",
		Short:   "Show one portfolio record",
		Example: `  vigil get party P0000042 -o json`,
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := vigil.ParseKind(args[0])
			if err != nil {
				return err
			}
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				rec, err := s.Get(ctx, kind, args[1])
				if err != nil {
					return err
				}
				if g.output == "table" {
					return printRecords(cmd.OutOrStdout(), "table", kind, []vigil.Record{rec}, "")
				}
				return printValue(cmd.OutOrStdout(), g.output, rec)
			})
		},
	}
}

func newChainCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "chain PARTY_OR_ACCOUNT_ID",
		Short: "Show who stands behind a customer: end users through resellers, and parent bodies",
		Long: `Walk the links of a party (or of the party holding an account): downstream
through resells_to and acts_for links to the ultimate end users, and upstream
through owns, controls and unit_of links to the bodies above it.`,
		Example: `  vigil chain P0000123
  vigil chain A0000042 -o json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				id := args[0]
				if acc, err := vigil.GetAs[*vigil.Account](ctx, s, vigil.KindAccount, id); err == nil {
					id = acc.PartyID
				}
				if _, err := s.Get(ctx, vigil.KindParty, id); err != nil {
					return err
				}
				c, err := portfolio.Walk(ctx, s, id)
				if err != nil {
					return err
				}
				if g.output != "table" {
					return printValue(cmd.OutOrStdout(), g.output, c)
				}
				w := cmd.OutOrStdout()
				name := func(pid string) string {
					if p, err := vigil.GetAs[*vigil.Party](ctx, s, vigil.KindParty, pid); err == nil {
						return fmt.Sprintf("%s %s (%s, %s)", pid, p.Name, p.Type, p.Country)
					}
					return pid
				}
				fmt.Fprintln(w, "Party:", name(id))
				section := func(title string, steps []portfolio.Step) {
					fmt.Fprintf(w, "\n%s: %d\n", title, len(steps))
					for _, st := range steps {
						var path []string
						for _, l := range st.Via {
							path = append(path, fmt.Sprintf("%s -%s-> %s", l.From, l.Type, l.To))
						}
						fmt.Fprintf(w, "  %s\n      via %s\n", name(st.PartyID), strings.Join(path, ", "))
					}
				}
				section("End users", c.EndUsers)
				section("Parents", c.Parents)
				if len(c.Cycles) > 0 {
					fmt.Fprintf(w, "\nLinks closing a loop (not followed): %d\n", len(c.Cycles))
				}
				return nil
			})
		},
	}
}

// exactArgs is cobra.ExactArgs with a usage error, so the exit code is 2.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d; see --help", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
