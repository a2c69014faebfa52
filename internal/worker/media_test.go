package worker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

func TestInboundMediaBytesAreStored(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	dir := t.TempDir()
	w := mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Engines: sandboxEngines(sandbox.Options{}), Store: st, MediaDir: dir})
	data := []byte("%PDF-1.4 inbound")
	in := &gateway.InboundMessage{WAMessageID: "3EB0MEDIA1", Chat: "15550002222@s.whatsapp.net", Sender: "15550002222@s.whatsapp.net",
		Type: gateway.TypeDocument, Media: &gateway.Media{Data: data, MIMEType: "application/pdf", FileName: "a.pdf"}}
	// Twice: a redelivery writes the same file and stores nothing new.
	for range 2 {
		if err := w.handle(context.Background(), gateway.EvInbound{Message: in}); err != nil {
			t.Fatalf("handle: %v", err)
		}
	}
	want := s.ID + "/3EB0MEDIA1.pdf"
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(want)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored file: %q, %v; want the media bytes at %s", got, err, want)
	}
	ms, _, err := st.ListMessages(context.Background(), s.UserID, gateway.MessageFilter{SessionID: s.ID, Page: gateway.Page{Page: 1, Limit: 10}})
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages: %d, %v; want one", len(ms), err)
	}
	p, err := gateway.ParsePayload(ms[0].Payload)
	if err != nil || p.Media == nil || p.Media.Path != want || p.Media.Size != int64(len(data)) || p.Media.Data != nil {
		t.Fatalf("payload media %+v, %v; want path %s, the size, and no bytes", p.Media, err, want)
	}
}
