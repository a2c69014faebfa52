package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	wagw "github.com/whatsapp-saas/gateway/client"
	"github.com/whatsapp-saas/gateway/internal/api"
)

// Every answer the end-to-end tests receive through client.do, the Go
// client (sdk), the CLI (runCLI) or checkedClient is checked
// against the /openapi.json the same gateway serves: the status must be
// declared on the operation (the catch-all "default" does not count: an
// undeclared status is a drift the reader of the document could not
// foresee), and a JSON body must match the declared schema. A drift fails
// the test that met it, so the document cannot say one thing while the
// handlers do another.

// specDoc is one served document, parsed, with its routes.
type specDoc struct {
	doc    *openapi3.T
	routes []specRoute
}

type specRoute struct {
	re     *regexp.Regexp
	path   string
	params []string
	item   *openapi3.PathItem
}

var (
	specMu    sync.Mutex
	specByURL = map[string]*specDoc{}   // base URL → document
	specBySum = map[[32]byte]*specDoc{} // the same document served by many gateways is parsed once
)

// servedSpec fetches and parses the document of the gateway at base.
func servedSpec(rt http.RoundTripper, base string) (*specDoc, error) {
	specMu.Lock()
	defer specMu.Unlock()
	if d, ok := specByURL[base]; ok {
		return d, nil
	}
	req, err := http.NewRequest("GET", base+"/openapi.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("fetch openapi.json: %w", err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch openapi.json: status %d, %v", resp.StatusCode, err)
	}
	sum := sha256.Sum256(raw)
	if d, ok := specBySum[sum]; ok {
		specByURL[base] = d
		return d, nil
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	d := &specDoc{doc: doc}
	for path, item := range doc.Paths.Map() {
		var params []string
		segs := strings.Split(path, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				params = append(params, strings.Trim(seg, "{}"))
				segs[i] = "([^/]+)"
			} else {
				segs[i] = regexp.QuoteMeta(seg)
			}
		}
		pattern := "^" + strings.Join(segs, "/") + "/?$"
		d.routes = append(d.routes, specRoute{re: regexp.MustCompile(pattern), path: path, params: params, item: item})
	}
	// A literal segment wins over a parameter (/sessions/{id} vs a fixed
	// path of the same length): fewer parameters first.
	sort.Slice(d.routes, func(i, j int) bool {
		if len(d.routes[i].params) != len(d.routes[j].params) {
			return len(d.routes[i].params) < len(d.routes[j].params)
		}
		return d.routes[i].path < d.routes[j].path
	})
	specBySum[sum] = d
	specByURL[base] = d
	return d, nil
}

// find is the documented operation of a request; ok false for a route the
// document does not describe (the dashboard, a path the router answers 404).
func (d *specDoc) find(method, path string) (*routers.Route, map[string]string, bool) {
	for _, r := range d.routes {
		m := r.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := r.item.GetOperation(method)
		if op == nil {
			return nil, nil, false
		}
		params := map[string]string{}
		for i, name := range r.params {
			params[name] = m[i+1]
		}
		return &routers.Route{Spec: d.doc, Path: r.path, PathItem: r.item, Method: method, Operation: op}, params, true
	}
	return nil, nil, false
}

// specCheck is a transport that checks every answer against the document.
type specCheck struct {
	next http.RoundTripper
	fail func(format string, args ...any)
}

// checkedClient wraps hc so its answers are checked; failures go to t.
func checkedClient(t testing.TB, hc *http.Client) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c := *hc
	c.Transport = specCheck{next: next, fail: func(format string, args ...any) { t.Helper(); t.Errorf(format, args...) }}
	return &c
}

// sdk is the Go client (package client) of the gateway at base, its
// answers checked like client.do's.
func sdk(t testing.TB, base string) *wagw.Client {
	c := wagw.New(base)
	c.HTTP = checkedClient(t, http.DefaultClient)
	return c
}

func (s specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if req.URL.Path == "/openapi.json" {
		return resp, nil
	}
	spec, err := servedSpec(s.next, req.URL.Scheme+"://"+req.URL.Host)
	if err != nil {
		s.fail("openapi check: %v", err)
		return resp, nil
	}
	route, params, ok := spec.find(req.Method, req.URL.Path)
	if !ok {
		return resp, nil
	}
	recordRoute(req.URL.Scheme+"://"+req.URL.Host, route.Method+" "+route.Path, resp.StatusCode)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var body []byte
	if ct == "application/json" {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return resp, nil // the caller sees the same failure reading it
		}
	}
	if drift := specDrift(route, params, req, resp.StatusCode, resp.Header, ct, body); drift != "" {
		s.fail("openapi drift: %s %s (%s %s) answered %d: %s\nbody: %.600s",
			req.Method, req.URL.Path, route.Method, route.Path, resp.StatusCode, drift, body)
	}
	return resp, nil
}

