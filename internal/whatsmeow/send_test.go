package whatsmeow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type fakeUploader struct {
	data []byte
	typ  wa.MediaType
	err  error
}

func (f *fakeUploader) Upload(_ context.Context, data []byte, t wa.MediaType) (wa.UploadResponse, error) {
	f.data, f.typ = data, t
	if f.err != nil {
		return wa.UploadResponse{}, f.err
	}
	return wa.UploadResponse{
		URL: "https://mmg.whatsapp.net/x", DirectPath: "/v/x", MediaKey: []byte{1}, FileEncSHA256: []byte{2},
		FileSHA256: []byte{3}, FileLength: uint64(len(data)),
	}, nil
}

type fakeFetcher struct {
	data []byte
	ct   string
	err  error
	url  string
}

func (f *fakeFetcher) Fetch(_ context.Context, u string, _ int64) ([]byte, string, error) {
	f.url = u
	return f.data, f.ct, f.err
}

// offlineClient is a real whatsmeow client that never connects: its
// message builders are pure.
func offlineClient(t *testing.T) *wa.Client {
	t.Helper()
	c, err := newDeviceStore(t, sqliteDB(t), DialectSQLite).Container(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return wa.NewClient(c.NewDevice(), nil)
}

func TestBuildMessage(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	media := func(t gateway.MessageType, md gateway.Media) *gateway.OutboundMessage {
		return &gateway.OutboundMessage{To: "15550001111@c.us", Type: t, Media: &md}
	}
	pdf := []byte("%PDF-1.4 test")
	tests := []struct {
		name     string
		out      *gateway.OutboundMessage
		wantTo   string
		want     *waE2E.Message
		wantType wa.MediaType // uploaded media type, "" for none
	}{
		{"text to a @c.us number", &gateway.OutboundMessage{To: "15550001111@c.us", Type: gateway.TypeText, Text: "hi"},
			"15550001111@s.whatsapp.net", &waE2E.Message{Conversation: proto.String("hi")}, ""},
		{"text to a bare number", &gateway.OutboundMessage{To: "+1 (555) 000-1111", Text: "hi"},
			"15550001111@s.whatsapp.net", &waE2E.Message{Conversation: proto.String("hi")}, ""},
		{"reply", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeText, Text: "yes", ReplyTo: "Q1"},
			"15550001111@s.whatsapp.net", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("yes"),
				ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("Q1"), Participant: proto.String("15550001111@s.whatsapp.net")}}}, ""},
		{"reply in a group", &gateway.OutboundMessage{To: "120363000000000001@g.us", Type: gateway.TypeText, Text: "yes", ReplyTo: "Q1"},
			"120363000000000001@g.us", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("yes"),
				ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("Q1")}}}, ""},
		{"image", media(gateway.TypeImage, gateway.Media{Data: []byte("\x89PNG\r\n\x1a\nxxxx"), Caption: "look"}),
			"15550001111@s.whatsapp.net", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
				URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
				FileSHA256: []byte{3}, FileLength: proto.Uint64(12), Mimetype: proto.String("image/png"), Caption: proto.String("look")}}, wa.MediaImage},
		{"video", media(gateway.TypeVideo, gateway.Media{Data: []byte("vid"), MIMEType: "video/mp4"}),
			"15550001111@s.whatsapp.net", &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
				URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
				FileSHA256: []byte{3}, FileLength: proto.Uint64(3), Mimetype: proto.String("video/mp4")}}, wa.MediaVideo},
		{"voice note", media(gateway.TypeAudio, gateway.Media{Data: []byte("OggS"), Voice: true}),
			"15550001111@s.whatsapp.net", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
				URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
				FileSHA256: []byte{3}, FileLength: proto.Uint64(4), Mimetype: proto.String("audio/ogg; codecs=opus"), PTT: proto.Bool(true)}}, wa.MediaAudio},
		{"document", media(gateway.TypeDocument, gateway.Media{Data: pdf, MIMEType: "application/pdf", FileName: "a.pdf", Caption: "here"}),
			"15550001111@s.whatsapp.net", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
				URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
				FileSHA256: []byte{3}, FileLength: proto.Uint64(uint64(len(pdf))), Mimetype: proto.String("application/pdf"),
				FileName: proto.String("a.pdf"), Title: proto.String("a.pdf"), Caption: proto.String("here")}}, wa.MediaDocument},
		{"sticker", media(gateway.TypeSticker, gateway.Media{Data: []byte("RIFFxxxxWEBP")}),
			"15550001111@s.whatsapp.net", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
				URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
				FileSHA256: []byte{3}, FileLength: proto.Uint64(12), Mimetype: proto.String("image/webp")}}, wa.MediaImage},
		{"location", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1.5, Longitude: -2.5, Name: "Here"}},
			"15550001111@s.whatsapp.net", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(1.5), DegreesLongitude: proto.Float64(-2.5), Name: proto.String("Here")}}, ""},
		{"contact", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", Phone: "+1 555 000 2222"}},
			"15550001111@s.whatsapp.net", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Ann"),
				Vcard: proto.String("BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;type=CELL;waid=15550002222:+15550002222\nEND:VCARD")}}, ""},
		{"reaction", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeReaction, Target: "T1", Reaction: "👍"},
			"15550001111@s.whatsapp.net", cli.BuildReaction(types.NewJID("15550001111", types.DefaultUserServer), types.NewJID("15550001111", types.DefaultUserServer), "T1", "👍"), ""},
		{"edit", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeEdit, Target: "T1", Text: "fixed"},
			"15550001111@s.whatsapp.net", cli.BuildEdit(types.NewJID("15550001111", types.DefaultUserServer), "T1", &waE2E.Message{Conversation: proto.String("fixed")}), ""},
		{"revoke", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeRevoke, Target: "T1"},
			"15550001111@s.whatsapp.net", cli.BuildRevoke(types.NewJID("15550001111", types.DefaultUserServer), types.EmptyJID, "T1"), ""},
		{"text to a LID", &gateway.OutboundMessage{To: "123456789012345@lid", Text: "hi"},
			"123456789012345@lid", &waE2E.Message{Conversation: proto.String("hi")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &fakeUploader{}
			to, msg, err := buildMessage(context.Background(), cli, u, &fakeFetcher{}, 1<<20, tt.out, refs{})
			if err != nil {
				t.Fatalf("buildMessage: %v", err)
			}
			if to.String() != tt.wantTo {
				t.Fatalf("to %s, want %s", to, tt.wantTo)
			}
			// The edit, revoke and reaction builders stamp the time; compare without it.
			opts := []cmp.Option{protocmp.Transform(), protocmp.IgnoreFields(&waE2E.ProtocolMessage{}, "timestampMS"),
				protocmp.IgnoreFields(&waE2E.ReactionMessage{}, "senderTimestampMS")}
			if diff := cmp.Diff(tt.want, msg, opts...); diff != "" {
				t.Fatalf("message (-want +got):\n%s", diff)
			}
			if u.typ != tt.wantType {
				t.Fatalf("uploaded as %q, want %q", u.typ, tt.wantType)
			}
			if _, err := proto.Marshal(msg); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		})
	}
}

