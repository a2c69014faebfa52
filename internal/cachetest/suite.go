package cachetest

import "testing"

// suite is a behaviour suite of one interface: named tests, each given a
// fresh adapter.
type suite[A any] []struct {
	name string
	fn   func(t *testing.T, a A)
}

// run runs every test of the suite in parallel, each on its own adapter
// from newA.
func (s suite[A]) run(t *testing.T, newA func(t *testing.T) A) {
	for _, tt := range s {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newA(t))
		})
	}
}
