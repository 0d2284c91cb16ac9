package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/demo"
	vhttp "github.com/vigil-hrdd/vigil/http"
	"github.com/vigil-hrdd/vigil/screen/screening"
	"github.com/vigil-hrdd/vigil/transfer"
	"github.com/vigil-hrdd/vigil/usage"
)

func newDemoCmd(g *globals) *cobra.Command {
	var parties int
	var seed uint64
	var addr string
	var noServe bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Vigil on a synthetic portfolio: generate, import, serve",
		Long: `Generate a deterministic synthetic portfolio of a cloud and AI provider (all
names invented), import it into an embedded SQLite database under the data
directory (default ./vigil-demo), and serve the API and the proof log on
127.0.0.1, printing the address and an admin token. Ctrl-C stops it cleanly.
Running it again serves the database it built, as it stands; delete the data
directory to start over.`,
		Example: `  vigil demo
  vigil demo --parties 20000 --seed 7 --addr 127.0.0.1:9000
  vigil demo generate --parties 1000000 --seed 1 --out /tmp/portfolio`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("data-dir") && !cmd.Root().PersistentFlags().Changed("data-dir") && envOr("VIGIL_DATA_DIR", "") == "" {
				g.dataDir = "vigil-demo"
			}
			w := cmd.OutOrStdout()
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := setup(ctx, g, s, "vigil.demo/log", true)
			if err != nil {
				return err
			}
			// A demo database that holds a portfolio already is served as
			// it is: importing the generated files again would set the
			// subscriptions its enforcement suspended back to active.
			existing, err := s.Count(ctx, vigil.KindParty)
			if err != nil {
				return err
			}
			if existing > 0 {
				fmt.Fprintf(w, "the demo database %s holds %d parties already: serving it as it is (delete %s to start over)\n", g.dbURL(), existing, g.dataDir)
			} else if err := demoBuild(ctx, g, s, parties, seed, w); err != nil {
				return err
			}
			uiPassword, err := demoUIPassword(ctx, s)
			if err != nil {
				return err
			}
			if noServe {
				fmt.Fprintf(w, "demo database ready: %s (web UI password %s); 'vigil log flush' appends its events to the log\n", g.dbURL(), uiPassword)
				return nil
			}
			return serve(ctx, g, s, addr, func(url string) {
				fmt.Fprintf(w, `
Vigil demo running at %s   (Ctrl-C stops it)
  database:      %s
  web UI:        %s/ui/   user admin, password %s
                 demo-analyst, demo-approver, demo-auditor and demo-officer (grievances)
                 share that password: sign in as each to see what each role may do
  admin token:   %s
  log key:       %s
Try:
  curl -H "Authorization: Bearer %s" %s/api/v1/parties?limit=5
  curl %s/log/checkpoint
`, url, g.dbURL(), url, uiPassword, res.adminToken, res.verifierKey, res.adminToken, url, url)
			})
		},
	}
	cmd.Flags().IntVar(&parties, "parties", 2000, "number of parties to generate")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same portfolio")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "build the demo database and stop, without serving (for scripts, such as the example report)")
	cmd.AddCommand(newDemoGenerateCmd())
	return cmd
}

