// Package storetest is the behaviour suite every gateway.Store must pass:
// the SQLite and PostgreSQL adapters run it from their own tests, so both
// behave the same at the interface.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Run runs the suite. Every subtest gets a fresh, empty store from newStore
// and runs in parallel with the others, so newStore must be safe to call
// concurrently and must close what it opens (t.Cleanup).
func Run(t *testing.T, newStore func(t *testing.T) gateway.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s gateway.Store)
	}{
		{"PingAndDialect", testPingAndDialect},
		{"Users", testUsers},
		{"ListUsers", testListUsers},
		{"Plans", testPlans},
		{"APIKeys", testAPIKeys},
		{"Sessions", testSessions},
		{"SetSessionState", testSetSessionState},
		{"DeleteSession", testDeleteSession},
		{"SessionByPhone", testSessionByPhone},
		{"SearchSessions", testSearchSessions},
		{"Instances", testInstances},
		{"UpdateInstance", testUpdateInstance},
		{"Messages", testMessages},
		{"ListMessagesFilters", testListMessagesFilters},
		{"MessageStatusForwardOnly", testMessageStatusForwardOnly},
		{"MessageStatusReceipts", testMessageStatusReceipts},
		{"InboundDuplicates", testInboundDuplicates},
		{"QueuedMessages", testQueuedMessages},
		{"ScheduledMessages", testScheduledMessages},
		{"PollVotes", testPollVotes},
		{"GroupReceipts", testGroupReceipts},
		{"MessageByWAID", testMessageByWAID},
		{"CountMessages", testCountMessages},
		{"Events", testEvents},
		{"EventsInTransaction", testEventsInTransaction},
		{"Webhooks", testWebhooks},
		{"DeliveryFanOut", testDeliveryFanOut},
		{"DeliveryClaim", testDeliveryClaim},
		{"DeliveryClaimConcurrent", testDeliveryClaimConcurrent},
		{"DeliveryClaimFair", testDeliveryClaimFair},
		{"DeliveryComplete", testDeliveryComplete},
		{"DeliveryStreakOutOfOrder", testDeliveryStreakOutOfOrder},
		{"TestDelivery", testTestDelivery},
		{"PurgeEvents", testPurgeEvents},
		{"CappedCreates", testCappedCreates},
		{"StateCounts", testStateCounts},
		{"Subscriptions", testSubscriptions},
		{"MessageQuota", testMessageQuota},
		{"Idempotency", testIdempotency},
		{"UsageAndAnalytics", testUsageAndAnalytics},
		{"StatusBatchRollups", testStatusBatchRollups},
		{"SentLinkPreview", testSentLinkPreview},
		{"AnalyticsRollups", testAnalyticsRollups},
		{"UserTokens", testUserTokens},
		{"AccountOperations", testAccountOperations},
		{"SandboxGroups", testSandboxGroups},
		{"SandboxAccounts", testSandboxAccounts},
		{"Chats", testChats},
		{"Labels", testLabels},
		{"LabelIDs", testLabelIDs},
		{"ChatMessagesPaging", testChatMessagesPaging},
		{"History", testHistory},
		{"HistoryTenThousand", testHistoryTenThousand},
		{"TenantIsolation", testTenantIsolation},
		{"ConcurrentWriters", testConcurrentWriters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// opts compares JSON by what it says, not how it is spelled, since
// PostgreSQL's JSONB does not keep the text as written. cmp hands every
// []byte to this comparer too (it is assignable to json.RawMessage), so
// bytes that are not JSON (a poll's secret) are compared as bytes.
var opts = cmp.Options{
	cmp.Comparer(func(a, b json.RawMessage) bool {
		if len(a) == 0 || len(b) == 0 {
			return len(a) == len(b)
		}
		var va, vb any
		if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
			return bytes.Equal(a, b)
		}
		return reflect.DeepEqual(va, vb)
	}),
}

// seq makes emails, phone numbers and names unique across a store.
var seq atomic.Int64

func next() int64 { return seq.Add(1) }

// base is a fixed time the fixtures count from, so ordering is explicit.
var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// at returns base plus n minutes.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }

func ptr[T any](v T) *T { return &v }

func ctx(t *testing.T) context.Context { return t.Context() }

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code gateway.Code) {
	t.Helper()
	if got := gateway.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// diff fails the test when got and want differ.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// wantPage returns the check of a list call's answer: no error, the items
// want in order, and total as the count.
func wantPage[T any](t *testing.T, what string, want []T, total int) func([]T, int, error) {
	return func(got []T, n int, err error) {
		t.Helper()
		must(t, err)
		diff(t, what, got, want)
		if n != total {
			t.Fatalf("%s: got total %d, want %d", what, n, total)
		}
	}
}

// wantIDs is wantPage comparing only the items' ids (id reads one).
func wantIDs[T any](t *testing.T, what string, id func(T) string, want []string, total int) func([]T, int, error) {
	return func(got []T, n int, err error) {
		t.Helper()
		must(t, err)
		diff(t, what, ids(got, id), want)
		if n != total {
			t.Fatalf("got total %d, want %d", n, total)
		}
	}
}

// filterCase is one filter of a list method and the page it must answer:
// the items' ids in order and the total.
type filterCase[F any] struct {
	name  string
	f     F
	want  []string
	total int
}

// runFilters runs list over the cases, one subtest each; id reads an
// item's id.
func runFilters[F, T any](t *testing.T, what string, id func(T) string, list func(t *testing.T, f F) ([]T, int, error), cases []filterCase[F]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			wantIDs(t, what, id, tt.want, tt.total)(list(t, tt.f))
		})
	}
}

