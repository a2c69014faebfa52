package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	wagw "github.com/whatsapp-saas/gateway/client"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// callView is a call event's data, or a call route's answer.
type callView struct {
	SessionID    string `json:"session_id"`
	CallID       string `json:"call_id"`
	Action       string `json:"action"`
	Caller       string `json:"caller"`
	CallerPhone  string `json:"caller_phone"`
	CallerLID    string `json:"caller_lid"`
	FromMe       bool   `json:"from_me"`
	Video        bool   `json:"video"`
	IsGroup      bool   `json:"is_group"`
	Group        string `json:"group"`
	Missed       bool   `json:"missed"`
	By           string `json:"by"`
	AutoRejected bool   `json:"auto_rejected"`
}

// callEvent waits for a session's call event that ok accepts.
func callEvent(t *testing.T, c *client, sessionID string, ok func(callView) bool) callView {
	t.Helper()
	var found callView
	if !replayEvents(t, c, "types=call&session_id="+sessionID, func(data []byte) bool {
		var ev struct {
			Type string   `json:"type"`
			Data callView `json:"data"`
		}
		if json.Unmarshal(data, &ev) != nil || ev.Type != "call" || !ok(ev.Data) {
			return false
		}
		found = ev.Data
		return true
	}) {
		t.Fatalf("the awaited call event of session %s did not arrive", sessionID)
	}
	return found
}

// TestCallsSandbox drives calls end to end between two sandbox sessions of
// one tenant: a call placed from one rings on the other, which rejects it
// through the API, answers it, lets it ring out, or has it rejected by
// its auto_reject_calls setting with a reply sent through the send queue;
// every step is a call event on both sides, delivered to a webhook that
// verifies signatures. On SQLite, and on PostgreSQL with Redis when
// TEST_DATABASE_URL and TEST_REDIS_URL are set.
func TestCallsSandbox(t *testing.T) {
	eachStore(t, pairAtOnce, 13, calls)
}

func calls(t *testing.T, extra map[string]string) {
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true" // the receiver listens on loopback
	callsOn(t, startGateway(t, testEnv(t, extra)))
}

