package vigil

import (
	"crypto/rand"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewID returns a time-ordered unique id (a ULID). Time order keeps database
// index inserts at the end of the B-tree, which is what makes bulk writes
// into SQLite fast.
func NewID(now time.Time) string {
	return ulid.MustNew(ulid.Timestamp(now), rand.Reader).String()
}
