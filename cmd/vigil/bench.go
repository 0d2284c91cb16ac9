package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/demo"
	"github.com/vigil-hrdd/vigil/transfer"
)

func vigilKind(s string) vigil.Kind { return vigil.Kind(s) }

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Vigil on this machine (results for BENCHMARKS.md)",
	}
	var parties int
	var seed uint64
	var keep bool
	var from, cpuProfile string
	imp := &cobra.Command{
		Use:   "import",
		Short: "Generate a synthetic portfolio and time its import into the --db database",
		Long: `Generate --parties parties (and their links, accounts, subscriptions...) and
import them all into the database named by --db, then print records per
second and CPU seconds per million records, for the whole portfolio and for
each kind, and the Go heap's peak. Peak resident memory of the whole process
is best read with /usr/bin/time -v around this command.

Without --db the import goes into a fresh SQLite file in a temporary
directory. With a postgres:// URL it goes into a fresh database created on
that server for the run (vigil_bench_<pid>) and dropped after it, unless
--keep: the URL names the server and the database to connect to for the
CREATE DATABASE. The CPU figures count this process; when the server runs
on this machine, the server's CPU for the database (its backends and their
parallel workers, from /proc) is printed beside them.`,
		Example: `  /usr/bin/time -v vigil bench import --parties 1000000
  vigil bench import --parties 1000000 --db postgres://postgres@127.0.0.1/test
  vigil demo generate --parties 1000000 --out /tmp/p1m && vigil bench import --from /tmp/p1m`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tmp, err := os.MkdirTemp("", "vigil-bench-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(tmp)
			}
			w := cmd.OutOrStdout()
			dir := from
			var total int64
			if dir == "" {
				dir = filepath.Join(tmp, "portfolio")
				start := time.Now()
				counts, err := demo.Generate(dir, demo.Options{Parties: parties, Seed: seed})
				if err != nil {
					return err
				}
				total = int64(counts.Total())
				fmt.Fprintf(w, "generated %d records (%d parties) in %.1fs\n", total, parties, time.Since(start).Seconds())
			}
			dbURL := g.db
			if dbURL == "" {
				dbURL = "sqlite:" + filepath.Join(tmp, "bench.db")
			}
			t := &kindTimer{}
			if isPostgresURL(dbURL) {
				fresh, name, drop, err := freshPostgres(ctx, dbURL, keep)
				if err != nil {
					return err
				}
				defer drop()
				dbURL = fresh
				fmt.Fprintf(w, "importing into %s\n", redactURL(dbURL))
				t.server = startServerCPU(name)
				defer t.server.Close()
			}
			s, err := openStore(ctx, dbURL)
			if err != nil {
				return err
			}
			defer s.Close()
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			sums, err := transfer.ImportDir(ctx, s, dir, "bench", t.start)
			t.stop()
			pprof.StopCPUProfile()
			if err != nil {
				return err
			}
			total = 0
			for _, sum := range sums {
				total += sum.Total()
			}
			if err := printSummaries(w, "table", sums, 0); err != nil {
				return err
			}
			t.print(w, sums)
			// Re-import: every record unchanged.
			start := time.Now()
			cpu0, srv0 := processCPU(), t.serverCPU()
			if _, err := transfer.ImportDir(ctx, s, dir, "bench", nil); err != nil {
				return err
			}
			re, reCPU, reSrv := time.Since(start), processCPU()-cpu0, t.serverCPU()-srv0
			fmt.Fprintf(w, "re-import (all unchanged): %.1fs (%.0f records/s, %.2f CPU s per million records",
				re.Seconds(), float64(total)/re.Seconds(), reCPU.Seconds()/float64(total)*1e6)
			if t.server != nil {
				fmt.Fprintf(w, "; server %.2f", reSrv.Seconds()/float64(total)*1e6)
			}
			fmt.Fprintln(w, ")")
			fmt.Fprintf(w, "Go heap peak (approx.): %d MiB; GOMAXPROCS %d\n", heapPeakMiB(), runtime.GOMAXPROCS(0))
			return nil
		},
	}
	imp.Flags().IntVar(&parties, "parties", 1000000, "number of parties")
	imp.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	imp.Flags().BoolVar(&keep, "keep", false, "keep the generated files and database")
	imp.Flags().StringVar(&from, "from", "", "import this portfolio directory instead of generating one")
	imp.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the first import to this file")
	cmd.AddCommand(imp, newBenchScreenCmd())
	return cmd
}

// kindTimer times each file of an ImportDir, through its progress hook,
// which is called as each file starts.
type kindTimer struct {
	files       []string
	walls, cpus []time.Duration
	at          time.Time
	cpu0        time.Duration
	// server, when not nil, follows the PostgreSQL server's CPU for the
	// import's database, reported beside this process's.
	server  *serverCPU
	srv0    time.Duration
	servers []time.Duration
}

func (t *kindTimer) start(file string) transfer.Progress {
	t.stop()
	t.files = append(t.files, file)
	t.at, t.cpu0, t.srv0 = time.Now(), processCPU(), t.serverCPU()
	return nil
}