// callsOn is the calls walk on the gateway at base, which must allow
// webhooks to loopback receivers.
func callsOn(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "calls")
	a1 := scanAs(t, alice, "a1", "15550006001")
	a2 := scanAs(t, alice, "a2", "15550006002")
	recv := newReceiver(t)
	recv.setSecrets(createWebhook(t, alice, recv.URL(), "call").Secret)
	place := func(body map[string]any) callView {
		t.Helper()
		var out struct {
			Call callView `json:"call"`
		}
		alice.do("POST", "/api/v1/sessions/"+a1.ID+"/sandbox/calls", body).must(t, http.StatusCreated, &out)
		return out.Call
	}
	calls := func(sid string) string { return "/api/v1/sessions/" + sid + "/calls/" }
	sandboxCalls := func(sid string) string { return "/api/v1/sessions/" + sid + "/sandbox/calls/" }

	// A video call rings on a2, which rejects it; a1 sees the rejection.
	c := place(map[string]any{"to": "+" + a2.Phone, "video": true})
	if c.Action != "offer" || !c.FromMe || !c.Video || c.CallID == "" || c.CallerPhone != a1.Phone {
		t.Fatalf("placed %+v, want a1's video call ringing", c)
	}
	offer := callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "offer" })
	if offer.FromMe || !offer.Video || offer.CallerPhone != a1.Phone || offer.Caller != a1.Phone+"@s.whatsapp.net" || offer.CallerLID == "" {
		t.Fatalf("a2's offer %+v, want a1's video call with its phone and LID", offer)
	}
	var rejected struct {
		Call callView `json:"call"`
	}
	alice.do("POST", calls(a2.ID)+c.CallID+"/reject", nil).must(t, http.StatusOK, &rejected)
	if rejected.Call.Action != "reject" || rejected.Call.By != "session" || rejected.Call.CallerPhone != a1.Phone {
		t.Fatalf("reject answered %+v, want the call rejected by the session", rejected.Call)
	}
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "reject" && v.By == "session" })
	callEvent(t, alice, a1.ID, func(v callView) bool {
		return v.CallID == c.CallID && v.Action == "reject" && v.By == "peer" && v.FromMe && v.Video
	})
	alice.do("POST", calls(a2.ID)+c.CallID+"/reject", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("POST", calls(a2.ID)+"0123456789ABCDEF/reject", nil).fails(t, http.StatusNotFound, "not_found")

	// Answered on a2's "phone", hung up by a1: no missed call.
	c = place(map[string]any{"to": a2.Phone})
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "offer" })
	alice.do("POST", sandboxCalls(a2.ID)+c.CallID+"/end", nil).fails(t, http.StatusConflict, "conflict")
	alice.do("POST", sandboxCalls(a2.ID)+c.CallID+"/accept", nil).must(t, http.StatusOK, nil)
	callEvent(t, alice, a1.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "accept" })
	alice.do("POST", sandboxCalls(a1.ID)+c.CallID+"/end", nil).must(t, http.StatusOK, nil)
	end := callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "terminate" })
	if end.Missed {
		t.Fatalf("a2's terminate %+v, want an answered call, not missed", end)
	}

	// The same through the Go client: a call rings, is rejected, and a
	// second rejection is a 404.
	gc := sdk(t, base)
	gc.Token = alice.token
	placed, err := gc.PlaceSandboxCall(t.Context(), a1.ID, a2.Phone, false, 0)
	if err != nil || placed.Action != "offer" || !placed.FromMe {
		t.Fatalf("client PlaceSandboxCall: %+v, %v", placed, err)
	}
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == placed.CallID && v.Action == "offer" })
	if got, err := gc.RejectCall(t.Context(), a2.ID, placed.CallID); err != nil || got.Action != "reject" || got.By != "session" {
		t.Fatalf("client RejectCall: %+v, %v", got, err)
	}
	var apiErr *wagw.Error
	if _, err := gc.RejectCall(t.Context(), a2.ID, placed.CallID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("client RejectCall again: got %v, want a 404", err)
	}

	// And through wagw: a video call placed and rejected, JSON out.
	cfg := cliConfig(t, base, alice)
	cli := func(want int, args ...string) callView {
		t.Helper()
		out, errOut, code := runCLI(t, cfg, "", args...)
		if code != want {
			t.Fatalf("wagw %s: exit %d, want %d; out %q, err %q", strings.Join(args, " "), code, want, out, errOut)
		}
		var v callView
		if want == 0 {
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("wagw %s: %q is not a call: %v", strings.Join(args, " "), out, err)
			}
		}
		return v
	}
	placedByCLI := cli(0, "calls", a1.ID, "place", a2.Phone, "--video", "--json")
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == placedByCLI.CallID && v.Action == "offer" && v.Video })
	if got := cli(0, "calls", a2.ID, "reject", placedByCLI.CallID, "--json"); got.Action != "reject" || got.By != "session" {
		t.Fatalf("wagw calls reject: got %+v", got)
	}
	cli(1, "calls", a2.ID, "reject", placedByCLI.CallID)
	cli(2, "calls", a2.ID, "hangup", placedByCLI.CallID)

	// Nobody answers: after its ring time the call is missed on both sides.
	c = place(map[string]any{"to": a2.Phone, "ring_seconds": 1})
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "terminate" && v.Missed })
	callEvent(t, alice, a1.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "terminate" && v.Missed && v.FromMe })

	// auto_reject_calls: the settings show it, the call is rejected as it
	// rings (by auto, auto_rejected), and the reply goes through the queue.
	var upd struct {
		Session struct {
			Settings struct {
				AutoRejectCalls   bool   `json:"auto_reject_calls"`
				AutoRejectMessage string `json:"auto_reject_message"`
			} `json:"settings"`
		} `json:"session"`
	}
	alice.do("PATCH", "/api/v1/sessions/"+a2.ID, map[string]any{"settings": map[string]any{
		"auto_reject_calls": true, "auto_reject_message": "I cannot take calls here; please write."}}).must(t, http.StatusOK, &upd)
	alice.do("GET", "/api/v1/sessions/"+a2.ID, nil).must(t, http.StatusOK, &upd)
	if st := upd.Session.Settings; !st.AutoRejectCalls || st.AutoRejectMessage != "I cannot take calls here; please write." {
		t.Fatalf("a2's settings %+v, want auto_reject_calls with its message", st)
	}
	c = place(map[string]any{"to": a2.Phone})
	callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "offer" })
	auto := callEvent(t, alice, a2.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "reject" })
	if !auto.AutoRejected || auto.By != "auto" || auto.CallerPhone != a1.Phone {
		t.Fatalf("a2's reject %+v, want an automatic rejection of a1's call", auto)
	}
	callEvent(t, alice, a1.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "reject" && v.By == "peer" })
	polltest.Eventually(t, patience, "a1 receives a2's auto-reject message", func() bool {
		for _, m := range inbound(t, alice, a1.ID) {
			if m.Body == "I cannot take calls here; please write." {
				return true
			}
		}
		return false
	})
	var out struct {
		Messages []messageView `json:"messages"`
	}
	alice.do("GET", "/api/v1/messages?direction=outbound&session_id="+a2.ID, nil).must(t, http.StatusOK, &out)
	if len(out.Messages) != 1 || out.Messages[0].Body != "I cannot take calls here; please write." || out.Messages[0].Recipient != a1.Phone+"@s.whatsapp.net" {
		t.Fatalf("a2's outbound messages %+v, want the stored auto-reject reply to a1", out.Messages)
	}
	r := alice.do("PATCH", "/api/v1/sessions/"+a2.ID, map[string]any{"settings": map[string]any{
		"auto_reject_calls": true, "auto_reject_message": strings.Repeat("x", 4097)}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["settings.auto_reject_message"] == "" {
		t.Fatalf("fields %v, want settings.auto_reject_message named", r.Error.Fields)
	}

	// Refusals: a session not connected (409), another tenant's session
	// (404), a callee outside the tenant's sandbox (422).
	idle := newSession(t, alice, "idle")
	alice.do("POST", calls(idle.ID)+c.CallID+"/reject", nil).fails(t, http.StatusConflict, "conflict")
	bob.do("POST", calls(a2.ID)+c.CallID+"/reject", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", "/api/v1/sessions/"+a1.ID+"/sandbox/calls", map[string]any{"to": a2.Phone}).fails(t, http.StatusNotFound, "not_found")
	b1 := scanAs(t, bob, "b1", "15550006003")
	bob.do("POST", "/api/v1/sessions/"+b1.ID+"/sandbox/calls", map[string]any{"to": a2.Phone}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	// The webhook got every call event of the tenant, signed.
	polltest.Eventually(t, patience, "the webhook receives the call events", func() bool {
		accepted, _ := recv.snapshot()
		return len(accepted) == 26
	})
	if _, bad := recv.snapshot(); bad != 0 {
		t.Fatalf("%d deliveries failed signature checks", bad)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for id, typ := range recv.types {
		if typ != "call" {
			t.Fatalf("event %s of type %s reached an endpoint subscribed to call only", id, typ)
		}
	}
}
