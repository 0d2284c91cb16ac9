package screen

import (
	"github.com/vigil-hrdd/vigil/internal/shareddata"
	"testing"
)

// sharedDir is the shared data directory (see internal/shareddata).
func sharedDir(t testing.TB) string { t.Helper(); return shareddata.Dir(t) }
