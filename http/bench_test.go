package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/vigil-hrdd/vigil/sqlite"
)

// benchVersion names the layout of the generated parties; bump it when the
// generator below changes. Changes of the SQLite schema are picked up by
// themselves, since the cache key hashes the migrations.
const benchVersion = "v1"

func benchParties() int {
	if s := os.Getenv("VIGIL_BENCH_PARTIES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// benchDB returns the path of a SQLite database holding n parties, built
// once and kept under the system's temporary folder, because building a
// million rows takes far longer than the benchmark itself.
func benchDB(b *testing.B, n int) string {
	b.Helper()
	h := sha256.New()
	fmt.Fprintf(h, "%s %d\n", benchVersion, n)
	migs, _ := filepath.Glob("../sqlite/migrations/*.sql")
	for _, m := range migs {
		raw, err := os.ReadFile(m)
		if err != nil {
			b.Fatalf("hash migrations: %v", err)
		}
		h.Write(raw)
	}
	dir := filepath.Join(os.TempDir(), "vigil-http-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("parties-%d-%s.db", n, hex.EncodeToString(h.Sum(nil))[:12]))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, tmp)
	if err != nil {
		b.Fatalf("create bench db: %v", err)
	}
	start := time.Now()
	sum, err := store.Import(ctx, vigil.ImportRequest{Kind: vigil.KindParty, Source: &partyGen{n: n}, Actor: "bench", File: "generated"})
	if err != nil {
		b.Fatalf("import %d parties: %v", n, err)
	}
	if err := store.Close(); err != nil {
		b.Fatalf("close bench db: %v", err)
	}
	b.Logf("built %s: %d parties in %s (%.0f rows/s)", path, sum.Created, time.Since(start).Round(time.Millisecond), float64(sum.Created)/time.Since(start).Seconds())
	// Renamed only when complete, so an interrupted build is never reused.
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	return path
}

// partyGen yields n deterministic parties shaped like a provider's
// portfolio: mostly companies, some government bodies and units, names in
// several scripts, every country.
type partyGen struct {
	n, i      int
	countries []string
}

var (
	benchTypes   = []vigil.PartyType{vigil.PartyCompany, vigil.PartyCompany, vigil.PartyCompany, vigil.PartyOrganization, vigil.PartyGovernment, vigil.PartyUnit, vigil.PartyPerson}
	benchWords   = []string{"Northern", "Atlas", "Meridian", "Cedar", "Harbour", "Quantum", "Signal", "Falcon", "Granite", "Aurora", "Summit", "Vector"}
	benchSuffix  = []string{"Ltd", "GmbH", "SA", "LLC", "Ministry", "Directorate", "Unit", "Agency"}
	benchAliases = []string{"Северный Атлас", "أطلس الشمال", "北方图集", "Βόρειος Άτλας", "צפון אטלס"}
	benchSectors = []string{"telecom", "health", "police", "military", "border", "finance", "education"}
)

func (g *partyGen) Next() (vigil.Record, error) {
	if g.i >= g.n {
		return nil, io.EOF
	}
	if g.countries == nil {
		g.countries = vigil.CountryCodes()
	}
	i := g.i
	g.i++
	p := &vigil.Party{
		ID:      fmt.Sprintf("P%08d", i),
		Type:    benchTypes[i%len(benchTypes)],
		Name:    fmt.Sprintf("%s %s %s %d", benchWords[i%len(benchWords)], benchWords[(i/7)%len(benchWords)], benchSuffix[i%len(benchSuffix)], i),
		Country: g.countries[(i*31)%len(g.countries)],
		Sectors: []string{benchSectors[i%len(benchSectors)]},
	}
	if i%3 == 0 {
		p.Aliases = []string{benchAliases[i%len(benchAliases)]}
	}
	if i%5 == 0 {
		p.Identifiers = []vigil.Identifier{{Scheme: "reg", Value: strconv.Itoa(1_000_000 + i)}}
	}
	return p, nil
}

// BenchmarkListParties measures listing pages of 100 parties at a million
// parties, over a real TCP connection as a client sees it, and reports the
// median and 99th percentile latency per request.
func BenchmarkListParties(b *testing.B) {
	n := benchParties()
	path := benchDB(b, n)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	secret := benchToken(b, store)

	// Cursors spread over the whole table, so that pages are read from
	// everywhere and not only from the warm start of the index.
	var cursors []string
	for after := ""; ; {
		page, err := store.List(ctx, vigil.KindParty, vigil.ListOptions{After: after, Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if page.Next == "" {
			break
		}
		cursors = append(cursors, page.Next)
		after = page.Next
	}
	if count, _ := store.Count(ctx, vigil.KindParty); count < int64(n) {
		b.Fatalf("bench db holds %d parties, want %d", count, n)
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
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

	for _, bc := range []struct{ name, query string }{
		{"page", ""},
		{"page_country", "&country=FR"},
		{"page_type", "&type=government_body"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, b.N)
			var bytes int64
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				after := ""
				if len(cursors) > 0 && i%10 != 0 {
					after = cursors[rng.IntN(len(cursors))]
				}
				url := base + "/api/v1/parties?limit=100&after=" + after + bc.query
				start := time.Now()
				nb, items, err := fetchPage(client, url, secret)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if items == 0 && bc.query == "" {
					b.Fatalf("empty page from %s", url)
				}
				bytes += nb
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
			b.ReportMetric(float64(bytes)/float64(len(lat)), "B/page")
		})
	}
}

func fetchPage(c *http.Client, url, secret string) (int64, int, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		return 0, 0, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	var p struct {
		Items []json.RawMessage `json:"items"`
	}
	cr := &countingReader{r: resp.Body}
	if err := json.NewDecoder(cr).Decode(&p); err != nil {
		return 0, 0, err
	}
	return cr.n, len(p.Items), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
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