// demoBuild fills an empty demo database: a generated portfolio, a year of
// usage with its signals, screening, assessments, cases, and one case taken
// from alert to verified suspension.
func demoBuild(ctx context.Context, g *globals, s vigil.Store, parties int, seed uint64, w io.Writer) error {
	dir := filepath.Join(g.dataDir, "portfolio")
	counts, err := demo.Generate(dir, demo.Options{Parties: parties, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "generated %d records (%d parties) in %s\n", counts.Total(), counts["parties"], dir)
	start := time.Now()
	sums, err := transfer.ImportDir(ctx, s, dir, "demo", progressFor)
	if err != nil {
		return err
	}
	if err := printSummaries(w, "table", sums, time.Since(start)); err != nil {
		return err
	}
	if err := demoUsageAndRisk(ctx, g, s, dir, seed, w); err != nil {
		return err
	}
	if err := demoCase(ctx, s, w); err != nil {
		return err
	}
	return demoGrievances(ctx, g, s, w)
}

func newDemoGenerateCmd() *cobra.Command {
	var parties int
	var seed uint64
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a synthetic portfolio of any size as import files",
		Long: `Write one CSV file per kind (services, contexts, parties, links, accounts,
subscriptions, sources) into a directory, ready for 'vigil import all DIR'.
The same --seed and --parties always give the same bytes.`,
		Example: `  vigil demo generate --parties 1000000 --seed 1 --out /tmp/portfolio
  vigil import all /tmp/portfolio`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			start := time.Now()
			counts, err := demo.Generate(out, demo.Options{Parties: parties, Seed: seed})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d records in %.1fs to %s:\n", counts.Total(), time.Since(start).Seconds(), out)
			for _, k := range []string{"services", "contexts", "parties", "links", "accounts", "subscriptions", "sources"} {
				fmt.Fprintf(cmd.OutOrStdout(), "  %-14s %d\n", k, counts[vigilKind(k)])
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&parties, "parties", 10000, "number of parties")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the files to")
	return cmd
}

// demoUsers are the demo's users besides admin, one per role that acts.
var demoUsers = []struct {
	id, name string
	role     vigil.Role
}{
	{"demo-analyst", "Demo Analyst", vigil.RoleAnalyst},
	{"demo-approver", "Demo Approver", vigil.RoleApprover},
	{"demo-auditor", "Demo Auditor", vigil.RoleAuditor},
	{"demo-officer", "Demo Grievance Officer", vigil.RoleGrievanceOfficer},
}

// demoUIPassword gives the demo's admin a fresh random web UI password on
// every run, printed with the address: the demo serves only 127.0.0.1, and
// a fixed password would outlive the demo in copied databases.
func demoUIPassword(ctx context.Context, s vigil.Store) (string, error) {
	ws, ok := s.(vigil.WebStore)
	if !ok {
		return "", fmt.Errorf("the store %T keeps no web passwords", s)
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo password: %w", err)
	}
	pw := "demo-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	hash, err := vhttp.HashPassword(pw)
	if err != nil {
		return "", err
	}
	// One password for every demo user, so that trying another role (the
	// approver's second pair of eyes, the auditor's read-only view, the
	// grievance officer's inbox) is one sign-in away.
	for _, u := range demoUsers {
		if _, err := demoUser(ctx, s, u.id, u.name, u.role); err != nil {
			return "", err
		}
	}
	users, err := s.ListUsers(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if u.ID != "admin" && !strings.HasPrefix(u.ID, "demo-") {
			continue
		}
		if err := ws.SetPassword(ctx, u.ID, hash, "demo"); err != nil {
			return "", fmt.Errorf("demo password: %w", err)
		}
	}
	return pw, nil
}

// demoUsageAndRisk gives the demo a year of metered usage with its planted
// escalations, evaluates the signal rules on it and assesses every
// relationship, so the API and the UI open on a portfolio already reviewed.
func demoUsageAndRisk(ctx context.Context, g *globals, s vigil.Store, dir string, seed uint64, w io.Writer) error {
	us, err := usage.StoreOf(s)
	if err != nil {
		return err
	}
	res, err := usage.GenerateDemo(dir, usage.DemoOptions{Seed: seed})
	if err != nil {
		return err
	}
	ing, _, err := ingestFile(ctx, us, res.File)
	if err != nil {
		return err
	}
	rules, err := usage.LoadRules("")
	if err != nil {
		return err
	}
	ev, err := usage.Evaluate(ctx, us, s, rules, res.AsOf, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "usage: %d records (%d new), %d signals as of %s\n", ing.Received, ing.Created, ev.Fired, res.AsOf)
	for _, e := range res.Escalations {
		fmt.Fprintf(w, "  planted: %s\n", e)
	}
	// Screening before the assessment, so the showcase unit's pending
	// match is among the facts its relationships are assessed on.
	scr, err := screening.DemoList(ctx, s, dir, "demo")
	if err != nil {
		return fmt.Errorf("demo screening: %w", err)
	}
	if scr.Run != nil {
		fmt.Fprintf(w, "screening: list %s v%d (%d entries), %d parties screened, %d new matches to review\n",
			scr.Import.List, scr.Import.Version, scr.Import.Entries, scr.Run.PartiesScreened, scr.Run.Found)
	}
	a, err := newAssessor(g, s, slog.Default())
	if err != nil {
		return err
	}
	sum, err := a.step(ctx, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "assessments: %d relationships", sum.Relationships)
	for _, tier := range slices.Sorted(maps.Keys(sum.ByTier)) {
		fmt.Fprintf(w, ", %s %d", tier, sum.ByTier[tier])
	}
	fmt.Fprintln(w)
	cases, err := casework.NewService(s, casework.Config{})
	if err != nil {
		return err
	}
	minTier, err := caseMinTierRank()
	if err != nil {
		return err
	}
	auto, err := cases.OpenFromAssessments(ctx, minTier, casework.SystemActor)
	if err != nil {
		return fmt.Errorf("demo cases: %w", err)
	}
	fmt.Fprintf(w, "cases: %d opened for relationships at tier rank %d or above (%d already open)\n", len(auto.Opened), minTier, auto.AlreadyOpen)
	return nil
}
