package main

import (
	"net/http"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestGroupCallsSandbox places a group call between sandbox sessions end
// to end through the API: g1 calls a group it made with g2 and g3; both
// ring with the group named; g3's auto_reject_calls rejects it by itself
// (its reply reaching the caller) and g2 rejects it through
// POST …/calls/{id}/reject; only then does g1 see its call rejected.
// Another tenant cannot reject it.
func TestGroupCallsSandbox(t *testing.T) {
	base := instantSandbox(t)
	alice := register(t, base, "group-calls@example.com")
	bob := register(t, base, "group-calls-bob@example.com")
	g1 := scanAs(t, alice, "g1", "15550006101")
	g2 := scanAs(t, alice, "g2", "15550006102")
	g3 := scanAs(t, alice, "g3", "15550006103")
	var group struct {
		Group struct {
			JID string `json:"jid"`
		} `json:"group"`
	}
	alice.do("POST", "/api/v1/sessions/"+g1.ID+"/groups", map[string]any{"subject": "Night shift", "participants": []string{g2.Phone, g3.Phone}}).
		must(t, http.StatusCreated, &group)
	jid := group.Group.JID
	alice.do("PATCH", "/api/v1/sessions/"+g3.ID, map[string]any{"settings": map[string]any{
		"auto_reject_calls": true, "auto_reject_message": "Group calls off, write instead."}}).must(t, http.StatusOK, nil)

	var placed struct {
		Call callView `json:"call"`
	}
	alice.do("POST", "/api/v1/sessions/"+g1.ID+"/sandbox/calls", map[string]any{"to": jid}).must(t, http.StatusCreated, &placed)
	c := placed.Call
	if c.Action != "offer" || !c.FromMe || !c.IsGroup || c.Group != jid {
		t.Fatalf("placed %+v, want g1's group call in %s ringing", c, jid)
	}
	for _, s := range []sessionView{g2, g3} {
		offer := callEvent(t, alice, s.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "offer" })
		if !offer.IsGroup || offer.Group != jid || offer.CallerPhone != g1.Phone || offer.FromMe {
			t.Fatalf("%s's offer %+v, want g1's call in the group", s.Name, offer)
		}
	}
	auto := callEvent(t, alice, g3.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action == "reject" })
	if !auto.AutoRejected || auto.By != "auto" || !auto.IsGroup || auto.Group != jid {
		t.Fatalf("g3's reject %+v, want the group call rejected by auto_reject_calls", auto)
	}
	bob.do("POST", "/api/v1/sessions/"+g2.ID+"/calls/"+c.CallID+"/reject", nil).fails(t, http.StatusNotFound, "not_found")
	var rejected struct {
		Call callView `json:"call"`
	}
	alice.do("POST", "/api/v1/sessions/"+g2.ID+"/calls/"+c.CallID+"/reject", nil).must(t, http.StatusOK, &rejected)
	if r := rejected.Call; r.Action != "reject" || r.By != "session" || !r.IsGroup || r.Group != jid {
		t.Fatalf("g2's reject answered %+v, want the group call rejected by the session", r)
	}
	got := callEvent(t, alice, g1.ID, func(v callView) bool { return v.CallID == c.CallID && v.Action != "offer" })
	if got.Action != "reject" || got.By != "peer" || !got.IsGroup || got.Group != jid || !got.FromMe {
		t.Fatalf("g1's news of its group call %+v, want a reject by the members once both rejected", got)
	}
	polltest.Eventually(t, patience, "g1 receives g3's auto-reject reply", func() bool {
		for _, m := range inbound(t, alice, g1.ID) {
			if m.Body == "Group calls off, write instead." {
				return true
			}
		}
		return false
	})
	// A group g1 is not in is refused.
	alice.do("POST", "/api/v1/sessions/"+g1.ID+"/sandbox/calls", map[string]any{"to": "120363025246125486@g.us"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
}
