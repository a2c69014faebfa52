package whatsmeow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	stdimage "image"
	"testing"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/imagetest"
)

// The send options (mentions, mention_all, view-once, forwarded, link
// preview) built against whatsmeow's protobufs, offline.
func TestBuildMessageOptions(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	const group = "120363000000000001@g.us"
	upload := func(m *waE2E.ImageMessage) *waE2E.ImageMessage {
		m.URL, m.DirectPath, m.MediaKey = proto.String("https://mmg.whatsapp.net/x"), proto.String("/v/x"), []byte{1}
		m.FileEncSHA256, m.FileSHA256 = []byte{2}, []byte{3}
		return m
	}
	pic := imagetest.PNG(t, 640, 320)
	tests := []struct {
		name  string
		out   *gateway.OutboundMessage
		r     refs
		thumb *fakeFetcher
		want  *waE2E.Message
	}{
		{"text with mentions becomes extended text",
			&gateway.OutboundMessage{To: "15550001111", Text: "hi @15550002222", Mentions: []string{"+1 555 000 2222", "15550002222@c.us"}}, refs{}, nil,
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("hi @15550002222"),
				ContextInfo: &waE2E.ContextInfo{MentionedJID: []string{"15550002222@s.whatsapp.net"}}}}},
		{"mentions keep the quote",
			&gateway.OutboundMessage{To: "15550001111", Text: "yes @15550002222", ReplyTo: "Q1", Mentions: []string{"15550002222"}}, refs{}, nil,
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("yes @15550002222"),
				ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("Q1"), Participant: proto.String("15550001111@s.whatsapp.net"),
					MentionedJID: []string{"15550002222@s.whatsapp.net"}}}}},
		{"mention_all adds the group's members once",
			&gateway.OutboundMessage{To: group, Text: "all", Mentions: []string{"15550002222"}, MentionAll: true},
			refs{members: []types.JID{types.NewJID("15550002222", types.DefaultUserServer), types.NewJID("99887766", types.HiddenUserServer)}}, nil,
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("all"),
				ContextInfo: &waE2E.ContextInfo{MentionedJID: []string{"15550002222@s.whatsapp.net", "99887766@lid"}}}}},
		{"caption with mentions, view once",
			&gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{Data: []byte("\x89PNG\r\n\x1a\nxxxx"), Caption: "@15550002222"},
				Mentions: []string{"15550002222"}, ViewOnce: true}, refs{}, nil,
			&waE2E.Message{ImageMessage: upload(&waE2E.ImageMessage{FileLength: proto.Uint64(12), Mimetype: proto.String("image/png"),
				Caption: proto.String("@15550002222"), ViewOnce: proto.Bool(true),
				ContextInfo: &waE2E.ContextInfo{MentionedJID: []string{"15550002222@s.whatsapp.net"}}})}},
		{"forwarded text",
			&gateway.OutboundMessage{To: "15550001111", Text: "fwd", Forwarded: true}, refs{}, nil,
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("fwd"),
				ContextInfo: &waE2E.ContextInfo{IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(1)}}}},
		{"forwarded location",
			&gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1, Longitude: 2}, Forwarded: true}, refs{}, nil,
			&waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(1), DegreesLongitude: proto.Float64(2),
				ContextInfo: &waE2E.ContextInfo{IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(1)}}}},
		{"link preview with its thumbnail",
			&gateway.OutboundMessage{To: "15550001111", Text: "see https://example.com/a", LinkPreview: &gateway.LinkPreview{
				URL: "https://example.com/a", Title: "A", Description: "About A", ThumbnailURL: "https://example.com/a.jpg", Thumbnail: imagetest.JPEG(t, 320, 160)}}, refs{},
			nil,
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("see https://example.com/a"),
				MatchedText: proto.String("https://example.com/a"), Title: proto.String("A"), Description: proto.String("About A"),
				PreviewType: waE2E.ExtendedTextMessage_NONE.Enum(), JPEGThumbnail: []byte("320x160")}}},
		{"link preview without a thumbnail: the engine fetches nothing",
			&gateway.OutboundMessage{To: "15550001111", Text: "https://example.com", LinkPreview: &gateway.LinkPreview{
				URL: "https://example.com", Title: "E", ThumbnailURL: "https://example.com/x.png"}}, refs{},
			&fakeFetcher{data: pic, ct: "image/png"},
			&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("https://example.com"),
				MatchedText: proto.String("https://example.com"), Title: proto.String("E"), PreviewType: waE2E.ExtendedTextMessage_NONE.Enum()}}},
		{"a text with a link and no preview is sent as it is",
			&gateway.OutboundMessage{To: "15550001111", Text: "read https://example.com/post"}, refs{},
			&fakeFetcher{data: []byte("<title>Post</title>"), ct: "text/html"},
			&waE2E.Message{Conversation: proto.String("read https://example.com/post")}},
		{"link_preview false drops a preview",
			&gateway.OutboundMessage{To: "15550001111", Text: "https://example.com", NoLinkPreview: true,
				LinkPreview: &gateway.LinkPreview{URL: "https://example.com", Title: "E"}}, refs{}, nil,
			&waE2E.Message{Conversation: proto.String("https://example.com")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.thumb
			if f == nil {
				f = &fakeFetcher{}
			}
			_, msg, err := buildMessage(context.Background(), cli, &fakeUploader{}, f, 1<<20, tt.out, tt.r)
			if err != nil {
				t.Fatalf("buildMessage: %v", err)
			}
			checkThumbnail(t, tt.want, msg)
			if f.url != "" {
				// Previews are the worker's (linkpreview.Fill): the engine
				// must not fetch a page or picture behind its back.
				t.Fatalf("the engine fetched %s", f.url)
			}
			if _, err := proto.Marshal(msg); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		})
	}
}

