package gateway

import "context"

// requestIDKey is the context key of the API request id.
type requestIDKey struct{}

// WithRequestID returns a context carrying the id of the API request that
// started the work, so it reaches the worker, the events the work writes
// and their webhook deliveries.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id a context carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
