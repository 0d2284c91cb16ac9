package screen

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir finds ../shared/data next to the repository root: from
// VIGIL_SHARED_DIR, or by walking up from the package directory. Tests on
// real data skip loudly without it, and fail when VIGIL_REQUIRE_SHARED=1.
func sharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("VIGIL_SHARED_DIR"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		cand := filepath.Join(dir, "..", "shared", "data")
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return cand
			}
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if os.Getenv("VIGIL_REQUIRE_SHARED") == "1" {
		t.Fatalf("../shared/data missing and VIGIL_REQUIRE_SHARED=1")
	}
	t.Skip("SKIP LOUDLY: ../shared/data missing")
	return ""
}
