package http

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
)

// countingWebStore counts the grouped scans the cache lets through.
type countingWebStore struct {
	vigil.WebStore
	mu    sync.Mutex
	cells int
}

func (c *countingWebStore) RiskCells(context.Context) ([]vigil.RiskCell, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cells++
	time.Sleep(10 * time.Millisecond)
	return []vigil.RiskCell{{Country: "NO", Capability: "compute", Tier: "low", N: int64(c.cells)}}, nil
}

func TestSummaryCache(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ws := &countingWebStore{}
	c := &summaryCache{ttl: time.Minute, now: clock}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.get(context.Background(), ws); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ws.cells != 1 {
		t.Fatalf("8 concurrent dashboards scanned %d times, want 1", ws.cells)
	}
	mu.Lock()
	now = now.Add(59 * time.Second)
	mu.Unlock()
	s, _ := c.get(context.Background(), ws)
	if ws.cells != 1 || !s.At.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("within the minute: %d scans, figures of %v", ws.cells, s.At)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	s, _ = c.get(context.Background(), ws)
	if ws.cells != 2 || s.Cells[0].N != 2 {
		t.Fatalf("after the minute: %d scans, %+v", ws.cells, s.Cells)
	}
	// A negative TTL recomputes every time.
	c = &summaryCache{ttl: -1, now: clock}
	c.get(context.Background(), ws)
	c.get(context.Background(), ws)
	if ws.cells != 4 {
		t.Fatalf("with no caching: %d scans, want 4", ws.cells)
	}
}