func TestBuildMessageOptionErrors(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	tests := []struct {
		name, field string
		out         *gateway.OutboundMessage
	}{
		{"group mentioned", "mentions[0]", &gateway.OutboundMessage{To: "15550001111", Text: "x", Mentions: []string{"120363000000000001@g.us"}}},
		{"mention_all without members", "mention_all", &gateway.OutboundMessage{To: "120363000000000001@g.us", Text: "x", MentionAll: true}},
		{"view-once document", "view_once", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeDocument, Media: &gateway.Media{Data: []byte("x")}, ViewOnce: true}},
		{"preview URL not in the text", "link_preview.url", &gateway.OutboundMessage{To: "15550001111", Text: "x", LinkPreview: &gateway.LinkPreview{URL: "https://e.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1024, tt.out, refs{})
			var ge *gateway.Error
			if !errors.As(err, &ge) || ge.Code != gateway.CodeValidation || ge.Fields[tt.field] == "" {
				t.Fatalf("got %v, want a validation error naming %s", err, tt.field)
			}
		})
	}
}

type fakeGroupInfo struct {
	info  *types.GroupInfo
	err   error
	asked types.JID
}

func (f *fakeGroupInfo) GetGroupInfo(_ context.Context, jid types.JID) (*types.GroupInfo, error) {
	f.asked = jid
	return f.info, f.err
}

func TestGroupMembers(t *testing.T) {
	t.Parallel()
	g := &fakeGroupInfo{info: &types.GroupInfo{Participants: []types.GroupParticipant{
		{JID: types.NewADJID("15550002222", 0, 3)}, {JID: types.NewJID("99887766", types.HiddenUserServer)}}}}
	members, err := groupMembers(context.Background(), g, &gateway.OutboundMessage{To: "120363000000000001@g.us", MentionAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.asked.String() != "120363000000000001@g.us" {
		t.Fatalf("asked about %s", g.asked)
	}
	want := []types.JID{types.NewJID("15550002222", types.DefaultUserServer), types.NewJID("99887766", types.HiddenUserServer)}
	if diff := cmp.Diff(want, members); diff != "" {
		t.Fatalf("members (-want +got):\n%s", diff)
	}
	if _, err := groupMembers(context.Background(), g, &gateway.OutboundMessage{To: "15550001111", MentionAll: true}); gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Fatalf("to a person: %v, want a validation error", err)
	}
	g.err = wa.ErrNotInGroup
	if _, err := groupMembers(context.Background(), g, &gateway.OutboundMessage{To: "120363000000000001@g.us"}); gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Fatalf("not in the group: %v, want a validation error", err)
	}
	g.err = wa.ErrIQTimedOut
	if _, err := groupMembers(context.Background(), g, &gateway.OutboundMessage{To: "120363000000000001@g.us"}); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("no answer: %v, want unavailable (retried)", err)
	}
}

