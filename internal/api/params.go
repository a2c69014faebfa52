package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// pathID returns a path parameter that must be a UUID.
func pathID(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
		return "", gateway.Errorf(gateway.CodeInvalid, "The %s in the path must be a UUID.", name)
	}
	return v, nil
}

// pageOf reads page and limit (page from 1; limit 1 to 100, default 20;
// a larger limit is clamped to 100).
func pageOf(r *http.Request) (gateway.Page, error) {
	p := gateway.Page{Page: 1, Limit: 20}
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, gateway.Errorf(gateway.CodeInvalid, "The page must be a whole number from 1.")
		}
		p.Page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, gateway.Errorf(gateway.CodeInvalid, "The limit must be a whole number from 1 to 100.")
		}
		p.Limit = min(n, 100)
	}
	if p.Page > 1_000_000 {
		return p, gateway.Errorf(gateway.CodeInvalid, "The page is too large.")
	}
	return p, nil
}

// timeParam reads an RFC 3339 time or a date (YYYY-MM-DD) from the query.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, gateway.Errorf(gateway.CodeInvalid, "The %s must be an RFC 3339 time or a date (YYYY-MM-DD).", name)
}

// listData renders a list the seed's way: the items under their name, with
// the pagination block beside them.
func listData(name string, items any, p any) map[string]any {
	return map[string]any{name: items, "pagination": p}
}
