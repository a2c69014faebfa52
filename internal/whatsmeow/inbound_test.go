package whatsmeow

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func textMessage(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }

func TestConvertMessage(t *testing.T) {
	t.Parallel()
	sum := []byte{0xab, 0xcd}
	reply := &waE2E.ContextInfo{StanzaID: proto.String("QUOTED1")}
	key := &waCommon.MessageKey{ID: proto.String("TARGET1")}
	tests := []struct {
		name string
		msg  *waE2E.Message
		want *gateway.InboundMessage // nil: not stored
	}{
		{"text", textMessage("hello"), &gateway.InboundMessage{Type: gateway.TypeText, Text: "hello"}},
		{"extended text reply", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("yes"), ContextInfo: reply}},
			&gateway.InboundMessage{Type: gateway.TypeText, Text: "yes", ReplyTo: "QUOTED1"}},
		{"image", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: proto.String("image/jpeg"), Caption: proto.String("look"), FileLength: proto.Uint64(10), FileSHA256: sum, ContextInfo: reply}},
			&gateway.InboundMessage{Type: gateway.TypeImage, Text: "look", ReplyTo: "QUOTED1", Media: &gateway.Media{MIMEType: "image/jpeg", Caption: "look", Size: 10, SHA256: "abcd"}}},
		{"video", &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Mimetype: proto.String("video/mp4"), FileLength: proto.Uint64(99)}},
			&gateway.InboundMessage{Type: gateway.TypeVideo, Media: &gateway.Media{MIMEType: "video/mp4", Size: 99}}},
		{"voice note", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: proto.String("audio/ogg; codecs=opus"), PTT: proto.Bool(true), FileLength: proto.Uint64(5)}},
			&gateway.InboundMessage{Type: gateway.TypeAudio, Media: &gateway.Media{MIMEType: "audio/ogg; codecs=opus", Voice: true, Size: 5}}},
		{"audio", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: proto.String("audio/mpeg")}},
			&gateway.InboundMessage{Type: gateway.TypeAudio, Media: &gateway.Media{MIMEType: "audio/mpeg"}}},
		{"document", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{Mimetype: proto.String("application/pdf"), FileName: proto.String("a.pdf"), Caption: proto.String("the file")}},
			&gateway.InboundMessage{Type: gateway.TypeDocument, Text: "the file", Media: &gateway.Media{MIMEType: "application/pdf", FileName: "a.pdf", Caption: "the file"}}},
		{"sticker", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{Mimetype: proto.String("image/webp")}},
			&gateway.InboundMessage{Type: gateway.TypeSticker, Media: &gateway.Media{MIMEType: "image/webp"}}},
		{"location", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(52.5), DegreesLongitude: proto.Float64(13.4), Name: proto.String("Berlin")}},
			&gateway.InboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 52.5, Longitude: 13.4, Name: "Berlin"}}},
		{"contact", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Ann"), Vcard: proto.String(buildVCard("Ann", "15550004444"))}},
			&gateway.InboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", Phone: "15550004444", VCard: buildVCard("Ann", "15550004444")}}},
		{"reaction", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Key: key, Text: proto.String("👍")}},
			&gateway.InboundMessage{Type: gateway.TypeReaction, Target: "TARGET1", Reaction: "👍"}},
		{"reaction removed", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Key: key, Text: proto.String("")}},
			&gateway.InboundMessage{Type: gateway.TypeReaction, Target: "TARGET1"}},
		{"revoke", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: key}},
			&gateway.InboundMessage{Type: gateway.TypeRevoke, Target: "TARGET1"}},
		{"edit", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: key, EditedMessage: textMessage("fixed")}},
			&gateway.InboundMessage{Type: gateway.TypeEdit, Target: "TARGET1", Text: "fixed"}},
		{"other protocol message", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_SHARE.Enum()}}, nil},
		{"key distribution only", &waE2E.Message{SenderKeyDistributionMessage: &waE2E.SenderKeyDistributionMessage{GroupID: proto.String("g")}}, nil},
		{"nil", nil, nil},
		{"poll", &waE2E.Message{PollCreationMessage: &waE2E.PollCreationMessage{Name: proto.String("q")}},
			&gateway.InboundMessage{Type: gateway.TypePoll, Text: "q", Poll: &gateway.Poll{Question: "q", MultipleAnswers: true}}},
		{"button reply", &waE2E.Message{ButtonsResponseMessage: &waE2E.ButtonsResponseMessage{SelectedButtonID: proto.String("yes-1"),
			Response:    &waE2E.ButtonsResponseMessage_SelectedDisplayText{SelectedDisplayText: "Yes"},
			ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("ASK1")}}},
			&gateway.InboundMessage{Type: gateway.TypeInteractiveReply, Text: "Yes", ReplyTo: "ASK1",
				Interactive: &gateway.InteractiveReply{Kind: "button", ID: "yes-1", Title: "Yes"}}},
		{"list reply", &waE2E.Message{ListResponseMessage: &waE2E.ListResponseMessage{Title: proto.String("Large"), Description: proto.String("30 cm"),
			SingleSelectReply: &waE2E.ListResponseMessage_SingleSelectReply{SelectedRowID: proto.String("size-l")},
			ContextInfo:       &waE2E.ContextInfo{StanzaID: proto.String("ASK2")}}},
			&gateway.InboundMessage{Type: gateway.TypeInteractiveReply, Text: "Large", ReplyTo: "ASK2",
				Interactive: &gateway.InteractiveReply{Kind: "list", ID: "size-l", Title: "Large", Description: "30 cm"}}},
		{"template button reply", &waE2E.Message{TemplateButtonReplyMessage: &waE2E.TemplateButtonReplyMessage{SelectedID: proto.String("t1"),
			SelectedDisplayText: proto.String("Track order")}},
			&gateway.InboundMessage{Type: gateway.TypeInteractiveReply, Text: "Track order",
				Interactive: &gateway.InteractiveReply{Kind: "template_button", ID: "t1", Title: "Track order"}}},
		{"native flow reply", &waE2E.Message{InteractiveResponseMessage: &waE2E.InteractiveResponseMessage{
			Body: &waE2E.InteractiveResponseMessage_Body{Text: proto.String("Booked")},
			InteractiveResponseMessage: &waE2E.InteractiveResponseMessage_NativeFlowResponseMessage_{NativeFlowResponseMessage: &waE2E.InteractiveResponseMessage_NativeFlowResponseMessage{
				Name: proto.String("booking"), ParamsJSON: proto.String(`{"slot":"10:00"}`)}}}},
			&gateway.InboundMessage{Type: gateway.TypeInteractiveReply, Text: "Booked",
				Interactive: &gateway.InteractiveReply{Kind: "native_flow", ID: "booking", Title: "Booked", Params: `{"slot":"10:00"}`}}},
		{"event (unknown)", &waE2E.Message{EventMessage: &waE2E.EventMessage{Name: proto.String("party")}},
			&gateway.InboundMessage{Type: gateway.TypeUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := convertMessage(tt.msg)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("convertMessage (-want +got):\n%s", diff)
			}
		})
	}
}