func TestBuildMessageMediaByURL(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	f := &fakeFetcher{data: []byte("%PDF-1.4"), ct: "application/pdf; charset=binary"}
	u := &fakeUploader{}
	out := &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeDocument, Media: &gateway.Media{URL: "https://example.com/a.pdf", FileName: "a.pdf"}}
	_, msg, err := buildMessage(context.Background(), cli, u, f, 1<<20, out, refs{})
	if err != nil {
		t.Fatal(err)
	}
	if f.url != "https://example.com/a.pdf" || string(u.data) != "%PDF-1.4" {
		t.Fatalf("fetched %q, uploaded %q; want the URL's bytes uploaded", f.url, u.data)
	}
	if got := msg.GetDocumentMessage().GetMimetype(); got != "application/pdf" {
		t.Fatalf("mimetype %q, want the server's application/pdf", got)
	}
}

func TestBuildMessageErrors(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	tests := []struct {
		name    string
		out     *gateway.OutboundMessage
		fetcher *fakeFetcher
		upload  error
		code    gateway.Code
	}{
		{"bad recipient", &gateway.OutboundMessage{To: "12@x.com", Text: "hi"}, nil, nil, gateway.CodeValidation},
		{"empty text", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeText, Text: "  "}, nil, nil, gateway.CodeValidation},
		{"no media", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage}, nil, nil, gateway.CodeValidation},
		{"voice image", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{Data: []byte("x"), Voice: true}}, nil, nil, gateway.CodeValidation},
		{"too large", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{Data: make([]byte, 2048)}}, nil, nil, gateway.CodeTooLarge},
		{"media host down fails the message", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{URL: "https://example.com/x.png"}},
			&fakeFetcher{err: gateway.Errorf(gateway.CodeUnavailable, "The media URL could not be fetched.")}, nil, gateway.CodeValidation},
		{"private media URL", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{URL: "http://127.0.0.1/x.png"}},
			&fakeFetcher{err: gateway.Errorf(gateway.CodeValidation, "The media URL points to a private address.")}, nil, gateway.CodeValidation},
		{"upload while offline is retried", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeImage, Media: &gateway.Media{Data: []byte("x")}},
			nil, wa.ErrNotConnected, gateway.CodeUnavailable},
		{"location out of range", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 91}}, nil, nil, gateway.CodeValidation},
		{"contact without phone", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "A"}}, nil, nil, gateway.CodeValidation},
		{"reaction without target", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeReaction, Reaction: "👍"}, nil, nil, gateway.CodeValidation},
		{"edit without text", &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeEdit, Target: "T"}, nil, nil, gateway.CodeValidation},
		{"unknown type", &gateway.OutboundMessage{To: "15550001111", Type: "carousel"}, nil, nil, gateway.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fetcher
			if f == nil {
				f = &fakeFetcher{}
			}
			_, _, err := buildMessage(context.Background(), cli, &fakeUploader{err: tt.upload}, f, 1024, tt.out, refs{})
			if got := gateway.ErrorCode(err); got != tt.code {
				t.Fatalf("got %v (%s), want %s", err, got, tt.code)
			}
		})
	}
}

