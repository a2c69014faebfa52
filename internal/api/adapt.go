package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// Most handlers are one service call: read the ids the path names, decode
// the JSON body when the route takes one, call the service with the
// caller's user id, answer the result. The helpers here build such a
// handler from the service method, so that a route states only what is its
// own (its path parameter, its body type, its success status, the wrapper
// of its answer) and the steps, with their error order, live once.

// noBody is the request type of a route that takes no body: nothing is
// read, so an empty request is not refused as an empty JSON body would be.
type noBody struct{}

// wrapper makes a service result the answer's data (a sessionData around a
// session, translated to the caller's language); nil answers the result as
// it is.
type wrapper[T any] func(r *http.Request, v T) any

// serve is the common tail of the helpers: decode the body into a Req
// (nothing for noBody), call the service with the caller's user id, answer
// the result with status.
func serve[Req, T any](s *Server, w http.ResponseWriter, r *http.Request, status int,
	call func(ctx context.Context, userID string, req Req) (T, error), wrap wrapper[T]) error {
	var req Req
	if _, none := any(req).(noBody); !none {
		if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
			return err
		}
	}
	res, err := call(r.Context(), who(r).User.ID, req)
	if err != nil {
		return err
	}
	if wrap != nil {
		return ok(w, status, wrap(r, res))
	}
	return ok(w, status, res)
}

// onID is the handler of a route naming one resource by the UUID path
// parameter param (session_id, webhook_id, …): call gets the caller's user
// id, the resource's id and the body.
func onID[Req, T any](s *Server, param string, status int,
	call func(ctx context.Context, userID, id string, req Req) (T, error), wrap wrapper[T]) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, param)
		if err != nil {
			return err
		}
		return serve(s, w, r, status, func(ctx context.Context, userID string, req Req) (T, error) {
			return call(ctx, userID, id, req)
		}, wrap)
	}
}

// onItem is the handler of a route under /sessions/{session_id} that names
// a text parameter beside the session (a group, a chat, a contact, a
// label): call gets the caller's user id, the session, that parameter and
// the body.
func onItem[Req, T any](s *Server, name string, status int,
	call func(ctx context.Context, userID, sessionID, item string, req Req) (T, error), wrap wrapper[T]) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, item, err := sessionAnd(r, name)
		if err != nil {
			return err
		}
		return serve(s, w, r, status, func(ctx context.Context, userID string, req Req) (T, error) {
			return call(ctx, userID, id, item, req)
		}, wrap)
	}
}

// boundList is the handler of a list of the account's that a
// session-bound key sees narrowed to its session: list gets the caller's
// user id, that session ("" for any other caller) and the page; answer
// makes the page the answer's data.
func boundList[T any](list func(ctx context.Context, userID, sessionID string, p gateway.Page) (service.List[T], error),
	answer func(service.List[T]) any) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageOf(r)
		if err != nil {
			return err
		}
		l, err := list(r.Context(), who(r).User.ID, boundSession(r), p)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, answer(l))
	}
}

// byID calls m with the caller's user id and the UUID path parameter
// param, for the handlers whose answer is not an envelope of the result
// (a file, an answer kept for replays).
func byID[T any](r *http.Request, param string, m func(ctx context.Context, userID, id string) (T, error)) (T, error) {
	id, err := pathID(r, param)
	if err != nil {
		var none T
		return none, err
	}
	return m(r.Context(), who(r).User.ID, id)
}

// read adapts a service read of one resource (no body) to onID.
func read[T any](m func(ctx context.Context, userID, id string) (T, error)) func(context.Context, string, string, noBody) (T, error) {
	return func(ctx context.Context, userID, id string, _ noBody) (T, error) { return m(ctx, userID, id) }
}

// readItem adapts a service call on a session's item (no body) to onItem.
func readItem[T any](m func(ctx context.Context, userID, sessionID, item string) (T, error)) func(context.Context, string, string, string, noBody) (T, error) {
	return func(ctx context.Context, userID, sessionID, item string, _ noBody) (T, error) {
		return m(ctx, userID, sessionID, item)
	}
}

// anyCaller adapts a read that is the same whoever asks (an admin's read
// of a tenant: requireAdmin has let only admins through) to read.
func anyCaller[T any](m func(ctx context.Context, id string) (T, error)) func(context.Context, string, string) (T, error) {
	return func(ctx context.Context, _, id string) (T, error) { return m(ctx, id) }
}