type fakeLIDs struct {
	pnOf  map[string]string // lid user → phone
	calls int
}

func (f *fakeLIDs) GetPNForLID(_ context.Context, lid types.JID) (types.JID, error) {
	f.calls++
	if p, ok := f.pnOf[lid.User]; ok {
		return types.NewJID(p, types.DefaultUserServer), nil
	}
	return types.EmptyJID, nil
}

func (f *fakeLIDs) GetLIDForPN(_ context.Context, pn types.JID) (types.JID, error) {
	f.calls++
	for l, p := range f.pnOf {
		if p == pn.User {
			return types.NewJID(l, types.HiddenUserServer), nil
		}
	}
	return types.EmptyJID, nil
}

func TestFillSourceResolvesPhoneAndLID(t *testing.T) {
	t.Parallel()
	pn := types.NewJID("15550005555", types.DefaultUserServer)
	lid := types.NewJID("111222333444555", types.HiddenUserServer)
	unknownLID := types.NewJID("999888777666555", types.HiddenUserServer)
	group := types.NewJID("120363000000000001", types.GroupServer)
	lids := &fakeLIDs{pnOf: map[string]string{"111222333444555": "15550005555"}}
	type want struct{ Chat, Sender, SenderPhone, SenderLID string }
	tests := []struct {
		name string
		src  types.MessageSource
		want want
	}{
		{"phone sender, LID from the map", types.MessageSource{Chat: pn, Sender: pn},
			want{"15550005555@s.whatsapp.net", "15550005555@s.whatsapp.net", "15550005555", "111222333444555@lid"}},
		{"LID sender with SenderAlt", types.MessageSource{Chat: unknownLID, Sender: unknownLID, SenderAlt: types.NewJID("15550006666", types.DefaultUserServer)},
			want{"15550006666@s.whatsapp.net", "15550006666@s.whatsapp.net", "15550006666", "999888777666555@lid"}},
		{"LID sender from the map", types.MessageSource{Chat: lid, Sender: lid},
			want{"15550005555@s.whatsapp.net", "15550005555@s.whatsapp.net", "15550005555", "111222333444555@lid"}},
		{"LID sender nobody knows", types.MessageSource{Chat: unknownLID, Sender: unknownLID},
			want{"999888777666555@lid", "999888777666555@lid", "", "999888777666555@lid"}},
		{"device suffix dropped", types.MessageSource{Chat: pn, Sender: types.NewADJID("15550005555", 0, 3)},
			want{"15550005555@s.whatsapp.net", "15550005555@s.whatsapp.net", "15550005555", "111222333444555@lid"}},
		{"broadcast list shows in the sender's chat", types.MessageSource{Chat: types.NewJID("1700000000", types.BroadcastServer), Sender: pn, IsGroup: true},
			want{"15550005555@s.whatsapp.net", "15550005555@s.whatsapp.net", "15550005555", "111222333444555@lid"}},
		{"group", types.MessageSource{Chat: group, Sender: lid, IsGroup: true},
			want{"120363000000000001@g.us", "15550005555@s.whatsapp.net", "15550005555", "111222333444555@lid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &gateway.InboundMessage{}
			fillSource(context.Background(), lids, types.MessageInfo{MessageSource: tt.src, ID: "X1", PushName: "Pat"}, in)
			got := want{in.Chat, in.Sender, in.SenderPhone, in.SenderLID}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("source (-want +got):\n%s", diff)
			}
			if in.WAMessageID != "X1" || in.PushName != "Pat" || in.IsGroup != (tt.src.IsGroup && tt.src.Chat.Server == types.GroupServer) {
				t.Fatalf("got id %q push name %q group %v", in.WAMessageID, in.PushName, in.IsGroup)
			}
		})
	}
}

