package whatsmeow

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestBuildStatusPost checks a status post as whatsmeow sends it: to
// status@broadcast, a styled text as an ExtendedTextMessage with its ARGB
// colours and font, media as usual; and what cannot be posted refused.
func TestBuildStatusPost(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	out := &gateway.OutboundMessage{To: "status", Type: gateway.TypeText, Text: "Open until 8",
		StatusStyle: &gateway.StatusStyle{BackgroundColor: "#112233", TextColor: "#80ffffff", Font: "system_bold"}}
	to, msg, err := buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20, out, refs{})
	if err != nil {
		t.Fatal(err)
	}
	if to != types.StatusBroadcastJID {
		t.Fatalf("to %s, want status@broadcast", to)
	}
	want := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("Open until 8"),
		BackgroundArgb: proto.Uint32(0xff112233), TextArgb: proto.Uint32(0x80ffffff), Font: waE2E.ExtendedTextMessage_SYSTEM_BOLD.Enum()}}
	if diff := cmp.Diff(want, msg, protocmp.Transform()); diff != "" {
		t.Fatalf("message (-want +got):\n%s", diff)
	}
	if _, err := proto.Marshal(msg); err != nil {
		t.Fatal(err)
	}
	// What a received one reads back.
	if got := statusStyleOf(msg.GetExtendedTextMessage()); got == nil || *got != (gateway.StatusStyle{BackgroundColor: "#112233", TextColor: "#80ffffff", Font: "system_bold"}) {
		t.Fatalf("read back %+v", got)
	}

	// An unstyled text status is a plain conversation; an image is uploaded encrypted.
	_, msg, err = buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20,
		&gateway.OutboundMessage{To: gateway.StatusJID, Type: gateway.TypeText, Text: "hi", NoLinkPreview: true}, refs{})
	if err != nil || msg.GetConversation() != "hi" {
		t.Fatalf("plain status: %v, %v", msg, err)
	}
	_, msg, err = buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20,
		&gateway.OutboundMessage{To: gateway.StatusJID, Type: gateway.TypeImage, Media: &gateway.Media{Data: []byte("\x89PNG\r\n\x1a\nxx"), MIMEType: "image/png", Caption: "pic"}}, refs{})
	if err != nil || msg.GetImageMessage().GetCaption() != "pic" || len(msg.GetImageMessage().GetMediaKey()) == 0 {
		t.Fatalf("image status: %v, %v", msg, err)
	}

	refused := map[string]*gateway.OutboundMessage{
		"status_audience":   {To: "status", Type: gateway.TypeText, Text: "x", StatusAudience: []string{"15550001111@s.whatsapp.net"}},
		"message_type":      {To: "status", Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1, Longitude: 1}},
		"status_style":      {To: "15550001111", Type: gateway.TypeText, Text: "x", StatusStyle: &gateway.StatusStyle{Font: "system"}},
		"status_style.font": {To: "status", Type: gateway.TypeText, Text: "x", StatusStyle: &gateway.StatusStyle{Font: "comic"}},
	}
	for field, out := range refused {
		_, _, err := buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20, out, refs{})
		var ge *gateway.Error
		if !errors.As(err, &ge) || ge.Fields[field] == "" {
			t.Errorf("%s: got %v, want a validation error naming it", field, err)
		}
	}
}

// newsletterFake records a channel upload.
type newsletterFake struct{ data []byte }

func (f *newsletterFake) UploadNewsletter(_ context.Context, data []byte, _ wa.MediaType) (wa.UploadResponse, error) {
	f.data = data
	return wa.UploadResponse{URL: "https://mmg.whatsapp.net/n", DirectPath: "/v/n", Handle: "handle-1", FileSHA256: []byte{3},
		FileLength: uint64(len(data))}, nil
}

// TestBuildChannelPost checks a post to a channel: addressed to the
// newsletter JID, its media uploaded unencrypted (no media key, no
// encrypted hash) with the handle the send names.
func TestBuildChannelPost(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	fake := &newsletterFake{}
	up := &newsletterUploader{up: fake}
	out := &gateway.OutboundMessage{To: "120363123456789012@newsletter", Type: gateway.TypeImage,
		Media: &gateway.Media{Data: []byte("\x89PNG\r\n\x1a\nxx"), MIMEType: "image/png", Caption: "new"}}
	to, msg, err := buildMessage(context.Background(), cli, up, &fakeFetcher{}, 1<<20, out, refs{})
	if err != nil {
		t.Fatal(err)
	}
	if to.Server != types.NewsletterServer || to.User != "120363123456789012" {
		t.Fatalf("to %s, want the channel", to)
	}
	want := &waE2E.Message{ImageMessage: &waE2E.ImageMessage{URL: proto.String("https://mmg.whatsapp.net/n"), DirectPath: proto.String("/v/n"),
		FileSHA256: []byte{3}, FileLength: proto.Uint64(10), Mimetype: proto.String("image/png"), Caption: proto.String("new")}}
	if diff := cmp.Diff(want, msg, protocmp.Transform()); diff != "" {
		t.Fatalf("message (-want +got):\n%s", diff)
	}
	if up.handle != "handle-1" || string(fake.data) != "\x89PNG\r\n\x1a\nxx" {
		t.Fatalf("handle %q, uploaded %q", up.handle, fake.data)
	}
	_, msg, err = buildMessage(context.Background(), cli, up, &fakeFetcher{}, 1<<20,
		&gateway.OutboundMessage{To: "120363123456789012@newsletter", Type: gateway.TypeText, Text: "hello", NoLinkPreview: true}, refs{})
	if err != nil || msg.GetConversation() != "hello" {
		t.Fatalf("text post: %v, %v", msg, err)
	}
}

