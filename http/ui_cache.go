package http

import (
	"context"
	"sync"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// summaryCache keeps the dashboard's two whole-portfolio summaries (risk
// by country and capability, parties by country and sector) for a short
// time. Each is a grouped scan of the portfolio, about a second at 100,000
// parties; several people opening the dashboard should not each pay it.
// The page says when the figures were computed, so a stale minute is
// visible, not hidden.
type summaryCache struct {
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	cells  []vigil.RiskCell
	counts []vigil.PartyCount
	at     time.Time
	// loading serialises recomputation: concurrent requests wait for one
	// scan instead of starting their own.
	loading sync.Mutex
}

type summaries struct {
	Cells  []vigil.RiskCell
	Counts []vigil.PartyCount
	At     time.Time
}

// get returns the cached summaries, recomputing them when older than ttl.
// Party counts are read only when there are no risk cells, as the
// dashboard shows one or the other.
func (c *summaryCache) get(ctx context.Context, ws vigil.WebStore) (summaries, error) {
	if s, ok := c.fresh(); ok {
		return s, nil
	}
	c.loading.Lock()
	defer c.loading.Unlock()
	if s, ok := c.fresh(); ok {
		return s, nil
	}
	at := c.now()
	cells, err := ws.RiskCells(ctx)
	if err != nil {
		return summaries{}, err
	}
	var counts []vigil.PartyCount
	if len(cells) == 0 {
		if counts, err = ws.PartyCounts(ctx); err != nil {
			return summaries{}, err
		}
	}
	c.mu.Lock()
	c.cells, c.counts, c.at = cells, counts, at
	c.mu.Unlock()
	return summaries{Cells: cells, Counts: counts, At: at}, nil
}

func (c *summaryCache) fresh() (summaries, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || c.now().Sub(c.at) >= c.ttl {
		return summaries{}, false
	}
	return summaries{Cells: c.cells, Counts: c.counts, At: c.at}, true
}