func TestInboundMessageThroughTheDispatcher(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID, mediaDir: t.TempDir()})
	activate(t, e)
	sender := types.NewJID("15550007777", types.DefaultUserServer)
	ts := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	img := &events.Message{
		Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: sender, Sender: sender}, ID: "3EB0AAAA", PushName: "Sam", Timestamp: ts},
		Message: &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Mimetype: proto.String("image/jpeg"), Caption: proto.String("pic"), FileLength: proto.Uint64(3),
		}},
	}
	if !dispatch(e, img) {
		t.Fatal("stored message reported as not handled")
	}
	in := nextOf[gateway.EvInbound](t, rec).Message
	if in.Type != gateway.TypeImage || in.SenderPhone != "15550007777" || in.PushName != "Sam" || !in.Timestamp.Equal(ts) {
		t.Fatalf("got %+v, want an image from 15550007777", in)
	}
	if in.Media == nil || in.Media.Path != "sess-1/3EB0AAAA.jpg" {
		t.Fatalf("media %+v, want path sess-1/3EB0AAAA.jpg", in.Media)
	}

	// Not stored: whatsmeow must not acknowledge it, so WhatsApp redelivers.
	rec.setFail(errors.New("database down"))
	if dispatch(e, &events.Message{Info: img.Info, Message: textMessage("again")}) {
		t.Fatal("a message the handler could not store was reported handled; it would be acknowledged and lost")
	}
	nextOf[gateway.EvInbound](t, rec)

	// A contact's status post is stored under status@broadcast (the
	// worker announces it as status.post), with a text status's look.
	status := &events.Message{Info: img.Info, Message: &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
		Text: proto.String("my story"), BackgroundArgb: proto.Uint32(0xff112233), TextArgb: proto.Uint32(0x80ffffff),
		Font: waE2E.ExtendedTextMessage_CALISTOGA_REGULAR.Enum()}}}
	status.Info.Chat, status.Info.IsGroup, status.Info.ID = types.StatusBroadcastJID, true, "3EB0STATUS"
	rec.setFail(nil)
	if !dispatch(e, status) {
		t.Fatal("status update reported as not handled")
	}
	st := nextOf[gateway.EvInbound](t, rec).Message
	if st.Chat != gateway.StatusJID || st.IsGroup || st.Sender != "15550007777@s.whatsapp.net" || st.Text != "my story" {
		t.Fatalf("status stored as %+v, want a text of 15550007777 in status@broadcast", st)
	}
	if want := (gateway.StatusStyle{BackgroundColor: "#112233", TextColor: "#80ffffff", Font: "calistoga_regular"}); st.StatusStyle == nil || *st.StatusStyle != want {
		t.Fatalf("status style %+v, want %+v", st.StatusStyle, want)
	}

	// A followed channel's post comes from the channel.
	channel := types.NewJID("120363123456789012", types.NewsletterServer)
	post := &events.Message{Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: channel, Sender: channel}, ID: "99",
		Timestamp: ts}, Message: textMessage("news")}
	if !dispatch(e, post) {
		t.Fatal("channel post reported as not handled")
	}
	cp := nextOf[gateway.EvInbound](t, rec).Message
	if cp.Chat != "120363123456789012@newsletter" || cp.Sender != cp.Chat || cp.SenderPhone != "" || cp.Text != "news" || cp.IsGroup {
		t.Fatalf("channel post stored as %+v, want a text of the channel", cp)
	}

	// Protocol messages are not stored, and acknowledged.
	rec.setFail(nil)
	proto := &events.Message{Info: img.Info, Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum()}}}
	if !dispatch(e, proto) {
		t.Fatal("protocol message reported as not handled")
	}
	rec.None(t)
}

