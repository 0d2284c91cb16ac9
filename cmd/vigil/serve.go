package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/casework"
	"github.com/vigil-hrdd/vigil/grievance"
	vhttp "github.com/vigil-hrdd/vigil/http"
	"github.com/vigil-hrdd/vigil/risk"
	"github.com/vigil-hrdd/vigil/tlog"
)

func newServeCmd(g *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API and the proof log, and relay events into the log",
		Long: `Serve the JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json), the proof
log read-only under /log/, /healthz and /metrics, and append every recorded
event to the log. Needs 'vigil init' first and the log key's passphrase in
` + tlog.PassphraseEnv + `.`,
		Example: `  VIGIL_LOG_PASSPHRASE=... vigil serve --addr 127.0.0.1:8080
  vigil serve --db postgres://vigil@db.internal/vigil --addr :8080
  vigil serve --witness-policy witnesses.policy   # publish checkpoints only once witnesses cosigned`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, s vigil.Store) error {
				return serve(ctx, g, s, addr, func(url string) {
					fmt.Fprintf(cmd.OutOrStdout(), "Vigil serving on %s (web UI at %s/ui/; Ctrl-C stops)\n", url, url)
				})
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&g.witnessPolicy, "witness-policy", envOr("VIGIL_WITNESS_POLICY", ""), "witness policy file (Sigsum format, C2SP keys): checkpoints are published once its quorum cosigned them (docs/verification.md)")
	cmd.Flags().BoolVar(&g.witnessFailOpen, "witness-fail-open", false, "publish checkpoints even when the witnesses do not answer in time")
	return cmd
}

// serve runs the relay and the HTTP server until ctx ends, then stops both
// and closes the log cleanly.
func serve(ctx context.Context, g *globals, s vigil.Store, addr string, ready func(url string)) error {
	pass, err := g.passphrase(false)
	if err != nil {
		return fmt.Errorf("the log key is sealed: set %s (or run 'vigil init' first)", tlog.PassphraseEnv)
	}
	signer, err := tlog.LoadSigner(g.keysDir(), pass)
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(g.keysDir(), tlog.PrivateKeyFile)); statErr != nil {
			return fmt.Errorf("no log key in %s: run 'vigil init' first", g.keysDir())
		}
		return err
	}
	logger := slog.Default()
	cfg := tlog.Config{Dir: g.logDir(), Signer: signer, Logger: logger, WitnessFailOpen: g.witnessFailOpen}
	if g.witnessPolicy != "" {
		if cfg.WitnessPolicy, err = os.ReadFile(g.witnessPolicy); err != nil {
			return fmt.Errorf("witness policy: %w", err)
		}
	}
	l, err := tlog.Open(ctx, cfg)
	if err != nil {
		return err
	}
	relay := tlog.NewRelay(s, l, tlog.RelayConfig{Logger: logger})
	relayDone := make(chan error, 1)
	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	go func() { relayDone <- relay.Run(relayCtx) }()

	recomputeDone := make(chan struct{})
	go func() {
		defer close(recomputeDone)
		keepAssessed(relayCtx, g, s, logger)
	}()
	screenDone := startScreening(relayCtx, g, s, logger)

	grievances, err := g.grievanceServeOption()
	if err != nil {
		stopRelay()
		return err
	}
	enforcement, err := enforcementServerOptions()
	if err != nil {
		stopRelay()
		return err
	}
	opts := append([]vhttp.Option{vhttp.Mount("/log/", tlog.Handler(g.logDir())), grievances}, enforcement...)
	srv, err := vhttp.NewServer(s, logger, opts...)
	if err != nil {
		stopRelay()
		return err
	}
	enforceDone := make(chan struct{})
	go func() {
		defer close(enforceDone)
		keepEnforced(relayCtx, s, logger)
	}()
	promisesDone := make(chan struct{})
	go func() {
		defer close(promisesDone)
		keepPromisesMarked(relayCtx, s, logger)
	}()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		stopRelay()
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	ready("http://" + ln.Addr().String())
	serveErr := srv.Serve(ctx, ln)

	// Drain what was recorded before stopping, so a clean stop leaves
	// nothing pending in the outbox.
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30e9)
	defer cancel()
	if _, err := relay.Flush(flushCtx); err != nil {
		logger.Warn("flush the outbox on stop", "err", err)
	}
	stopRelay()
	<-recomputeDone
	<-screenDone
	<-enforceDone
	<-promisesDone
	if err := <-relayDone; err != nil && !errors.Is(err, context.Canceled) {
		logger.Warn("relay stopped", "err", err)
	}
	if err := l.Close(flushCtx); err != nil {
		logger.Warn("close the log", "err", err)
	}
	if errors.Is(serveErr, context.Canceled) {
		return nil
	}
	return serveErr
}

// enforceEvery is how often the server carries approved decisions to the
// control plane and verifies those confirmed.
const enforceEvery = 30 * time.Second

