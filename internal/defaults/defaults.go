// Package defaults fills in the options a caller left unset.
package defaults

import "log/slog"

// Positive sets *v to def unless *v is positive: a count, size or
// duration option that is zero (or negative) is unset.
func Positive[T ~int | ~int64 | ~float64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Logger is log, or a logger that discards everything when log is nil: a
// component given no logger logs nothing.
func Logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
