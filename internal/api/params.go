package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// pathText returns a path parameter that is free text (a plan id), refused
// when it holds a NUL character or bytes that are not UTF-8, as query does.
func pathText(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", &gateway.Error{Code: gateway.CodeInvalid,
			Message: "The " + name + " in the path must be UTF-8 text without NUL characters.",
			Fields:  map[string]string{name: "Must be UTF-8 text without NUL characters."}}
	}
	return v, nil
}

// query returns the request's query parameters, refusing any name or value
// that holds a NUL character or bytes that are not UTF-8 (%00, %ff): no
// parameter has a use for them, and PostgreSQL's text refuses them where
// SQLite would compare them. Every query reader goes through it.
func query(r *http.Request) (url.Values, error) {
	q := r.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		bad := !utf8.ValidString(name) || strings.ContainsRune(name, 0)
		for _, v := range q[name] {
			bad = bad || !utf8.ValidString(v) || strings.ContainsRune(v, 0)
		}
		if bad {
			shown := strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", `\u0000`), "\uFFFD")
			return nil, &gateway.Error{Code: gateway.CodeInvalid,
				Message: "The query parameter \"" + shown + "\" must be UTF-8 text without NUL characters.",
				Fields:  map[string]string{shown: "Must be UTF-8 text without NUL characters."}}
		}
	}
	return q, nil
}

// pageOf reads page and limit (page from 1; limit from 1, default and cap
// from gateway's pagination bounds: a larger limit is clamped).
func pageOf(r *http.Request) (gateway.Page, error) {
	p, _, err := pageAndQuery(r)
	return p, err
}

// pageAndQuery is pageOf with the checked query, for the lists that take
// filters beside the page.
func pageAndQuery(r *http.Request) (gateway.Page, url.Values, error) {
	p := gateway.Page{}.Normalize()
	q, err := query(r)
	if err != nil {
		return p, nil, err
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, nil, gateway.Errorf(gateway.CodeInvalid, "The page must be a whole number from 1.")
		}
		p.Page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, nil, gateway.Errorf(gateway.CodeInvalid, "The limit must be a whole number from 1 to %d.", gateway.MaxPageLimit)
		}
		p.Limit = n
	}
	p = p.Normalize()
	if p.Page > gateway.MaxPage {
		return p, nil, gateway.Errorf(gateway.CodeInvalid, "The page is too large.")
	}
	return p, q, nil
}

// idAndPage reads the page of a list of what the UUID path parameter param
// names (a session's chats, a webhook's deliveries), with the checked query
// for its filters.
func idAndPage(r *http.Request, param string) (string, gateway.Page, url.Values, error) {
	id, err := pathID(r, param)
	if err != nil {
		return "", gateway.Page{}, nil, err
	}
	p, q, err := pageAndQuery(r)
	return id, p, q, err
}

// timeParam reads an RFC 3339 time or a date (YYYY-MM-DD) from the query.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	q, err := query(r)
	if err != nil {
		return nil, err
	}
	v := q.Get(name)
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

// sessionAnd reads the session_id path parameter and the free-text one
// named name beside it (a group's or a chat's JID).
func sessionAnd(r *http.Request, name string) (string, string, error) {
	id, err := pathID(r, "session_id")
	if err != nil {
		return "", "", err
	}
	v, err := pathText(r, name)
	if err != nil {
		return "", "", err
	}
	return id, v, nil
}