// wantEvents fails the test unless the events f lists for userID are n,
// the last of them last (why says which they are).
func wantEvents(t *testing.T, s gateway.Store, userID string, f gateway.EventFilter, n int, last, why string) {
	t.Helper()
	events, err := s.ListEvents(ctx(t), userID, f)
	must(t, err)
	if len(events) != n || (n > 0 && events[n-1].ID != last) {
		t.Fatalf("got %d events (%v), want %d: %s", len(events), ids(events, evID), n, why)
	}
}

// wantCount returns the check of a count call's answer: no error, and
// want things (sessions, keys) counted.
func wantCount(t *testing.T, want int, things string) func(int, error) {
	return func(n int, err error) {
		t.Helper()
		must(t, err)
		if n != want {
			t.Fatalf("got %d %s, want %d", n, things, want)
		}
	}
}

func newUser(t *testing.T, s gateway.Store) *gateway.User {
	t.Helper()
	n := next()
	u := &gateway.User{
		Email:        fmt.Sprintf("user%d@example.com", n),
		Name:         fmt.Sprintf("User %d", n),
		Role:         gateway.RoleUser,
		Status:       gateway.UserActive,
		PlanID:       "free",
		PasswordHash: "hash",
	}
	must(t, s.CreateUser(ctx(t), u))
	return u
}

// newTenant makes a tenant with one session, the cast most tests start with.
func newTenant(t *testing.T, s gateway.Store) (*gateway.User, *gateway.Session) {
	t.Helper()
	u := newUser(t, s)
	return u, newSession(t, s, u.ID)
}

func newSession(t *testing.T, s gateway.Store, userID string) *gateway.Session {
	t.Helper()
	sess := &gateway.Session{
		UserID:   userID,
		Name:     fmt.Sprintf("session-%d", next()),
		Engine:   gateway.EngineSandbox,
		Status:   gateway.SessionCreated,
		Settings: gateway.SessionSettings{WebhookEvents: []string{gateway.EventMessage}},
	}
	must(t, s.CreateSession(ctx(t), sess))
	return sess
}

func newInstance(t *testing.T, s gateway.Store, sess *gateway.Session, status gateway.InstanceStatus) *gateway.Instance {
	t.Helper()
	i := &gateway.Instance{
		ID:        uuid.NewString(),
		SessionID: sess.ID,
		UserID:    sess.UserID,
		Status:    status,
		Driver:    "local",
	}
	must(t, s.CreateInstance(ctx(t), i))
	return i
}

// newMessage stores an outbound queued text message of sess, changed by edit.
func newMessage(t *testing.T, s gateway.Store, sess *gateway.Session, edit func(m *gateway.Message)) *gateway.Message {
	t.Helper()
	m := &gateway.Message{
		UserID:      sess.UserID,
		SessionID:   sess.ID,
		Direction:   gateway.DirectionOutbound,
		Type:        gateway.TypeText,
		Recipient:   "15550001111@s.whatsapp.net",
		Chat:        "15550001111@s.whatsapp.net",
		Body:        "hello",
		Status:      gateway.MessageQueued,
		WAMessageID: gateway.NewWAMessageID(),
	}
	if edit != nil {
		edit(m)
	}
	must(t, s.CreateMessage(ctx(t), m))
	return m
}

func ids[T any](list []T, id func(T) string) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

func testPingAndDialect(t *testing.T, s gateway.Store) {
	must(t, s.Ping(ctx(t)))
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Fatalf("got dialect %q, want sqlite or postgres", d)
	}
}