func (t *kindTimer) stop() {
	if len(t.walls) < len(t.files) {
		t.walls = append(t.walls, time.Since(t.at))
		t.cpus = append(t.cpus, processCPU()-t.cpu0)
		t.servers = append(t.servers, t.serverCPU()-t.srv0)
	}
}

func (t *kindTimer) serverCPU() time.Duration {
	if t.server == nil {
		return 0
	}
	return t.server.Total()
}

func (t *kindTimer) print(w io.Writer, sums []vigil.ImportSummary) {
	var n int64
	var wall, cpu, srv time.Duration
	perMillion := func(d time.Duration, n int64) float64 { return d.Seconds() / float64(max(n, 1)) * 1e6 }
	for i, s := range sums {
		if i >= len(t.walls) {
			break
		}
		n += s.Total()
		wall += t.walls[i]
		cpu += t.cpus[i]
		srv += t.servers[i]
		fmt.Fprintf(w, "  %-18s %9d records %7.2fs %9.0f records/s %6.2f CPU s per million",
			t.files[i], s.Total(), t.walls[i].Seconds(), float64(s.Total())/t.walls[i].Seconds(), perMillion(t.cpus[i], s.Total()))
		if t.server != nil {
			fmt.Fprintf(w, " (server %.2f)", perMillion(t.servers[i], s.Total()))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "import: %d records in %.1fs = %.0f records/s; %.1f CPU s = %.2f CPU s per million records (this process)\n",
		n, wall.Seconds(), float64(n)/wall.Seconds(), cpu.Seconds(), perMillion(cpu, n))
	if t.server != nil {
		fmt.Fprintf(w, "server: %.1f CPU s = %.2f CPU s per million records (the database's backends and their parallel workers)\n",
			srv.Seconds(), perMillion(srv, n))
	}
}

// processCPU is the user and system CPU this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// freshPostgres creates an empty database on the server of admin for one
// benchmark run, so that a run never meets rows of another, and returns
// its URL and a function that drops it (or leaves it, with keep).
func freshPostgres(ctx context.Context, admin string, keep bool) (string, string, func(), error) {
	name := fmt.Sprintf("vigil_bench_%d", os.Getpid())
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench: connect to %s: %w", redactURL(admin), err)
	}
	defer c.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := c.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", "", nil, fmt.Errorf("bench: create database %s: %w", name, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		if keep {
			return
		}
		// A fresh context: the command's may be cancelled by now.
		ctx := context.Background()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
		}
	}
	return u.String(), name, drop, nil
}

// redactURL hides a password in a database URL that is printed.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(database URL)"
	}
	return u.Redacted()
}

// heapPeakMiB reports the Go runtime's total mapped memory, an upper bound
// of the heap's peak that needs no sampling.
func heapPeakMiB() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() >> 20
}

// serverCPU follows the CPU of the PostgreSQL server processes that work
// for one database on this machine: its backends, and the parallel workers
// they start for an index build, found in /proc by their process titles
// ("postgres: ... <user> <db> ..." and "... parallel worker for PID <n>").
// A process's CPU is sampled every 100 ms, so a worker that exits loses at
// most its last 100 ms. It reads nothing when the server is on another
// machine, and then reports 0.
type serverCPU struct {
	db   string
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	cpu  map[int]time.Duration // last seen CPU of each of the database's processes
}

func startServerCPU(db string) *serverCPU {
	s := &serverCPU{db: db, stop: make(chan struct{}), done: make(chan struct{}), cpu: map[int]time.Duration{}}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Close stops the sampling after a last sample.
func (s *serverCPU) Close() {
	close(s.stop)
	<-s.done
	s.sample()
}

// Total is the CPU the database's server processes have used since the
// sampling started.
func (s *serverCPU) Total() time.Duration {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	var t time.Duration
	for _, c := range s.cpu {
		t += c
	}
	return t
}

func (s *serverCPU) sample() {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ours := map[int]bool{}
	for pid := range s.cpu {
		ours[pid] = true
	}
	var workers []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || ours[pid] {
			continue
		}
		title, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.HasPrefix(title, []byte("postgres: ")) {
			continue
		}
		f := titleFields(title)
		switch {
		case slices.Contains(f, s.db):
			ours[pid] = true
		case len(f) >= 2 && f[len(f)-2] == "PID":
			workers = append(workers, pid)
		}
	}
	for _, pid := range workers {
		title, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		f := titleFields(title)
		if len(f) == 0 {
			continue
		}
		if leader, err := strconv.Atoi(f[len(f)-1]); err == nil && ours[leader] {
			ours[pid] = true
		}
	}
	for pid := range ours {
		if c, ok := procCPU(pid); ok {
			s.cpu[pid] = c
		}
	}
}

// titleFields splits a process title, which the server writes over its
// arguments and pads with NULs.
func titleFields(title []byte) []string {
	return strings.FieldsFunc(string(title), func(r rune) bool { return r == ' ' || r == 0 })
}

// procCPU is the user and system CPU of process pid, from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which may hold spaces, in (...).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
