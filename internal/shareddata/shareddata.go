// Package shareddata finds the public test data that sits beside the
// repository (../shared/data, see its SOURCES.md) for tests and benchmarks
// that need real files. Without it such tests skip loudly; with
// VIGIL_REQUIRE_SHARED=1 (as .ci/run sets) they fail instead, so real-data
// tests can never be skipped silently where they must run.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of rel inside the shared data directory: from
// VIGIL_SHARED_DIR, or the first shared/data found walking up from the
// working directory. It skips (or fails) the test when the path is absent.
func Dir(t testing.TB, rel ...string) string {
	t.Helper()
	dir := os.Getenv("VIGIL_SHARED_DIR")
	if dir == "" {
		if wd, err := os.Getwd(); err == nil {
			for d := wd; ; d = filepath.Dir(d) {
				cand := filepath.Join(d, "shared", "data")
				if st, err := os.Stat(cand); err == nil && st.IsDir() {
					dir = cand
					break
				}
				if filepath.Dir(d) == d {
					break
				}
			}
		}
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	if dir != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "../shared/data missing"
	if len(rel) > 0 {
		msg += ": " + filepath.Join(rel...)
	}
	msg += " (set VIGIL_SHARED_DIR or place shared/data beside the repository)"
	if os.Getenv("VIGIL_REQUIRE_SHARED") == "1" {
		t.Fatalf("VIGIL_REQUIRE_SHARED=1 but %s", msg)
	}
	t.Skip("SKIP LOUDLY: " + msg)
	return ""
}
