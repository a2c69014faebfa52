package storetest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testPollVotes: a poll keeps its secret (read back, never in JSON); a
// vote is stored per voter, replaced only by a later vote of the same
// voter (a redelivery or an older vote changes nothing and writes no
// event); votes land only on the tenant's own poll messages.
func testPollVotes(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	secret := gateway.NewPollSecret()
	poll := newMessage(t, s, sess, func(m *gateway.Message) {
		m.Type, m.Body, m.Secret = gateway.TypePoll, "Lunch?", secret
		m.Payload = []byte(`{"poll":{"question":"Lunch?","options":["Pizza","Sushi"]}}`)
	})
	got, err := s.MessageByID(ctx(t), u.ID, poll.ID)
	must(t, err)
	// (opts' JSON comparer would take the secret's bytes for JSON.)
	if !bytes.Equal(got.Secret, secret) {
		t.Fatalf("poll secret read back %x, want %x", got.Secret, secret)
	}
	got.Secret = poll.Secret[:0:0]
	want := *poll
	want.Secret = got.Secret
	diff(t, "poll", got, &want)
	if b, err := json.Marshal(got); err != nil || bytes.Contains(b, []byte("secret")) {
		t.Fatalf("a message's JSON shows its secret: %s, %v", b, err)
	}

	votes := 0
	build := func(v *gateway.PollVote) []*gateway.Event {
		votes++
		return []*gateway.Event{gateway.NewEvent(v.UserID, v.SessionID, gateway.EventPollVote, gateway.PollVoteData{
			MessageID: v.PollMessageID, WAMessageID: v.PollWAMessageID, SessionID: v.SessionID, Voter: v.Voter, Options: v.Options, At: v.VotedAt})}
	}
	vote := func(voter string, when int, options ...string) (bool, error) {
		return s.RecordPollVote(ctx(t), &gateway.PollVote{UserID: u.ID, PollMessageID: poll.ID, Voter: voter,
			VoterPhone: voter[:4], Options: options, WAMessageID: gateway.NewWAMessageID(), VotedAt: at(when)}, build)
	}
	for _, tc := range []struct {
		voter   string
		at      int
		options []string
		stored  bool
	}{
		{"1555@s.whatsapp.net", 2, []string{"Pizza"}, true},
		{"1666@s.whatsapp.net", 1, []string{"Pizza", "Sushi"}, true},
		{"1555@s.whatsapp.net", 2, []string{"Sushi"}, false}, // a redelivery
		{"1555@s.whatsapp.net", 1, []string{"Sushi"}, false}, // an older vote
		{"1555@s.whatsapp.net", 3, []string{"Sushi"}, true},  // a change
		{"1666@s.whatsapp.net", 4, nil, true},                // withdrawn
	} {
		stored, err := vote(tc.voter, tc.at, tc.options...)
		must(t, err)
		if stored != tc.stored {
			t.Fatalf("vote of %s at %d: stored %v, want %v", tc.voter, tc.at, stored, tc.stored)
		}
	}
	if votes != 4 {
		t.Fatalf("built %d vote events, want 4 (one per stored vote)", votes)
	}
	evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventPollVote}})
	must(t, err)
	if len(evs) != 4 {
		t.Fatalf("got %d poll.vote events, want 4", len(evs))
	}
	list, err := s.PollVotes(ctx(t), u.ID, poll.ID)
	must(t, err)
	type row struct {
		Voter, Phone, Poll, PollWA string
		Options                    []string
	}
	var rows []row
	for _, v := range list {
		rows = append(rows, row{v.Voter, v.VoterPhone, v.PollMessageID, v.PollWAMessageID, v.Options})
	}
	diff(t, "current votes", rows, []row{
		{"1555@s.whatsapp.net", "1555", poll.ID, poll.WAMessageID, []string{"Sushi"}},
		{"1666@s.whatsapp.net", "1666", poll.ID, poll.WAMessageID, []string{}},
	})

	// Not a poll, another tenant's poll, a missing one.
	text := newMessage(t, s, sess, nil)
	stranger := newUser(t, s)
	for _, v := range []*gateway.PollVote{
		{UserID: u.ID, PollMessageID: text.ID, Voter: "1@s.whatsapp.net"},
		{UserID: stranger.ID, PollMessageID: poll.ID, Voter: "1@s.whatsapp.net"},
		{UserID: u.ID, PollMessageID: uuid.NewString(), Voter: "1@s.whatsapp.net"},
		{UserID: u.ID, PollMessageID: "nope", Voter: "1@s.whatsapp.net"},
	} {
		_, err := s.RecordPollVote(ctx(t), v, build)
		wantCode(t, err, gateway.CodeNotFound)
	}
	list, err = s.PollVotes(ctx(t), stranger.ID, poll.ID)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("another tenant reads %d votes of the poll", len(list))
	}
}
