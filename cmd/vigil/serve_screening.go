package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/screen/screening"
)

// screenEvery is how often the server looks for parties and list versions
// to screen: as often as it re-assesses, so a party created through the
// API has its matches, and then its assessment, within seconds.
const screenEvery = 5 * time.Second

// screeningActor records the server's own screening runs.
const screeningActor = "system:screening"

// screener follows the outbox and screens what changed: a party created
// or changed (by the API, the CLI or an import) and every party against a
// new list version's new entries. Like the assessor it keeps how far it
// read in the data directory; losing that file costs one pass over the
// outbox, which screens nothing twice (runs compare stored contents).
type screener struct {
	svc        *screening.Service
	cursorFile string
	cursor     int64
}

func newScreener(g *globals, s vigil.Store, logger *slog.Logger) (*screener, error) {
	svc, err := screening.New(s, screening.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	sc := &screener{svc: svc, cursorFile: filepath.Join(g.dataDir, "screening-cursor")}
	b, err := os.ReadFile(sc.cursorFile)
	switch {
	case err == nil:
		if sc.cursor, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil || sc.cursor < 0 {
			// Reading from the start again is safe; a wrong cursor that
			// skipped events would not be.
			logger.Warn("screening cursor unreadable: reading the outbox from the start", "file", sc.cursorFile)
			sc.cursor = 0
		}
	case !os.IsNotExist(err):
		return nil, fmt.Errorf("read the screening cursor: %w", err)
	}
	return sc, nil
}

// step screens what the events since the last step changed and saves how
// far it read, only once the run is stored.
func (sc *screener) step(ctx context.Context) (*screening.Run, error) {
	next, run, err := sc.svc.ScreenSince(ctx, sc.cursor, screeningActor)
	if err != nil {
		return nil, err
	}
	if next != sc.cursor {
		tmp := sc.cursorFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.FormatInt(next, 10)+"\n"), 0o644); err != nil {
			return run, fmt.Errorf("save the screening cursor: %w", err)
		}
		if err := os.Rename(tmp, sc.cursorFile); err != nil {
			return run, fmt.Errorf("save the screening cursor: %w", err)
		}
		sc.cursor = next
	}
	return run, nil
}

// keepScreened runs the screener until ctx ends.
func keepScreened(ctx context.Context, g *globals, s vigil.Store, logger *slog.Logger) {
	sc, err := newScreener(g, s, logger)
	if err != nil {
		logger.Error("parties are not screened automatically", "err", err)
		return
	}
	tick := time.NewTicker(screenEvery)
	defer tick.Stop()
	for {
		before := sc.cursor
		if run, err := sc.step(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("screen changed parties and lists", "after", before, "err", err)
		} else if run != nil && run.ID != "" {
			logger.Info("screened", "through_event", sc.cursor, "run", run.ID, "mode", run.Mode, "parties_screened", run.PartiesScreened,
				"entries_screened", run.EntriesScreened, "found", run.Found, "reopened", run.Reopened, "cleared", run.Cleared)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// startScreening runs keepScreened in the background; the channel closes
// when it has stopped.
func startScreening(ctx context.Context, g *globals, s vigil.Store, logger *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepScreened(ctx, g, s, logger)
	}()
	return done
}
