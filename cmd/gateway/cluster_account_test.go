package main

import (
	"maps"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The account routes in the cluster shape: every route that acts on a
// session's WhatsApp account (groups, chats, contacts, history, profile,
// presence, labels, channels, calls) goes from the gateway to the session's
// worker, a separate instance process, over the instance API. The walks
// the embedded tests run are run again against a simulated cluster, and a
// guard derived from the served OpenAPI document fails on any account
// route none of them answered with a success, so a route added later is
// driven here too or the test says which one is not.

// routeRecorders are the gateways whose answered routes are recorded, by
// base URL: "METHOD /documented/path" → the number of 2xx answers.
var (
	routeRecordMu  sync.Mutex
	routeRecorders = map[string]map[string]int{}
)

// recordRoutes starts recording the documented routes the gateway at base
// answers (every request through client.do, sdk or checkedClient); the
// returned function is what was answered with a success so far.
func recordRoutes(t *testing.T, base string) func() map[string]int {
	routeRecordMu.Lock()
	routeRecorders[base] = map[string]int{}
	routeRecordMu.Unlock()
	t.Cleanup(func() {
		routeRecordMu.Lock()
		delete(routeRecorders, base)
		routeRecordMu.Unlock()
	})
	return func() map[string]int {
		routeRecordMu.Lock()
		defer routeRecordMu.Unlock()
		out := map[string]int{}
		for k, v := range routeRecorders[base] {
			out[k] = v
		}
		return out
	}
}

// recordRoute counts a successful answer of route at base, when recorded.
func recordRoute(base, route string, status int) {
	if status < 200 || status > 299 {
		return
	}
	routeRecordMu.Lock()
	defer routeRecordMu.Unlock()
	if m, ok := routeRecorders[base]; ok {
		m[route]++
	}
}

// accountRoutes are the account routes of the document the gateway at
// base serves: every operation under /sessions/{session_id}/ but the
// session's own lifecycle (tag Sessions), and every operation of a tag
// those have elsewhere (labels on a message).
func accountRoutes(t *testing.T, base string) []string {
	t.Helper()
	spec, err := servedSpec(http.DefaultTransport, base)
	if err != nil {
		t.Fatal(err)
	}
	type op struct{ route, tag string }
	var all []op
	tags := map[string]bool{}
	for path, item := range spec.doc.Paths.Map() {
		for method, o := range item.Operations() {
			tag := ""
			if len(o.Tags) > 0 {
				tag = o.Tags[0]
			}
			all = append(all, op{method + " " + path, tag})
			if strings.HasPrefix(path, "/api/v1/sessions/{session_id}/") && tag != "Sessions" {
				tags[tag] = true
			}
		}
	}
	var out []string
	for _, o := range all {
		if tags[o.tag] {
			out = append(out, o.route)
		}
	}
	sort.Strings(out)
	return out
}

// TestClusterAccountRoutes runs the account walks of the embedded tests
// (groups and their join requests, chats and history, contacts with the
// profile and presence, labels, calls, status and channels) against the
// simulated cluster, each session in its own instance process, and fails on any account route of
// the document none of them answered with a success. Each walk gets a
// cluster of its own (the walks pair the same numbers for different
// tenants); the instance binary is built once. Needs PostgreSQL and Redis;
// skipped in -short.
func TestClusterAccountRoutes(t *testing.T) {
	if os.Getenv("TEST_REDIS_URL") == "" || os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL and TEST_REDIS_URL are needed")
	}
	bin := instanceBinary(t)
	walks := []struct {
		name string
		walk func(*testing.T, string)
		env  map[string]string
	}{
		{"groups", testGroups, nil},
		{"group_requests", testGroupRequests, nil},
		// The chat walk counts chats, so on sessions that pair without history.
		{"chats", testChats, noHistory},
		{"history", testHistorySync, nil},
		{"contacts", testContacts, nil},
		{"labels", testLabels, nil},
		{"calls", callsOn, nil},
		{"status_and_channels", statusAndChannelsOn, nil},
	}
	got := map[string]int{}
	var routes []string
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			env := map[string]string{
				"REDIS_URL":                      ownRedis(t, 12),
				"SANDBOX_PAIR_DELAY":             "0", // the walks pair each session with a number of their choosing
				"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
				"WEBHOOK_RETRY_SCHEDULE":         "20ms,20ms,20ms",
				"WEBHOOK_POLL_INTERVAL":          "100ms",
			}
			maps.Copy(env, w.env)
			base, _, _, _ := simulatedCluster(t, bin, env)
			driven := recordRoutes(t, base)
			w.walk(t, base)
			for r, n := range driven() {
				got[r] += n
			}
			if routes == nil {
				routes = accountRoutes(t, base)
			}
		})
	}
	if t.Failed() {
		return // a walk stopped early: the routes it did not reach say nothing new
	}
	if len(routes) < 40 {
		t.Fatalf("only %d account routes found in the document: %v", len(routes), routes)
	}
	missing := undriven(routes, got)
	if len(missing) > 0 {
		t.Errorf("account routes no walk drove to a success through the worker:\n  %s", strings.Join(missing, "\n  "))
	}
	t.Logf("%d account routes driven through the instance processes", len(routes)-len(missing))
}

