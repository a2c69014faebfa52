package whatsmeow

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func storedMessages(ms ...*gateway.Message) func(context.Context, string) (*gateway.Message, error) {
	return func(_ context.Context, id string) (*gateway.Message, error) {
		for _, m := range ms {
			if m.WAMessageID == id {
				return m, nil
			}
		}
		return nil, gateway.NotFound("Message")
	}
}

func TestReferencesFromTheStore(t *testing.T) {
	t.Parallel()
	const group = "120363000000000001@g.us"
	theirs := &gateway.Message{WAMessageID: "IN1", Direction: gateway.DirectionInbound, Type: gateway.TypeText, Body: "question?",
		Chat: group, Sender: "15550009999@s.whatsapp.net", IsGroup: true}
	mine := &gateway.Message{WAMessageID: "OUT1", Direction: gateway.DirectionOutbound, Type: gateway.TypeText, Body: "hello",
		Recipient: group, Chat: group}
	e, _ := newTestEngine(t, engineSetup{deviceJID: pairedJID, lookup: storedMessages(theirs, mine)})
	cli := offlineClient(t)
	build := func(out *gateway.OutboundMessage) *waE2E.Message {
		t.Helper()
		_, msg, err := buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20, out, e.refsOf(context.Background(), out))
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}

	t.Run("reply in a group quotes the sender and text", func(t *testing.T) {
		got := build(&gateway.OutboundMessage{To: group, Type: gateway.TypeText, Text: "answer", ReplyTo: "IN1"}).GetExtendedTextMessage().GetContextInfo()
		want := &waE2E.ContextInfo{StanzaID: proto.String("IN1"), Participant: proto.String("15550009999@s.whatsapp.net"),
			QuotedMessage: &waE2E.Message{Conversation: proto.String("question?")}}
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Fatalf("context (-want +got):\n%s", diff)
		}
	})
	t.Run("reply to my own message names me", func(t *testing.T) {
		got := build(&gateway.OutboundMessage{To: group, Type: gateway.TypeText, Text: "also", ReplyTo: "OUT1"}).GetExtendedTextMessage().GetContextInfo()
		if got.GetParticipant() != "15550001111@s.whatsapp.net" {
			t.Fatalf("participant %q, want this account", got.GetParticipant())
		}
	})
	t.Run("reaction to their message in a group", func(t *testing.T) {
		key := build(&gateway.OutboundMessage{To: group, Type: gateway.TypeReaction, Target: "IN1", Reaction: "👍"}).GetReactionMessage().GetKey()
		if key.GetFromMe() || key.GetParticipant() != "15550009999@s.whatsapp.net" {
			t.Fatalf("key %v, want their message", key)
		}
	})
	t.Run("reaction to my own message", func(t *testing.T) {
		key := build(&gateway.OutboundMessage{To: "15550002222", Type: gateway.TypeReaction, Target: "OUT1", Reaction: "👍"}).GetReactionMessage().GetKey()
		if !key.GetFromMe() {
			t.Fatalf("key %v, want fromMe", key)
		}
	})
}

func TestMessageForRetry(t *testing.T) {
	t.Parallel()
	text := &gateway.Message{WAMessageID: "T1", Direction: gateway.DirectionOutbound, Type: gateway.TypeText, Body: "hello", Recipient: "15550002222@s.whatsapp.net"}
	loc := &gateway.Message{WAMessageID: "L1", Direction: gateway.DirectionOutbound, Type: gateway.TypeLocation, Recipient: "15550002222@s.whatsapp.net",
		Payload: []byte(`{"location":{"latitude":1,"longitude":2}}`)}
	img := &gateway.Message{WAMessageID: "I1", Direction: gateway.DirectionOutbound, Type: gateway.TypeImage, Recipient: "15550002222@s.whatsapp.net",
		Payload: []byte(`{"media":{"url":"https://example.com/a.png"}}`)}
	poll := &gateway.Message{WAMessageID: "P1", Direction: gateway.DirectionOutbound, Type: gateway.TypePoll, Recipient: "15550002222@s.whatsapp.net",
		Payload: []byte(`{"poll":{"question":"Lunch?","options":["yes","no"]}}`), Secret: make([]byte, 32)}
	in := &gateway.Message{WAMessageID: "R1", Direction: gateway.DirectionInbound, Type: gateway.TypeText, Body: "theirs", Chat: "15550002222@s.whatsapp.net"}
	e, _ := newTestEngine(t, engineSetup{deviceJID: pairedJID, lookup: storedMessages(text, loc, img, poll, in)})

	if got := e.messageForRetry("T1"); got.GetConversation() != "hello" {
		t.Fatalf("text retry %v, want the text again", got)
	}
	if got := e.messageForRetry("L1"); got.GetLocationMessage().GetDegreesLongitude() != 2 {
		t.Fatalf("location retry %v, want the location again", got)
	}
	if got := e.messageForRetry("P1"); got.GetPollCreationMessageV3().GetName() != "Lunch?" && got.GetPollCreationMessage().GetName() != "Lunch?" {
		t.Fatalf("poll retry %v, want the poll again", got)
	}
	for _, id := range []string{"I1", "R1", "NOPE"} {
		if got := e.messageForRetry(id); got != nil {
			t.Errorf("retry of %s: got %v, want nil (media, received or unknown)", id, got)
		}
	}
	// The real client asks the engine.
	e.mu.Lock()
	cli := e.cli
	e.mu.Unlock()
	if got := cli.GetMessageForRetry(cli.Store.GetJID(), cli.Store.GetJID(), "T1"); got.GetConversation() != "hello" {
		t.Fatalf("client's GetMessageForRetry: %v, want the stored text", got)
	}
}
