package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestMessageTypesSandbox sends each message type and event of the
// message vocabulary between two sandbox sessions of one tenant, through
// the API, the queue and the worker, and reads it back (every response
// checked against the served OpenAPI document by the test client). On
// SQLite, and on PostgreSQL with Redis when TEST_DATABASE_URL and
// TEST_REDIS_URL are set.
func TestMessageTypesSandbox(t *testing.T) {
	eachStore(t, pairAtOnce, 11, messageTypes)
}

// scheduledView is a message with its schedule.
type scheduledView struct {
	messageView
	SendAt *time.Time `json:"send_at"`
	SentAt *time.Time `json:"sent_at"`
}

func getScheduled(t *testing.T, c *client, id string) scheduledView {
	t.Helper()
	var got struct {
		Message scheduledView `json:"message"`
	}
	c.do("GET", "/api/v1/messages/"+id, nil).must(t, http.StatusOK, &got)
	return got.Message
}

func messageTypes(t *testing.T, extra map[string]string) {
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true" // the test's receivers listen on loopback
	env := testEnv(t, extra)
	base, stop := runGateway(t, env, testWriter{t})
	alice := register(t, base, "types-alice@example.com")
	a1 := scanAs(t, alice, "a1", "15550005001")
	a2 := scanAs(t, alice, "a2", "15550005002")
	to := "+" + a2.Phone

	t.Run("scheduled", func(t *testing.T) {
		// Refusals name send_at.
		for _, at := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(367 * 24 * time.Hour)} {
			r := alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "message": "x",
				"send_at": at.Format(time.RFC3339)}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
			if r.Error.Fields["send_at"] == "" {
				t.Errorf("send_at %v: fields %v, want send_at named", at, r.Error.Fields)
			}
		}

		// A send due in a second stays scheduled, then goes out and arrives.
		due := time.Now().Add(time.Second).UTC().Truncate(time.Millisecond)
		var sent struct {
			Message scheduledView `json:"message"`
		}
		alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "message": "later",
			"send_at": due.Format(time.RFC3339Nano)}).must(t, http.StatusCreated, &sent)
		if sent.Message.Status != "scheduled" || sent.Message.SendAt == nil || !sent.Message.SendAt.Equal(due) {
			t.Fatalf("answered %+v, want scheduled for %v", sent.Message, due)
		}
		// A far one is canceled; canceling again, or a sent message, is a conflict.
		far := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "never",
			"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		var canceled struct {
			Message scheduledView `json:"message"`
		}
		alice.do("DELETE", "/api/v1/messages/"+far.ID, nil).must(t, http.StatusOK, &canceled)
		if canceled.Message.Status != "canceled" || canceled.Message.Body != "never" {
			t.Fatalf("cancel answered %+v, want it canceled", canceled.Message)
		}
		alice.do("DELETE", "/api/v1/messages/"+far.ID, nil).fails(t, http.StatusConflict, "conflict")

		got := receivedAs(t, alice, a2.ID, sent.Message.WAMessageID)
		if got.Body != "later" {
			t.Fatalf("received %q, want later", got.Body)
		}
		// The sender stores "sent" once the send returns, which can be after the peer stored it.
		var out scheduledView
		polltest.Eventually(t, patience, "the scheduled message stored as sent", func() bool {
			out = getScheduled(t, alice, sent.Message.ID)
			return out.SentAt != nil
		})
		if out.SentAt == nil || out.SentAt.Before(due) {
			t.Fatalf("sent at %v, want at or after %v", out.SentAt, due)
		}
		alice.do("DELETE", "/api/v1/messages/"+sent.Message.ID, nil).fails(t, http.StatusConflict, "conflict")
		alice.do("DELETE", "/api/v1/messages/7d7b1c9e-3f51-4c55-9a53-1c4b8f0e2a10", nil).fails(t, http.StatusNotFound, "not_found")
		bob := register(t, base, "types-bob@example.com")
		bob.do("DELETE", "/api/v1/messages/"+far.ID, nil).fails(t, http.StatusNotFound, "not_found")

		// The cancel is an event.
		if !replayEvents(t, alice, "types=message.status", func(data []byte) bool {
			return strings.Contains(string(data), `"status":"canceled"`) && strings.Contains(string(data), far.ID)
		}) {
			t.Fatal("no message.status event says the scheduled message was canceled")
		}
		if got := getScheduled(t, alice, far.ID); got.Status != "canceled" {
			t.Fatalf("canceled message is %s later, want canceled", got.Status)
		}
	})

	t.Run("poll", func(t *testing.T) {
		// Refusals name the field.
		for field, body := range map[string]map[string]any{
			"poll.options":    {"poll": map[string]any{"question": "q", "options": []string{"only"}}},
			"poll.options[1]": {"poll": map[string]any{"question": "q", "options": []string{"a", " a "}}},
			"poll.question":   {"poll": map[string]any{"question": " ", "options": []string{"a", "b"}}},
			"poll":            {},
		} {
			body["session_id"], body["recipient"], body["message_type"] = a1.ID, to, "poll"
			r := alice.do("POST", "/api/v1/messages/send", body).fails(t, http.StatusUnprocessableEntity, "validation_failed")
			if r.Error.Fields[field] == "" {
				t.Errorf("poll %v: fields %v, want %s named", body["poll"], r.Error.Fields, field)
			}
		}

		m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "poll",
			"poll": map[string]any{"question": "Lunch?", "options": []string{"Pizza", "Sushi", "Pasta"}}})
		got := receivedAs(t, alice, a2.ID, m.WAMessageID)
		var p struct {
			Message struct {
				Type    string `json:"message_type"`
				Body    string `json:"message"`
				Payload struct {
					Poll struct {
						Question        string   `json:"question"`
						Options         []string `json:"options"`
						MultipleAnswers bool     `json:"multiple_answers"`
					} `json:"poll"`
				} `json:"payload"`
			} `json:"message"`
		}
		r := alice.do("GET", "/api/v1/messages/"+got.ID, nil).must(t, http.StatusOK, &p)
		if p.Message.Type != "poll" || p.Message.Body != "Lunch?" || p.Message.Payload.Poll.Question != "Lunch?" ||
			len(p.Message.Payload.Poll.Options) != 3 || p.Message.Payload.Poll.MultipleAnswers {
			t.Fatalf("received poll %+v", p.Message)
		}
		if strings.Contains(string(r.Raw), "secret") {
			t.Fatalf("a poll's message shows its secret: %s", r.Raw)
		}

		// Votes are checked against the poll.
		for field, body := range map[string]map[string]any{
			"votes[0]":  {"target": got.ID, "votes": []string{"Burgers"}},
			"votes":     {"target": got.ID, "votes": []string{"Pizza", "Sushi"}},
			"target":    {"target": m.ID, "votes": []string{"Pizza"}},
			"recipient": {"target": got.ID, "votes": []string{"Pizza"}, "recipient": "+15550009999"},
		} {
			body["session_id"], body["message_type"] = a2.ID, "poll_vote"
			if body["recipient"] == nil {
				body["recipient"] = "+" + a1.Phone
			}
			r := alice.do("POST", "/api/v1/messages/send", body).fails(t, http.StatusUnprocessableEntity, "validation_failed")
			if r.Error.Fields[field] == "" {
				t.Errorf("vote %v: fields %v, want %s named", body, r.Error.Fields, field)
			}
		}

		// a2 votes Sushi, then changes to Pizza: a1's tally follows, each vote an event.
		type tally struct {
			Poll struct {
				Question string `json:"question"`
				Voters   int    `json:"voters"`
				Options  []struct {
					Name   string   `json:"name"`
					Votes  int      `json:"votes"`
					Voters []string `json:"voters"`
				} `json:"options"`
				Votes []struct {
					Voter      string   `json:"voter"`
					VoterPhone string   `json:"voter_phone"`
					Options    []string `json:"options"`
				} `json:"votes"`
			} `json:"poll"`
		}
		counts := func(id string) map[string]int {
			var tl tally
			alice.do("GET", "/api/v1/messages/"+id+"/poll", nil).must(t, http.StatusOK, &tl)
			out := map[string]int{}
			for _, o := range tl.Poll.Options {
				out[o.Name] = o.Votes
			}
			return out
		}
		for _, choice := range []string{"Sushi", "Pizza"} {
			v := sendWith(t, alice, map[string]any{"session_id": a2.ID, "recipient": "+" + a1.Phone, "message_type": "poll_vote",
				"target": got.ID, "votes": []string{choice}})
			waitMessageStatus(t, alice, v.ID, "read")
			polltest.Eventually(t, patience, "a1's tally shows "+choice, func() bool { return counts(m.ID)[choice] == 1 })
		}
		var tl tally
		alice.do("GET", "/api/v1/messages/"+m.ID+"/poll", nil).must(t, http.StatusOK, &tl)
		if tl.Poll.Voters != 1 || len(tl.Poll.Votes) != 1 || tl.Poll.Votes[0].VoterPhone != a2.Phone ||
			strings.Join(tl.Poll.Votes[0].Options, ",") != "Pizza" || tl.Poll.Options[1].Votes != 0 || tl.Poll.Options[0].Voters[0] != tl.Poll.Votes[0].Voter {
			t.Fatalf("a1's tally %+v, want a2's one vote for Pizza", tl.Poll)
		}
		// The Go client reads the same tally.
		gc := sdk(t, base)
		gc.Token = alice.token
		if ct, err := gc.MessagePoll(t.Context(), m.ID); err != nil || ct.Voters != 1 || ct.Options[0].Name != "Pizza" || ct.Options[0].Votes != 1 {
			t.Fatalf("client MessagePoll: %+v, %v", ct, err)
		}
		// a2's copy counts its own vote, as its phone would show it.
		if c := counts(got.ID); c["Pizza"] != 1 || c["Sushi"] != 0 {
			t.Fatalf("a2's own tally %v, want its vote for Pizza", c)
		}
		for _, want := range []string{"Sushi", "Pizza"} {
			if !replayEvents(t, alice, "types=poll.vote&session_id="+a1.ID, func(data []byte) bool {
				return strings.Contains(string(data), `"options":["`+want+`"]`) && strings.Contains(string(data), m.ID)
			}) {
				t.Fatalf("no poll.vote event for %s on a1's poll", want)
			}
		}
		alice.do("GET", "/api/v1/messages/"+m.ID+"/poll", nil).must(t, http.StatusOK, nil)
		alice.do("GET", "/api/v1/messages/"+sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "x"}).ID+"/poll", nil).
			fails(t, http.StatusNotFound, "not_found")
	})

	t.Run("edits, revocations and reactions", func(t *testing.T) {
		// One endpoint subscribed to message (it keeps receiving them, with
		// their own types), one to reaction only; both verify signatures.
		all, reactions := newReceiver(t), newReceiver(t)
		all.setSecrets(createWebhook(t, alice, all.URL(), "message").Secret)
		reactions.setSecrets(createWebhook(t, alice, reactions.URL(), "reaction").Secret)

		m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "typo"})
		receivedAs(t, alice, a2.ID, m.WAMessageID)
		sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "reaction", "target": m.ID, "reaction": "👍"})
		sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "edit", "target": m.ID, "message": "fixed"})
		sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "revoke", "target": m.ID})

		want := map[string]string{"message.edited": "edit", "message.revoked": "revoke", "reaction": "reaction"}
		for typ, msgType := range want {
			if !replayEvents(t, alice, "types="+typ+"&session_id="+a2.ID, func(data []byte) bool {
				var ev struct {
					Type string `json:"type"`
					Data struct {
						Type string `json:"message_type"`
						Body string `json:"message"`
					} `json:"data"`
				}
				return json.Unmarshal(data, &ev) == nil && ev.Type == typ && ev.Data.Type == msgType && strings.Contains(string(data), m.WAMessageID)
			}) {
				t.Fatalf("no %s event for the %s on a2", typ, msgType)
			}
		}
		typesOf := func(r *receiver) map[string]int {
			r.mu.Lock()
			defer r.mu.Unlock()
			out := map[string]int{}
			for id, typ := range r.types {
				if r.accepted[id] > 0 {
					out[typ]++
				}
			}
			return out
		}
		polltest.Eventually(t, patience, "the message endpoint receives the message and its edit, revoke and reaction", func() bool {
			got := typesOf(all)
			return got["message"] >= 1 && got["message.edited"] == 1 && got["message.revoked"] == 1 && got["reaction"] == 1
		})
		polltest.Eventually(t, patience, "the reaction endpoint receives the reaction", func() bool { return typesOf(reactions)["reaction"] == 1 })
		if got := typesOf(reactions); len(got) != 1 {
			t.Fatalf("the reaction endpoint received %v, want the reaction only", got)
		}
		for _, r := range []*receiver{all, reactions} {
			if _, bad := r.snapshot(); bad != 0 {
				t.Fatalf("%d deliveries failed signature checks", bad)
			}
		}
	})

	t.Run("scheduled across a restart", func(t *testing.T) {
		due := time.Now().Add(1500 * time.Millisecond)
		m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "after restart",
			"send_at": due.Format(time.RFC3339Nano)})
		stop()
		base2, _ := runGateway(t, env, testWriter{t})
		alice.base = base2
		polltest.Eventually(t, 2*patience, "scheduled message sent after the restart", func() bool {
			st := getScheduled(t, alice, m.ID).Status
			return st == "sent" || st == "delivered" || st == "read"
		})
		if got := receivedAs(t, alice, a2.ID, m.WAMessageID); got.Body != "after restart" {
			t.Fatalf("received %q after the restart", got.Body)
		}
	})
}