// undriven are the routes no request answered with a success.
func undriven(routes []string, got map[string]int) []string {
	var missing []string
	for _, r := range routes {
		if got[r] == 0 {
			missing = append(missing, r)
		}
	}
	return missing
}

// TestAccountRouteGuard checks the guard of TestClusterAccountRoutes on an
// embedded gateway: the account routes are read from the served document
// (every family of them, labels on a message included, the session's own
// lifecycle not), a route answered with a success counts as driven, and
// one answered with an error does not.
func TestAccountRouteGuard(t *testing.T) {
	base := instantSandbox(t)
	driven := recordRoutes(t, base)
	routes := accountRoutes(t, base)
	has := map[string]bool{}
	for _, r := range routes {
		has[r] = true
	}
	for _, want := range []string{"GET /api/v1/sessions/{session_id}/groups", "POST /api/v1/sessions/{session_id}/chats/{chat_id}/actions",
		"GET /api/v1/sessions/{session_id}/chats/{chat_id}/messages", "GET /api/v1/sessions/{session_id}/contacts/lid/{lid}",
		"PUT /api/v1/sessions/{session_id}/profile", "POST /api/v1/sessions/{session_id}/presence", "POST /api/v1/sessions/{session_id}/channels",
		"POST /api/v1/sessions/{session_id}/calls/{call_id}/reject", "PUT /api/v1/messages/{message_id}/labels/{label_id}",
		"GET /api/v1/sessions/{session_id}/operations"} {
		if !has[want] {
			t.Errorf("account routes lack %s: %v", want, routes)
		}
	}
	for _, not := range []string{"GET /api/v1/sessions/{session_id}", "POST /api/v1/sessions/{session_id}/scan", "POST /api/v1/messages/send"} {
		if has[not] {
			t.Errorf("account routes include %s, a route of the session or its messages", not)
		}
	}

	c := register(t, base, "guard@example.com")
	s := scanAs(t, c, "g", "15550009101")
	c.do("GET", "/api/v1/sessions/"+s.ID+"/groups", nil).must(t, http.StatusOK, nil)
	c.do("GET", "/api/v1/sessions/"+s.ID+"/contacts/notanumber", nil).fails(t, http.StatusNotFound, "not_found")
	missing := undriven(routes, driven())
	if len(missing) != len(routes)-1 {
		t.Fatalf("%d of %d routes undriven after one success, want all but one: %v", len(missing), len(routes), missing)
	}
	for _, r := range missing {
		if r == "GET /api/v1/sessions/{session_id}/groups" {
			t.Fatal("the route answered with a success is counted undriven")
		}
	}
}
