package main

import (
	"fmt"
	"testing"
)

// TestTextNoStoreTakes sends a NUL character (\u0000 in JSON, %00 in a
// query) and bytes that are not UTF-8 to every kind of input, on SQLite and,
// when TEST_DATABASE_URL is set, on PostgreSQL (whose text refuses both):
// each is refused alike, 422 for a body and 400 for a query parameter, with
// the field named, and never a 500.
func TestTextNoStoreTakes(t *testing.T) {
	eachStore(t, nil, 0, func(t *testing.T, env map[string]string) {
		base := startGateway(t, testEnv(t, env))
		c := register(t, base, "text@example.com")
		sess := newSession(t, c, "s1")
		anon := &client{t: t, base: base}

		tests := []struct {
			name, method, path string
			c                  *client
			body               string
			status             int
			field              string
		}{
			{"register name", "POST", "/api/v1/auth/register", anon,
				`{"email":"nul@example.com","password":"password123","name":"a\u0000b"}`, 422, "name"},
			{"register name not UTF-8", "POST", "/api/v1/auth/register", anon,
				"{\"email\":\"bad@example.com\",\"password\":\"password123\",\"name\":\"a\xffb\"}", 422, "name"},
			{"login email", "POST", "/api/v1/auth/login", anon,
				`{"email":"text\u0000@example.com","password":"password123"}`, 422, "email"},
			{"session name", "POST", "/api/v1/sessions", c, `{"session_name":"s\u0000"}`, 422, "session_name"},
			{"session rename", "PATCH", "/api/v1/sessions/" + sess.ID, c, `{"session_name":"s\u0000"}`, 422, "session_name"},
			{"send text", "POST", "/api/v1/messages/send", c,
				fmt.Sprintf(`{"session_id":%q,"recipient":"1234567890","message":"hi\u0000"}`, sess.ID), 422, "message"},
			{"webhook header value", "POST", "/api/v1/webhooks", c,
				`{"url":"https://example.com/h","events":["message"],"headers":{"X-Foo":"v\u0000"}}`, 422, "headers.X-Foo"},
			{"api key name", "POST", "/api/v1/api-keys", c, `{"name":"k\u0000"}`, 422, "name"},
			{"query filter NUL", "GET", "/api/v1/messages?recipient=%00", c, "", 400, "recipient"},
			{"query filter not UTF-8", "GET", "/api/v1/messages?recipient=%ff", c, "", 400, "recipient"},
			{"analytics session filter", "GET", "/api/v1/analytics/messages?session_id=%00", c, "", 400, "session_id"},
			{"plan id in the path", "GET", "/api/v1/plans/%00", c, "", 400, "plan_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.c.t = t
				defer func() { tt.c.t = nil }()
				var body any
				if tt.body != "" {
					body = tt.body
				}
				r := tt.c.do(tt.method, tt.path, body)
				code := map[int]string{400: "invalid_request", 422: "validation_failed"}[tt.status]
				r.fails(t, tt.status, code)
				if r.Error.Fields[tt.field] == "" {
					t.Fatalf("field %q not named: %s", tt.field, r.Raw)
				}
			})
		}
	})
}