func TestSendAndRequestsWhileOffline(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	ctx := context.Background()
	if _, err := e.Send(ctx, &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeText, Text: "hi", WAMessageID: "3EB0X"}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("Send offline: got %v, want CodeUnavailable (the message stays queued)", err)
	}
	if err := e.MarkRead(ctx, gateway.ReadReceipt{Chat: "15550001111", WAMessageIDs: []string{"A"}}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("MarkRead offline: got %v, want CodeUnavailable", err)
	}
	if err := e.SetTyping(ctx, "15550001111@c.us", true, false); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("SetTyping offline: got %v, want CodeUnavailable", err)
	}
	if _, err := e.CheckNumbers(ctx, []string{"+15550001111"}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("CheckNumbers offline: got %v, want CodeUnavailable", err)
	}
	if _, err := e.PairPhone(ctx, "+15550001111"); !gateway.IsCode(err, gateway.CodeConflict) {
		t.Fatalf("PairPhone on a paired device: got %v, want CodeConflict", err)
	}
	// Bad input is refused before anything goes on the wire.
	if _, err := e.CheckNumbers(ctx, []string{"12"}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Fatalf("CheckNumbers bad number: got %v, want CodeValidation", err)
	}
	if err := e.MarkRead(ctx, gateway.ReadReceipt{Chat: "120363000000000001@g.us", WAMessageIDs: []string{"A"}}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Fatalf("MarkRead in a group without sender: got %v, want CodeValidation", err)
	}
}

func TestSendWhenConnectedButSocketDown(t *testing.T) {
	t.Parallel()
	// The engine believes it is connected (Connected seen) but whatsmeow's
	// socket is down: the send is refused as retryable, not failed.
	e, _ := connectedEngine(t)
	_, err := e.Send(context.Background(), &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeText, Text: "hi", WAMessageID: "3EB0X"})
	if !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("got %v, want CodeUnavailable", err)
	}
}

func TestPairPhone(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t, engineSetup{})
	if _, err := e.PairPhone(context.Background(), "0123"); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Fatalf("bad number: got %v, want CodeValidation", err)
	}
	if _, err := e.PairPhone(context.Background(), "+15550001111"); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("not connecting: got %v, want CodeUnavailable", err)
	}
	// With the pairing socket "up" but no real socket, whatsmeow itself refuses.
	activate(t, e)
	e.mu.Lock()
	e.socketUp = true
	e.mu.Unlock()
	if _, err := e.PairPhone(context.Background(), "+15550001111"); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("socket down: got %v, want CodeUnavailable", err)
	}
}

func TestNumberChecks(t *testing.T) {
	t.Parallel()
	res := []types.IsOnWhatsAppResponse{
		{Query: "+15550001111", JID: types.NewJID("15550001111", types.DefaultUserServer), IsIn: true},
		{Query: "+15550002222", IsIn: false},
	}
	got := numberChecks([]string{"15550001111", "15550002222", "15550003333"}, res)
	want := []gateway.NumberCheck{
		{Phone: "15550001111", JID: "15550001111@s.whatsapp.net", OnWA: true},
		{Phone: "15550002222"},
		{Phone: "15550003333"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("checks (-want +got):\n%s", diff)
	}
}

func TestFetcherRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("secret")) }))
	t.Cleanup(srv.Close)
	f := defaultFetcher()
	tests := []struct {
		url  string
		code gateway.Code
	}{
		{srv.URL + "/x.png", gateway.CodeValidation},
		{strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/x.png", gateway.CodeValidation},
		{"file:///etc/passwd", gateway.CodeValidation},
		{"ftp://example.com/x", gateway.CodeValidation},
		{"http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", gateway.CodeValidation}, // metadata through NAT64
		{"http://[2002:a9fe:a9fe::1]/x.png", gateway.CodeValidation},              // 6to4
		{"http://198.18.0.1/x.png", gateway.CodeValidation},                       // benchmarking
	}
	for _, tt := range tests {
		data, _, err := f.Fetch(context.Background(), tt.url, 1<<20)
		if got := gateway.ErrorCode(err); got != tt.code || data != nil {
			t.Errorf("Fetch(%s): got %q, %v; want %s and no data", tt.url, data, err, tt.code)
		}
	}
}

func TestSendErrorClassification(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	e.mu.Lock()
	e.online = true
	e.mu.Unlock()
	checkCodes(t, "sendError", e.sendError, []errorCase{
		{wa.ErrNotConnected, gateway.CodeUnavailable},
		{wa.ErrMessageTimedOut, gateway.CodeUnavailable},
		{wa.ErrRecipientADJID, gateway.CodeValidation},
		{wa.ErrServerReturnedError, gateway.CodeValidation},
		{errors.New("no LID found for X from server"), gateway.CodeValidation},
	})
}
