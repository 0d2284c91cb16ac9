package screen_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

// goldenRealDigest is the digest of every result of the speed benchmark's
// queries against OFAC+UN+EU+CSL. Speed work on the index and the scorer
// must leave it unchanged: it guards byte-identical results (ids, scores
// to full precision, decisions, explanations), which the accuracy floors
// alone would not notice.
const goldenRealDigest = "testdata/golden_real_lists.sha256"

// TestGoldenRealLists screens the benchmark's queries and compares the
// digest of all results with the committed one. VIGIL_SCREEN_GOLDEN_UPDATE=1
// rewrites the digest after an intended change of results;
// VIGIL_SCREEN_GOLDEN_DUMP=path writes the full text digested, so that two
// versions can be diffed.
func TestGoldenRealLists(t *testing.T) {
	ix := screen.NewIndex(realLists(t), screen.Options{})
	qs := benchQueries(t)
	h := sha256.New()
	var w io.Writer = h
	if p := os.Getenv("VIGIL_SCREEN_GOLDEN_DUMP"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(f)
		defer func() {
			if err := bw.Flush(); err != nil {
				t.Error(err)
			}
			if err := f.Close(); err != nil {
				t.Error(err)
			}
		}()
		w = io.MultiWriter(h, bw)
	}
	for i, q := range qs {
		writeResults(t, w, i, q, ix.Screen(q, 10))
	}
	got := fmt.Sprintf("%d queries %s\n", len(qs), hex.EncodeToString(h.Sum(nil)))
	path := filepath.Join(goldenRealDigest)
	if os.Getenv("VIGIL_SCREEN_GOLDEN_UPDATE") == "1" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden digest: %v (VIGIL_SCREEN_GOLDEN_UPDATE=1 writes it)", err)
	}
	if got != string(want) {
		t.Fatalf("results changed: digest %q, want %q", strings.TrimSpace(got), strings.TrimSpace(string(want)))
	}
}

// writeResults writes one query's results in a stable text form: floats in
// their shortest exact form, the explanation as JSON.
func writeResults(t *testing.T, w io.Writer, i int, q screen.Query, rs []screen.Result) {
	t.Helper()
	if _, err := fmt.Fprintf(w, "Q %d %q %d\n", i, q.Name, len(rs)); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		ex, err := json.Marshal(r.Explanation)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(w, "R %s %s %s %s\n", r.Entity.ID, strconv.FormatFloat(r.Score, 'g', -1, 64), r.Decision, ex); err != nil {
			t.Fatal(err)
		}
	}
}