// specDrift says how an answer departs from its operation's document, ""
// when it does not.
func specDrift(route *routers.Route, params map[string]string, req *http.Request, status int, h http.Header, ct string, body []byte) string {
	ref := route.Operation.Responses.Value(strconv.Itoa(status))
	if ref == nil || ref.Value == nil {
		return fmt.Sprintf("status %d is not declared (declared: %s)", status, strings.Join(declared(route.Operation), ", "))
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return ""
	}
	if ref.Value.Content.Get(ct) == nil {
		var cts []string
		for k := range ref.Value.Content {
			cts = append(cts, k)
		}
		sort.Strings(cts)
		return fmt.Sprintf("content type %q is not declared for %d (declared: %s)", ct, status, strings.Join(cts, ", "))
	}
	if ct != "application/json" {
		return "" // images, pages, event streams: the type is what can be checked
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		return err.Error()
	}
	return ""
}

func declared(op *openapi3.Operation) []string {
	var out []string
	for k := range op.Responses.Map() {
		if k != "default" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// fakeGateway answers /openapi.json with the real document and every other
// request with a fixed answer.
type fakeGateway struct {
	status int
	body   string
}

func (f fakeGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	status, body := f.status, f.body
	if req.URL.Path == "/openapi.json" {
		doc, err := api.OpenAPIDocument("v1", "test")
		if err != nil {
			return nil, err
		}
		status, body = http.StatusOK, string(doc)
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// TestOpenAPICheckCatchesDrift proves the check every client.do answer
// goes through fails on what a drifted handler would answer, and passes an
// answer that follows the document.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	session := `{"id":"5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41","user_id":"7d7b1c9e-3f51-4c55-9a53-1c4b8f0e2a10","session_name":"s",` +
		`"engine":"sandbox","status":"connected","settings":{"auto_reply":false,"webhook_events":["message"]},"created_at":"2026-01-15T09:30:00Z","updated_at":"2026-01-15T09:30:00Z"}`
	cases := []struct {
		name, path string
		status     int
		body, want string // want "": no drift
	}{
		{"follows the document", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", 200, `{"success":true,"data":{"session":` + session + `}}`, ""},
		{"declared error", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", 404, `{"success":false,"error":{"code":"not_found","message":"Session not found."}}`, ""},
		{"undeclared status", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", http.StatusTeapot, `{"success":false,"error":{"code":"internal","message":"x"}}`, "status 418 is not declared"},
		{"wrong field type", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", 200,
			`{"success":true,"data":{"session":` + strings.Replace(session, `"session_name":"s"`, `"session_name":42`, 1) + `}}`, "session_name"},
		{"missing field", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", 200,
			`{"success":true,"data":{"session":` + strings.Replace(session, `"user_id":"7d7b1c9e-3f51-4c55-9a53-1c4b8f0e2a10",`, ``, 1) + `}}`, "user_id"},
		{"value outside the enum", "/api/v1/sessions/5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", 200,
			`{"success":true,"data":{"session":` + strings.Replace(session, `"connected"`, `"online"`, 1) + `}}`, "status"},
		{"error code outside the enum", "/api/v1/sessions", 401, `{"success":false,"error":{"code":"nope","message":"x"}}`, "code"},
		{"error without the envelope", "/api/v1/sessions", 401, `{"error":"unauthorized"}`, "success"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var drifts []string
			hc := &http.Client{Transport: specCheck{next: fakeGateway{tc.status, tc.body}, fail: func(format string, args ...any) {
				drifts = append(drifts, fmt.Sprintf(format, args...))
			}}}
			// Each case its own host: the document cache is keyed by it.
			resp, err := hc.Get("http://drift-" + strings.ReplaceAll(tc.name, " ", "-") + ".test" + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			switch {
			case tc.want == "" && len(drifts) > 0:
				t.Fatalf("drift reported for a conforming answer: %v", drifts)
			case tc.want != "" && len(drifts) == 0:
				t.Fatalf("no drift reported; want one mentioning %q", tc.want)
			case tc.want != "" && !strings.Contains(strings.SplitN(drifts[0], "\nbody:", 2)[0], tc.want):
				t.Fatalf("drift %q does not mention %q", drifts[0], tc.want)
			}
		})
	}
}

// TestEndToEndAnswersAreChecked keeps the end-to-end tests on the checked
// paths: a request sent with http.Get, http.Post, http.DefaultClient or
// a bare Go client escapes the document check above, so a drift it meets
// would go unnoticed. The exceptions are the check itself, the benchmarks
// (they measure the server, not the document), the fetch of the document,
// and the instance API of the cluster simulation (not the public API).
func TestEndToEndAnswersAreChecked(t *testing.T) {
	allowed := map[string]bool{"openapicheck_test.go": true, "bench_test.go": true}
	allowedLines := []string{`http.Get(f.owner.base + "/openapi.json")`, `if resp, err := http.Get(url); err == nil {`}
	bare := regexp.MustCompile(`http\.(Get|Post|Head|PostForm)\(|http\.DefaultClient\.Do\(|wagw\.New\(`)
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if allowed[f] {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
	lines:
		for i, line := range strings.Split(string(raw), "\n") {
			if !bare.MatchString(line) {
				continue
			}
			for _, ok := range allowedLines {
				if strings.Contains(line, ok) {
					continue lines
				}
			}
			t.Errorf("%s:%d sends a request the OpenAPI check does not see; use client.do, sdk(t, base) or checkedClient(t, …): %s", f, i+1, strings.TrimSpace(line))
		}
	}
}