func TestMapReceipt(t *testing.T) {
	t.Parallel()
	chat := types.NewJID("15550008888", types.DefaultUserServer)
	ts := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		typ    types.ReceiptType
		want   gateway.MessageStatus
		stored bool
	}{
		{types.ReceiptTypeDelivered, gateway.MessageDelivered, true}, // the empty string
		{types.ReceiptTypeRead, gateway.MessageRead, true},
		{types.ReceiptTypePlayed, gateway.MessagePlayed, true},
		{types.ReceiptTypeServerError, gateway.MessageFailed, true},
		{types.ReceiptTypeReadSelf, "", false},
		{types.ReceiptTypePlayedSelf, "", false},
		{types.ReceiptTypeSender, "", false},
		{types.ReceiptTypeRetry, "", false},
		{types.ReceiptTypeInactive, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"|", func(t *testing.T) {
			r := &events.Receipt{MessageSource: types.MessageSource{Chat: chat}, MessageIDs: []types.MessageID{"A", "B"}, Timestamp: ts, Type: tt.typ}
			got, ok := mapReceipt(r)
			if ok != tt.stored {
				t.Fatalf("mapped %v, want %v", ok, tt.stored)
			}
			if !ok {
				return
			}
			if got.Status != tt.want || got.Chat != chat.String() || !got.At.Equal(ts) || !cmp.Equal(got.WAMessageIDs, []string{"A", "B"}) {
				t.Fatalf("got %+v, want %s for A and B", got, tt.want)
			}
			if (got.Status == gateway.MessageFailed) != (got.Reason != "") {
				t.Fatalf("reason %q for status %s", got.Reason, got.Status)
			}
		})
	}
}

func TestReceiptThroughTheDispatcher(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	r := &events.Receipt{MessageSource: types.MessageSource{Chat: types.NewJID("15550008888", types.DefaultUserServer)}, MessageIDs: []types.MessageID{"3EB0X"}, Type: types.ReceiptTypeDelivered}
	if !dispatch(e, r) {
		t.Fatal("receipt reported as not handled")
	}
	if ev := nextOf[gateway.EvReceipt](t, rec); ev.Status != gateway.MessageDelivered || ev.WAMessageIDs[0] != "3EB0X" {
		t.Fatalf("got %+v, want delivered for 3EB0X", ev)
	}
	rec.setFail(errors.New("database down"))
	if dispatch(e, r) {
		t.Fatal("a receipt the handler could not store was reported handled")
	}
}

func TestVCardPhone(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		buildVCard("A", "15550001234"):                           "15550001234",
		"BEGIN:VCARD\nTEL;TYPE=CELL:+44 20 7946 0958\nEND:VCARD": "442079460958",
		"BEGIN:VCARD\nFN:x\nEND:VCARD":                           "",
	}
	for in, want := range tests {
		if got := vcardPhone(in); got != want {
			t.Errorf("vcardPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