// TestChannelMapping reads channel metadata as WhatsApp's GraphQL answer
// carries it (whatsmeow's JSON shape) and a channel's posts.
func TestChannelMapping(t *testing.T) {
	t.Parallel()
	raw := `{"id":"120363123456789012@newsletter","state":{"type":"ACTIVE"},
		"thread_metadata":{"creation_time":"1700000000","invite":"0029VaAbCd","name":{"text":"Shop news","id":"1","update_time":"1700000000000000"},
		"description":{"text":"Offers","id":"2","update_time":"1700000000000000"},"subscribers_count":"1280","verification":"VERIFIED",
		"picture":{"url":"https://pps.whatsapp.net/p.jpg","id":"9","type":"image","direct_path":"/p"},"preview":{"url":"","id":"","type":"preview","direct_path":""},
		"settings":{"reaction_codes":{"value":"ALL"}}},
		"viewer_metadata":{"mute":"ON","role":"ADMIN"}}`
	var m types.NewsletterMetadata
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	created := time.Unix(1700000000, 0).UTC()
	want := gateway.Channel{JID: "120363123456789012@newsletter", Name: "Shop news", Description: "Offers",
		InviteLink: "https://whatsapp.com/channel/0029VaAbCd", Subscribers: 1280, Verified: true, Role: gateway.ChannelAdmin,
		Muted: true, State: "active", PictureURL: "https://pps.whatsapp.net/p.jpg", CreatedAt: &created}
	if diff := cmp.Diff(want, channelOf(&m)); diff != "" {
		t.Fatalf("channel (-want +got):\n%s", diff)
	}
	if !channelOf(&m).CanPost() {
		t.Fatal("an admin cannot post")
	}

	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	got := channelMessagesOf([]*types.NewsletterMessage{
		{MessageServerID: 118, MessageID: "B", Timestamp: at, ViewsCount: 3, Message: &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Mimetype: proto.String("image/jpeg"), Caption: proto.String("look"), FileLength: proto.Uint64(7)}}},
		{MessageServerID: 117, MessageID: "A", Timestamp: at, ViewsCount: 9, ReactionCounts: map[string]int{"👍": 2},
			Message: &waE2E.Message{Conversation: proto.String("hello")}},
		{MessageServerID: 119, MessageID: "C", Timestamp: at},
	})
	wantMsgs := []gateway.ChannelMessage{
		{ServerID: 117, WAMessageID: "A", Type: gateway.TypeText, Text: "hello", Views: 9, Reactions: map[string]int{"👍": 2}, Timestamp: at},
		{ServerID: 118, WAMessageID: "B", Type: gateway.TypeImage, Text: "look", Views: 3, Timestamp: at,
			Media: &gateway.PayloadMedia{MIMEType: "image/jpeg", Caption: "look", Size: 7}},
		{ServerID: 119, WAMessageID: "C", Type: gateway.TypeUnknown, Timestamp: at},
	}
	if diff := cmp.Diff(wantMsgs, got); diff != "" {
		t.Fatalf("posts (-want +got):\n%s", diff)
	}
}

func TestChannelErrors(t *testing.T) {
	t.Parallel()
	checkCodes(t, "channelError", func(err error) error { return channelError(err, "x") }, []errorCase{
		{wa.ErrIQNotFound, gateway.CodeNotFound},
		{types.GraphQLErrors{{Message: "Newsletter not found", Extensions: types.GraphQLErrorExtensions{ErrorCode: 400}}}, gateway.CodeNotFound},
		{types.GraphQLErrors{{Message: "Not allowed", Extensions: types.GraphQLErrorExtensions{ErrorCode: 403}}}, gateway.CodeRefused},
		{wa.ErrIQForbidden, gateway.CodeRefused},
		{wa.ErrNotConnected, gateway.CodeUnavailable},
	})
	if _, err := channelJID("120363041234567890@g.us"); gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Fatalf("a group JID as channel: %v", err)
	}
	if _, err := channelResult(nil, nil); gateway.ErrorCode(err) != gateway.CodeNotFound {
		t.Fatalf("no metadata: %v, want not found", err)
	}
}
