package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/sqlite"
	"github.com/vigil-hrdd/vigil/transfer"
)

// benchVersion names the benchmark database's recipe; bump it when the
// recipe below, or the demo generator's output, changes in a way that
// matters to listing. A change of the portfolio schema is picked up by
// itself: the cache key hashes its migration. The demo's sources are left
// out of the key on purpose: a reworded name must not cost a ten-minute
// rebuild.
const benchVersion = "v2"

const benchSeed = 1

func benchParties() int {
	if s := os.Getenv("VIGIL_BENCH_PARTIES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// benchDB returns the path of a SQLite database holding the demo portfolio
// of n parties, built once and kept under the system's temporary folder,
// because generating and importing a million parties takes far longer than
// the benchmark itself.
func benchDB(b *testing.B, n int) string {
	b.Helper()
	path, err := benchDBPath(n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	dir := filepath.Dir(path)
	b.Logf("building %s once; later runs reuse it", path)
	csvDir, err := os.MkdirTemp(dir, "csv-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(csvDir)
	start := time.Now()
	counts, err := demo.Generate(csvDir, demo.Options{Parties: n, Seed: benchSeed})
	if err != nil {
		b.Fatalf("generate demo portfolio of %d parties: %v", n, err)
	}
	b.Logf("generated %d records in %s", counts.Total(), time.Since(start).Round(time.Millisecond))

	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, tmp)
	if err != nil {
		b.Fatalf("create bench db: %v", err)
	}
	start = time.Now()
	sums, err := transfer.ImportDir(ctx, store, csvDir, "bench", nil)
	if err != nil {
		b.Fatalf("import demo portfolio: %v", err)
	}
	if err := store.Close(); err != nil {
		b.Fatalf("close bench db: %v", err)
	}
	var rows int64
	for _, s := range sums {
		rows += s.Total()
	}
	d := time.Since(start)
	b.Logf("imported %d records in %s (%.0f rows/s)", rows, d.Round(time.Millisecond), float64(rows)/d.Seconds())
	// Renamed only when complete, so an interrupted build is never reused.
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	return path
}

// benchDBPath is where the database for n parties is cached.
func benchDBPath(n int) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %d\n", benchVersion, n, benchSeed)
	// Only the portfolio schema: later migrations (usage, risk, ...) are
	// applied to a cached database by sqlite.Open and change no party.
	migs, err := filepath.Glob("../sqlite/migrations/00001_*.sql")
	if err != nil || len(migs) == 0 {
		return "", fmt.Errorf("find the sqlite portfolio migration to key the bench db: %v", err)
	}
	for _, m := range migs {
		raw, err := os.ReadFile(m)
		if err != nil {
			return "", fmt.Errorf("hash the sqlite migrations: %w", err)
		}
		h.Write(raw)
	}
	dir := filepath.Join(os.TempDir(), "vigil-http-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("demo-%d-%s.db", n, hex.EncodeToString(h.Sum(nil))[:12])), nil
}

// benchAPI is a server over the cached database, listening on loopback.
type benchAPI struct {
	store  *sqlite.DB
	base   string
	secret string
	client *http.Client
}

func newBenchAPI(b *testing.B) *benchAPI {
	b.Helper()
	n := benchParties()
	path := benchDB(b, n)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if count, err := store.Count(ctx, vigil.KindParty); err != nil || count < int64(n) {
		b.Fatalf("bench db holds %d parties (%v), want %d", count, err, n)
	}
	srv, err := NewServer(store, nil)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	b.Cleanup(func() { stop(); <-done })
	return &benchAPI{
		store:  store,
		base:   "http://" + ln.Addr().String(),
		secret: benchToken(b, store),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
	}
}

// measure requests the URLs next gives, one at a time as b.Loop asks, and
// reports latency percentiles, page size and CPU per request.
func (a *benchAPI) measure(b *testing.B, mustFill bool, next func(i int) string) {
	lat := make([]time.Duration, 0, b.N)
	var size int64
	cpu0 := processCPU()
	var buf bytes.Buffer
	for i := 0; b.Loop(); i++ {
		url := a.base + next(i)
		start := time.Now()
		err := fetchPage(a.client, &buf, url, a.secret)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		items, err := countItems(buf.Bytes())
		if err != nil {
			b.Fatalf("page from %s: %v", url, err)
		}
		if items == 0 && mustFill {
			b.Fatalf("empty page from %s", url)
		}
		size += int64(buf.Len())
	}
	cpu := processCPU() - cpu0
	slices.Sort(lat)
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(float64(size)/float64(len(lat)), "B/page")
	// Client and server share the process, so this is the CPU of both
	// ends of one request.
	b.ReportMetric(ms(cpu/time.Duration(len(lat))), "cpu-ms/req")
	b.ReportMetric(loadAverage(), "loadavg")
}

// BenchmarkListParties measures listing pages of 100 parties at a million
// parties, over a real TCP connection as a client sees it, and reports the
// median and 99th percentile latency per request. Pages start at random
// places in the table (and one in ten at its start), so they are read from
// everywhere and not only from the warm start of the index.
func BenchmarkListParties(b *testing.B) {
	a := newBenchAPI(b)
	var cursors []string
	for after := ""; ; {
		page, err := a.store.List(b.Context(), vigil.KindParty, vigil.ListOptions{After: after, Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if page.Next == "" {
			break
		}
		cursors = append(cursors, page.Next)
		after = page.Next
	}
	for _, bc := range []struct{ name, query string }{
		{"page", ""},
		{"page_country", "&country=FR"},
		{"page_type", "&type=government_body"},
		{"page_sector", "&sector=police"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			a.measure(b, bc.query == "", func(i int) string {
				after := ""
				if len(cursors) > 0 && i%10 != 0 {
					after = cursors[rng.IntN(len(cursors))]
				}
				return "/api/v1/parties?limit=100&after=" + after + bc.query
			})
		})
	}
}

// BenchmarkSearchParties measures the name search (q) at the same size. It
// is apart from the listing benchmark because a substring search that
// matches little must read the whole table: run it with a small
// -benchtime such as 20x.
func BenchmarkSearchParties(b *testing.B) {
	a := newBenchAPI(b)
	for _, bc := range []struct{ name, q string }{
		{"common", "ka"},
		{"rare", "zzqx"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a.measure(b, false, func(int) string { return "/api/v1/parties?limit=100&q=" + bc.q })
		})
	}
}

// fetchPage gets one page and returns its body once fully received, which
// is where the latency of a request ends.
func fetchPage(c *http.Client, buf *bytes.Buffer, url, secret string) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("GET %s: read body: %w", url, err)
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, buf.Bytes())
	}
	return nil
}

// countItems checks that a body is a page and counts its items; it runs
// after the clock has stopped, so the client's parsing is not counted as
// the server's latency.
func countItems(body []byte) (int, error) {
	var p struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, err
	}
	return len(p.Items), nil
}

// benchToken returns a fresh token of a read-only user of the bench db.
func benchToken(b *testing.B, store vigil.Store) string {
	ctx := context.Background()
	if _, err := store.GetUser(ctx, "bench"); vigil.ErrorCode(err) == vigil.ENOTFOUND {
		if err := store.CreateUser(ctx, &vigil.User{ID: "bench", Name: "Benchmark", Role: vigil.RoleAuditor}, "bench"); err != nil {
			b.Fatal(err)
		}
	} else if err != nil {
		b.Fatal(err)
	}
	secret, hash := vigil.NewTokenSecret()
	now := time.Now()
	if err := store.CreateToken(ctx, &vigil.Token{ID: vigil.NewID(now), UserID: "bench", Name: "bench", Hash: hash, CreatedAt: now}, "bench"); err != nil {
		b.Fatal(err)
	}
	return secret
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
