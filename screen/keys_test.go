package screen

import (
	"math/rand/v2"
	"testing"
)

// crossBound must never be below crossSim, or it would reject pairs that
// match.
func TestCrossBound(t *testing.T) {
	const letters = "abcdefghijklmnopqrstuvwxyz0'"
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 6))
		word := func() string {
			n := 2 + r.IntN(10)
			b := make([]byte, n)
			for i := range b {
				b[i] = letters[r.IntN(len(letters))]
			}
			return string(b)
		}
		for i := 0; i < 100000; i++ {
			a, b := word(), word()
			if s, bd := crossSim(a, b), crossBound(a, b); s > bd+1e-9 {
				t.Fatalf("crossSim(%q,%q)=%.4f above bound %.4f", a, b, s, bd)
			}
		}
	}
}
