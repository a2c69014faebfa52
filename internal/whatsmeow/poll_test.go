package whatsmeow

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Polls against whatsmeow's protobufs and its own vote encryption,
// offline: the poll built, a received poll read with its secret, a vote
// encrypted by whatsmeow opened with the gateway's (the sandbox's) scheme,
// and a vote sealed with that scheme decrypted by whatsmeow into a
// poll.vote naming the answers.
func TestPolls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const them, me = "15550002222@s.whatsapp.net", "15550001111@s.whatsapp.net"
	themJID, meJID := types.NewJID("15550002222", types.DefaultUserServer), types.NewJID("15550001111", types.DefaultUserServer)
	theirSecret, ourSecret := gateway.NewPollSecret(), gateway.NewPollSecret()
	theirPoll := &gateway.Message{WAMessageID: "PIN", Direction: gateway.DirectionInbound, Type: gateway.TypePoll, Chat: them, Sender: them,
		Payload: []byte(`{"poll":{"question":"Lunch?","options":["Pizza","Sushi"]}}`), Secret: theirSecret}
	ourPoll := &gateway.Message{WAMessageID: "POUT", Direction: gateway.DirectionOutbound, Type: gateway.TypePoll, Chat: them, Recipient: them,
		Payload: []byte(`{"poll":{"question":"Drinks?","options":["Tea","Coffee","Juice"],"multiple_answers":true}}`), Secret: ourSecret}
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID, lookup: storedMessages(theirPoll, ourPoll)})
	cli := e.cli
	build := func(out *gateway.OutboundMessage) (*waE2E.Message, error) {
		_, msg, err := buildMessage(ctx, cli, &fakeUploader{}, &fakeFetcher{}, 1<<20, out, e.refsOf(ctx, out))
		return msg, err
	}

	t.Run("poll", func(t *testing.T) {
		msg, err := build(&gateway.OutboundMessage{To: them, Type: gateway.TypePoll, Secret: ourSecret,
			Poll: &gateway.Poll{Question: "Drinks?", Options: []string{"Tea", "Coffee"}, MultipleAnswers: true}})
		if err != nil {
			t.Fatal(err)
		}
		want := &waE2E.Message{PollCreationMessage: &waE2E.PollCreationMessage{Name: proto.String("Drinks?"),
			Options:                []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("Tea")}, {OptionName: proto.String("Coffee")}},
			SelectableOptionsCount: proto.Uint32(0)}, MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: ourSecret}}
		if d := cmp.Diff(want, msg, protocmp.Transform()); d != "" {
			t.Fatalf("poll (-want +got):\n%s", d)
		}
		msg, _ = build(&gateway.OutboundMessage{To: them, Type: gateway.TypePoll, Secret: ourSecret,
			Poll: &gateway.Poll{Question: "One?", Options: []string{"a", "b"}}})
		if got := msg.GetPollCreationMessage().GetSelectableOptionsCount(); got != 1 {
			t.Fatalf("single-answer poll selectable count %d, want 1", got)
		}
		for field, out := range map[string]*gateway.OutboundMessage{
			"poll":         {To: them, Type: gateway.TypePoll, Poll: &gateway.Poll{Question: "q", Options: []string{"a", "b"}}},
			"poll.options": {To: them, Type: gateway.TypePoll, Secret: ourSecret, Poll: &gateway.Poll{Question: "q", Options: []string{"a"}}},
			"target":       {To: them, Type: gateway.TypePollVote, Target: "UNKNOWN", Votes: []string{"a"}},
		} {
			_, err := build(out)
			if f := fieldsOf(err); f[field] == "" {
				t.Errorf("%s: got %v, want %s named", field, err, field)
			}
		}
	})

	t.Run("received poll keeps its secret", func(t *testing.T) {
		in := convertMessage(&waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String("Lunch?"),
			Options:                []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("Pizza")}, {OptionName: proto.String("Sushi")}},
			SelectableOptionsCount: proto.Uint32(1)}, MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: theirSecret}})
		want := &gateway.Poll{Question: "Lunch?", Options: []string{"Pizza", "Sushi"}}
		if in.Type != gateway.TypePoll || in.Text != "Lunch?" || !cmp.Equal(in.Poll, want) || string(in.Secret) != string(theirSecret) {
			t.Fatalf("received %+v, want the poll %+v with its secret", in, want)
		}
	})

	t.Run("whatsmeow's vote opens with the gateway's scheme", func(t *testing.T) {
		// whatsmeow keeps the secret of a poll it received.
		if err := cli.Store.MsgSecrets.PutMessageSecret(ctx, themJID, themJID, "PIN", theirSecret); err != nil {
			t.Fatal(err)
		}
		msg, err := build(&gateway.OutboundMessage{To: them, Type: gateway.TypePollVote, Target: "PIN", Votes: []string{"Sushi"}})
		if err != nil {
			t.Fatal(err)
		}
		upd := msg.GetPollUpdateMessage()
		if upd.GetPollCreationMessageKey().GetID() != "PIN" {
			t.Fatalf("vote for %q, want PIN", upd.GetPollCreationMessageKey().GetID())
		}
		hashes, err := gateway.DecryptPollVote(theirSecret, "PIN", them, me, upd.GetVote().GetEncPayload(), upd.GetVote().GetEncIV())
		if err != nil {
			t.Fatalf("the gateway's scheme cannot open whatsmeow's vote: %v", err)
		}
		if got := gateway.PollAnswers([]string{"Pizza", "Sushi"}, hashes); !slices.Equal(got, []string{"Sushi"}) {
			t.Fatalf("vote opened as %v, want Sushi", got)
		}
	})

	t.Run("a vote sealed the gateway's way is read as poll.vote", func(t *testing.T) {
		if err := cli.Store.MsgSecrets.PutMessageSecret(ctx, themJID, meJID, "POUT", ourSecret); err != nil {
			t.Fatal(err)
		}
		payload, iv, err := gateway.EncryptPollVote(ourSecret, "POUT", me, them,
			[][]byte{gateway.PollOptionHash("Juice"), gateway.PollOptionHash("Tea")})
		if err != nil {
			t.Fatal(err)
		}
		activate(t, e)
		sent := time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
		ok := dispatch(e, &events.Message{
			Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: themJID, Sender: themJID}, ID: "V1", Timestamp: sent},
			Message: &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{
				PollCreationMessageKey: &waCommon.MessageKey{RemoteJID: proto.String(me), FromMe: proto.Bool(false), ID: proto.String("POUT")},
				Vote:                   &waE2E.PollEncValue{EncPayload: payload, EncIV: iv},
				SenderTimestampMS:      proto.Int64(sent.UnixMilli()),
			}},
		})
		if !ok {
			t.Fatal("the vote was not acknowledged")
		}
		got := nextOf[gateway.EvPollVote](t, rec)
		want := gateway.EvPollVote{PollWAMessageID: "POUT", Chat: them, Voter: them, VoterPhone: "15550002222",
			Options: []string{"Tea", "Juice"}, WAMessageID: "V1", Timestamp: sent}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("poll vote (-want +got):\n%s", d)
		}
		// A vote that does not open is acknowledged and dropped.
		payload[0] ^= 1
		if !dispatch(e, &events.Message{
			Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: themJID, Sender: themJID}, ID: "V2", Timestamp: sent},
			Message: &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{
				PollCreationMessageKey: &waCommon.MessageKey{RemoteJID: proto.String(me), ID: proto.String("POUT")},
				Vote:                   &waE2E.PollEncValue{EncPayload: payload, EncIV: iv}}},
		}) {
			t.Fatal("a tampered vote was not acknowledged")
		}
		rec.None(t)
	})
}

// fieldsOf returns the fields of a validation error, nil for any other.
func fieldsOf(err error) map[string]string {
	var ge *gateway.Error
	if errors.As(err, &ge) {
		return ge.Fields
	}
	return nil
}
