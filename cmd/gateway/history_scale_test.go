package main

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// historyScale is the size of the history TestHistoryTenThousand syncs.
const historyScale = 10_000

// TestHistoryTenThousand pairs a fresh sandbox session whose seeded history
// holds 10,000 messages (SANDBOX_HISTORY_MESSAGES), waits for the sync to
// be done with the right counts on the session, then pages through the
// chat list and every chat's history with the cursor, newest first: each
// message once, none missing. Each page's request allocates a bounded
// amount, far below what the whole history's answers weigh, so no page
// loads the history. None of it reaches a webhook as a message. On SQLite,
// and on PostgreSQL when TEST_DATABASE_URL is set.
func TestHistoryTenThousand(t *testing.T) {
	eachStore(t, nil, 0, historyTenThousand)
}

func historyTenThousand(t *testing.T, extra map[string]string) {
	env := map[string]string{"SANDBOX_PAIR_DELAY": "0", "SANDBOX_HISTORY_MESSAGES": strconv.Itoa(historyScale),
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_POLL_INTERVAL": "100ms", "LOG_LEVEL": "error"}
	maps.Copy(env, extra)
	base := startGateway(t, testEnv(t, env))
	c := register(t, base, "history-scale@example.com")
	// Every event type, from before the pairing: the history must not come
	// as message events.
	recv := newReceiver(t)
	recv.setSecrets(createWebhook(t, c, recv.URL(), "*").Secret)

	paired := time.Now()
	s := scanAs(t, c, "big", "15550009001")
	got := waitHistorySync(t, c, s.ID, "done", time.Minute)
	synced := time.Since(paired)
	if want := (historySyncView{Status: "done", Chats: 6, Messages: historyScale, Progress: 100}); got != want {
		t.Fatalf("history_sync: got %+v, want %+v", got, want)
	}

	// The chat list, two a page.
	var chats []chatView
	for page := 1; ; page++ {
		var list chatListView
		c.do("GET", "/api/v1/sessions/"+s.ID+"/chats?limit=2&page="+strconv.Itoa(page), nil).must(t, http.StatusOK, &list)
		chats = append(chats, list.Chats...)
		if list.Pagination.Total != 6 {
			t.Fatalf("chat list total %d, want 6", list.Pagination.Total)
		}
		if page >= list.Pagination.Pages {
			break
		}
	}
	if len(chats) != 6 {
		t.Fatalf("paged %d chats (%s), want 6", len(chats), chatJIDsOf(chats))
	}

	// Every chat's history, 50 a page, by cursor. The allocations of each
	// request (the server's work and the transport's, one process) are
	// measured under the document check, whose validation is not counted.
	meter := &allocMeter{next: http.DefaultTransport}
	pager := *c
	pager.http = &http.Client{Transport: meter}
	type histMsg struct {
		ID          string    `json:"id"`
		WAMessageID string    `json:"wa_message_id"`
		History     bool      `json:"history"`
		CreatedAt   time.Time `json:"created_at"`
	}
	seen := make(map[string]bool, historyScale)
	var (
		pages, answered     int
		maxAlloc, sumAlloc  uint64
		firstAlloc, lastAll uint64
	)
	pagingStart := time.Now()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapAlloc
	for _, ch := range chats {
		seenChat := map[string]bool{}
		cursor, n := "", 0
		var prev *histMsg
		for {
			r := pager.do("GET", "/api/v1/sessions/"+s.ID+"/chats/"+url.PathEscape(ch.JID)+"/messages?limit=50&before="+url.QueryEscape(cursor), nil)
			alloc := meter.last
			var page struct {
				Messages   []histMsg `json:"messages"`
				NextCursor string    `json:"next_cursor"`
			}
			r.must(t, http.StatusOK, &page)
			pages++
			answered += len(r.Raw)
			sumAlloc += alloc
			maxAlloc = max(maxAlloc, alloc)
			if pages == 1 {
				firstAlloc = alloc
			}
			lastAll = alloc
			if len(page.Messages) == 0 || len(page.Messages) > 50 {
				t.Fatalf("chat %s: a page of %d messages, want 1 to 50", ch.JID, len(page.Messages))
			}
			for i := range page.Messages {
				m := &page.Messages[i]
				if !m.History {
					t.Fatalf("message %s is not marked history", m.ID)
				}
				if seen[m.ID] || seenChat[m.WAMessageID] {
					t.Fatalf("message %s (%s) answered twice", m.ID, m.WAMessageID)
				}
				// Newest first: each one older than the one before it
				// (the seeded messages are at distinct instants).
				if prev != nil && !m.CreatedAt.Before(prev.CreatedAt) {
					t.Fatalf("chat %s: %s at %v after %s at %v, want newest first", ch.JID, m.ID, m.CreatedAt, prev.ID, prev.CreatedAt)
				}
				// The chat list names the newest as the chat's last message.
				if n == 0 && (ch.LastMessage == nil || ch.LastMessage.ID != m.ID) {
					t.Errorf("chat %s: last message %+v, want its newest, %s", ch.JID, ch.LastMessage, m.ID)
				}
				seen[m.ID], seenChat[m.WAMessageID] = true, true
				prev = m
				n++
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		// The seed deals its messages to the six chats in turn.
		if n < historyScale/6 || n > historyScale/6+1 {
			t.Errorf("chat %s: %d messages, want %d or %d", ch.JID, n, historyScale/6, historyScale/6+1)
		}
	}
	paging := time.Since(pagingStart)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if len(seen) != historyScale {
		t.Fatalf("paged %d distinct messages, want %d", len(seen), historyScale)
	}
	// Loading the history for a page would allocate at least what its
	// messages weigh (the driver copies each row out); a page may allocate
	// a quarter of what all the answers together weigh (about fifty times
	// a page's own answer).
	if bound := uint64(answered) / 4; maxAlloc > bound {
		t.Errorf("a page request allocated %d bytes, more than %d (a quarter of the %d bytes all %d pages answered): a page loads more than its messages",
			maxAlloc, bound, answered, pages)
	}
	t.Logf("%d messages synced in %v; %d pages of 50 in %v (%v a page, %v of it the round trip, the rest the document check); %d bytes answered; a page allocated %d bytes on average, %d at most (first %d, last %d); live heap %d bytes before paging, %d after",
		historyScale, synced.Round(time.Millisecond), pages, paging.Round(time.Millisecond), (paging / time.Duration(pages)).Round(time.Microsecond),
		(meter.took / time.Duration(pages)).Round(time.Microsecond),
		answered, sumAlloc/uint64(pages), maxAlloc, firstAlloc, lastAll, heapBefore, ms.HeapAlloc)

	// The webhook had the history.sync event, and no message event.
	polltest.Eventually(t, patience, "history.sync delivered", func() bool { return countType(recv, "history.sync") == 1 })
	if n := countType(recv, "message"); n != 0 {
		t.Errorf("%d history messages were delivered to the webhook as messages", n)
	}
}

// allocMeter is a transport that measures the bytes the process allocates
// for one round trip, the answer read whole (the server has then done its
// work): the last measure is in last. Requests are sent one at a time.
type allocMeter struct {
	next http.RoundTripper
	last uint64
	took time.Duration // all round trips together
}

func (m *allocMeter) RoundTrip(req *http.Request) (*http.Response, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before, start := ms.TotalAlloc, time.Now()
	resp, err := m.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	m.took += time.Since(start)
	runtime.ReadMemStats(&ms)
	m.last = ms.TotalAlloc - before
	return resp, err
}