// keepEnforced plans, dispatches and verifies enforcement in the
// background when a control plane is configured (VIGIL_CONTROL_PLANE_URL
// and VIGIL_CONTROL_PLANE_SECRET); without one, 'vigil enforce run' does
// it on demand.
func keepEnforced(ctx context.Context, s vigil.Store, logger *slog.Logger) {
	if os.Getenv("VIGIL_CONTROL_PLANE_URL") == "" {
		return
	}
	cp := controlPlaneFlags{url: os.Getenv("VIGIL_CONTROL_PLANE_URL"), callbackURL: os.Getenv("VIGIL_CALLBACK_URL"), timeout: 30 * time.Second}
	wh, err := cp.webhook()
	if err != nil {
		logger.Error("enforcement is not running", "err", err)
		return
	}
	e, err := newEnforcer(s, wh, 3, 8, logger)
	if err != nil {
		logger.Error("enforcement is not running", "err", err)
		return
	}
	tick := time.NewTicker(enforceEvery)
	defer tick.Stop()
	for {
		var out strings.Builder
		if changed, err := e.step(ctx, &out); err != nil && ctx.Err() == nil {
			logger.Warn("enforcement round", "err", err)
		} else if changed {
			logger.Info("enforcement round", "summary", strings.ReplaceAll(strings.TrimSpace(out.String()), "\n", "; "))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// keepPromisesMarked records, once per promise and at most an hour late,
// that a promise to stakeholders passed its due date unanswered: the
// transparency report counts those events, so they must not wait for
// someone to run 'vigil engagements overdue'.
func keepPromisesMarked(ctx context.Context, s vigil.Store, logger *slog.Logger) {
	gs, err := grievance.StoreOf(s)
	if err != nil {
		return
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if marked, err := gs.MarkOverduePromises(ctx, time.Now(), "system:grievance"); err != nil && ctx.Err() == nil {
			logger.Warn("mark overdue promises", "err", err)
		} else if len(marked) > 0 {
			logger.Info("promises to stakeholders fell overdue", "count", len(marked))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// caseMinTierEnv names the tier rank at which an assessment opens a case by
// itself (3, critical, in the default policy).
const caseMinTierEnv = "VIGIL_CASE_MIN_TIER_RANK"

func caseMinTierRank() (int, error) {
	v := envOr(caseMinTierEnv, "3")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a tier rank, 0 or more", caseMinTierEnv, v)
	}
	return n, nil
}

// recomputeEvery is how often the server re-assesses what changed: facts
// move at the pace of people and imports, not of requests.
const recomputeEvery = 5 * time.Second

// assessor follows the outbox and re-assesses the relationships whose facts
// changed, remembering how far it read in the data directory so a restart
// neither misses nor repeats a change. A first start reads from the
// beginning, which assesses everything once.
type assessor struct {
	engine     *risk.Engine
	cursorFile string
	cursor     int64
	logger     *slog.Logger
}

func newAssessor(g *globals, s vigil.Store, logger *slog.Logger) (*assessor, error) {
	rs, ok := s.(risk.Store)
	if !ok {
		return nil, fmt.Errorf("the %T store keeps no assessments", s)
	}
	p, err := risk.DefaultPolicyLoaded()
	if path := os.Getenv("VIGIL_RISK_POLICY"); path != "" && err == nil {
		var data []byte
		if data, err = os.ReadFile(path); err == nil {
			p, err = risk.LoadPolicy(path, data)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("risk policy: %w", err)
	}
	a := &assessor{
		engine:     risk.NewEngine(rs, p, risk.Options{Enrichers: risk.EnrichersFor(rs), Logger: logger}),
		cursorFile: filepath.Join(g.dataDir, "risk-cursor"),
		logger:     logger,
	}
	if b, err := os.ReadFile(a.cursorFile); err == nil {
		a.cursor, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	return a, nil
}

// step re-assesses what changed since the last step.
func (a *assessor) step(ctx context.Context, actor string) (risk.Summary, error) {
	next, sum, err := a.engine.RecomputeSince(ctx, a.cursor, actor)
	if err != nil {
		return sum, err
	}
	if next != a.cursor {
		a.cursor = next
		if err := os.WriteFile(a.cursorFile, []byte(strconv.FormatInt(next, 10)+"\n"), 0o644); err != nil {
			return sum, fmt.Errorf("save the recompute cursor: %w", err)
		}
	}
	return sum, nil
}

func keepAssessed(ctx context.Context, g *globals, s vigil.Store, logger *slog.Logger) {
	a, err := newAssessor(g, s, logger)
	if err != nil {
		logger.Error("assessments are not kept up to date", "err", err)
		return
	}
	cases, err := casework.NewService(s, casework.Config{Logger: logger})
	if err != nil {
		logger.Error("cases are not opened automatically", "err", err)
	}
	minTier, err := caseMinTierRank()
	if err != nil {
		logger.Error("cases are not opened automatically", "err", err)
		cases = nil
	}
	tick := time.NewTicker(recomputeEvery)
	defer tick.Stop()
	first := true
	for {
		before := a.cursor
		if sum, err := a.step(ctx, "system:risk"); err != nil && ctx.Err() == nil {
			logger.Warn("recompute assessments", "after", before, "err", err)
		} else if sum.Stored+sum.Retired > 0 || first {
			if sum.Stored+sum.Retired > 0 {
				logger.Info("assessments recomputed", "through_event", a.cursor, "summary", fmt.Sprintf("%+v", sum))
			}
			// A relationship that reached the case tier gets its case at
			// once; a restart catches up on any missed while stopped.
			if cases != nil {
				if auto, err := cases.OpenFromAssessments(ctx, minTier, casework.SystemActor); err != nil && ctx.Err() == nil {
					logger.Warn("open cases from assessments", "err", err)
				} else if len(auto.Opened) > 0 {
					logger.Info("cases opened", "count", len(auto.Opened), "min_tier_rank", minTier)
				}
			}
			first = false
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
