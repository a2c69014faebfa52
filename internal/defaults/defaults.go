// Package defaults fills in the options a caller left unset.
package defaults

// Positive sets *v to def unless *v is positive: a count, size or
// duration option that is zero (or negative) is unset.
func Positive[T ~int | ~int64 | ~float64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