func TestConvertMessageOptions(t *testing.T) {
	t.Parallel()
	ci := &waE2E.ContextInfo{MentionedJID: []string{"15550002222@s.whatsapp.net"}, IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(1)}
	in := convertMessage(&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("see https://e.com @15550002222"),
		MatchedText: proto.String("https://e.com"), Title: proto.String("E"), Description: proto.String("About"), ContextInfo: ci,
		JPEGThumbnail: []byte("\xff\xd8\xffthumb")}})
	want := &gateway.InboundMessage{Type: gateway.TypeText, Text: "see https://e.com @15550002222", Mentions: []string{"15550002222@s.whatsapp.net"},
		Forwarded: true, LinkPreview: &gateway.LinkPreview{URL: "https://e.com", Title: "E", Description: "About", Thumbnail: []byte("\xff\xd8\xffthumb")}}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Fatalf("text (-want +got):\n%s", diff)
	}
	img := convertMessage(&waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: proto.String("image/jpeg"), ViewOnce: proto.Bool(true)}})
	if !img.ViewOnce || img.Type != gateway.TypeImage {
		t.Fatalf("view-once image: %+v", img)
	}
	audio := convertMessage(&waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: proto.String("audio/ogg"), ViewOnce: proto.Bool(true)}})
	if !audio.ViewOnce {
		t.Fatalf("view-once audio: %+v", audio)
	}
}

// A view-once message in the older wrapper is unwrapped by whatsmeow and
// flagged by the engine, through the dispatcher as a received message is.
func TestInboundViewOnceWrapper(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	sender := types.NewJID("15550007777", types.DefaultUserServer)
	evt := &events.Message{Info: types.MessageInfo{ID: "V1", MessageSource: types.MessageSource{Chat: sender, Sender: sender}},
		RawMessage: &waE2E.Message{ViewOnceMessageV2: &waE2E.FutureProofMessage{Message: &waE2E.Message{
			VideoMessage: &waE2E.VideoMessage{Mimetype: proto.String("video/mp4")}}}}}
	evt.UnwrapRaw()
	if !dispatch(e, evt) {
		t.Fatal("not handled")
	}
	in := nextOf[gateway.EvInbound](t, rec).Message
	if !in.ViewOnce || in.Type != gateway.TypeVideo {
		t.Fatalf("got %+v, want a view-once video", in)
	}
}

// checkThumbnail compares got with want, where want's JPEGThumbnail, when
// set, is the size ("320x160") of the JPEG got must carry.
func checkThumbnail(t *testing.T, want, got *waE2E.Message) {
	t.Helper()
	if diff := cmp.Diff(want, got, protocmp.Transform(), protocmp.IgnoreFields(&waE2E.ExtendedTextMessage{}, "JPEGThumbnail")); diff != "" {
		t.Fatalf("message (-want +got):\n%s", diff)
	}
	size := string(want.GetExtendedTextMessage().GetJPEGThumbnail())
	thumb := got.GetExtendedTextMessage().GetJPEGThumbnail()
	if size == "" {
		if thumb != nil {
			t.Fatalf("got a %d-byte thumbnail, want none", len(thumb))
		}
		return
	}
	cfg, format, err := stdimage.DecodeConfig(bytes.NewReader(thumb))
	if err != nil || format != "jpeg" || fmt.Sprintf("%dx%d", cfg.Width, cfg.Height) != size {
		t.Fatalf("thumbnail: %s %dx%d (%v), want a %s JPEG", format, cfg.Width, cfg.Height, err, size)
	}
	if _, err := proto.Marshal(got); err != nil {
		t.Fatalf("marshal: %v", err)
	}
}
