package client

import (
	"encoding/json"
	"testing"
)

func TestSendRequestLinkPreview(t *testing.T) {
	for _, tt := range []struct {
		req  SendRequest
		want string
	}{
		{SendRequest{SessionID: "s", Recipient: "r", Message: "https://e.com"},
			`{"session_id":"s","recipient":"r","message":"https://e.com"}`},
		{SendRequest{SessionID: "s", Recipient: "r", Message: "https://e.com", NoLinkPreview: true},
			`{"session_id":"s","recipient":"r","message":"https://e.com","link_preview":false}`},
		{SendRequest{SessionID: "s", Recipient: "r", Message: "https://e.com", LinkPreview: &LinkPreview{URL: "https://e.com", Title: "E"},
			Mentions: []string{"15550001111"}}, `{"session_id":"s","recipient":"r","message":"https://e.com","mentions":["15550001111"],` +
			`"link_preview":{"url":"https://e.com","title":"E"}}`},
	} {
		b, err := json.Marshal(tt.req)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("got %s\nwant %s", b, tt.want)
		}
	}
}
