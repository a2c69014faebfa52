package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestErrorsInTheClientsLanguage: the error envelope's sentences (message
// and fields) follow Accept-Language, English by default and Arabic on
// request, while the code, the status and the field names stay the same;
// the answer says its language (Content-Language) and that it depends on
// the header (Vary).
func TestErrorsInTheClientsLanguage(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	bad := map[string]any{"email": "nobody@example.com", "password": "a-long-password", "name": "  ", "phone": "abc"}
	tests := []struct {
		accept, lang, message, name, phone string
	}{
		{"", "en", "Some fields are invalid.", "Give a name of 1 to 100 characters.", `The phone number "abc" may hold only digits`},
		{"en-GB", "en", "Some fields are invalid.", "Give a name of 1 to 100 characters.", `The phone number "abc" may hold only digits`},
		{"ar", "ar", "بعض الحقول غير صالحة.", "أدخل اسماً من 1 إلى 100 حرف.", "يقبل الأرقام والمسافات"},
		{"fr-FR, ar-EG;q=0.7, en;q=0.3", "ar", "بعض الحقول غير صالحة.", "أدخل اسماً من 1 إلى 100 حرف.", "يقبل الأرقام والمسافات"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.accept, func(t *testing.T) {
			c := &client{t: t, base: base, header: http.Header{}}
			if tt.accept != "" {
				c.header.Set("Accept-Language", tt.accept)
			}
			r := c.do("POST", "/api/v1/auth/register", bad).fails(t, http.StatusUnprocessableEntity, "validation_failed")
			if r.Error.Message != tt.message || r.Error.Fields["name"] != tt.name || !strings.Contains(r.Error.Fields["phone"], tt.phone) {
				t.Errorf("got %q with fields %q, want %q, name %q, phone containing %q", r.Error.Message, r.Error.Fields, tt.message, tt.name, tt.phone)
			}
			// The value the user typed is kept as typed inside the sentence.
			if !strings.Contains(r.Error.Fields["phone"], `"abc"`) {
				t.Errorf("the phone sentence %q lost the value", r.Error.Fields["phone"])
			}
			if got := r.Header.Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language = %q, want %q", got, tt.lang)
			}
			if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
				t.Errorf("Vary = %q, want it to name Accept-Language", r.Header.Values("Vary"))
			}
		})
	}

	// Authenticated errors too, including the QR stream's refusal before it
	// starts: a session with no worker.
	sara := register(t, base, "sara@example.com")
	sara.header = http.Header{"Accept-Language": {"ar"}}
	var created struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	sara.do("POST", "/api/v1/sessions", map[string]any{"session_name": "shop"}).must(t, http.StatusCreated, &created)
	r := sara.do("GET", "/api/v1/sessions/"+created.Session.ID+"/qr?stream=true", nil)
	if r.Success || r.Error.Code == "" || !strings.ContainsAny(r.Error.Message, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
		t.Errorf("the QR stream of a stopped session answered %d %q %q, want an Arabic sentence", r.Status, r.Error.Code, r.Error.Message)
	}
	r = sara.do("GET", "/api/v1/messages/00000000-0000-0000-0000-000000000000", nil).fails(t, http.StatusNotFound, "not_found")
	if r.Error.Message != "لم يُعثر على الرسالة." {
		t.Errorf("a missing message in Arabic: %q", r.Error.Message)
	}
}

// TestWrongMethodAnswers405: a known path asked with a method it does not
// take answers 405 method_not_allowed with the methods it takes in Allow
// (and in the sentence, in the client's language); an unknown path stays
// 404.
func TestWrongMethodAnswers405(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	sara := register(t, base, "sara@example.com")
	tests := []struct {
		method, path, allow string
	}{
		{"GET", "/api/v1/auth/login", "POST"},
		{"PUT", "/api/v1/sessions", "GET, POST"},
	}
	for _, tt := range tests {
		r := sara.do(tt.method, tt.path, nil).fails(t, http.StatusMethodNotAllowed, "method_not_allowed")
		if got := r.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if !strings.Contains(r.Error.Message, tt.allow) {
			t.Errorf("%s %s: the sentence %q does not name %s", tt.method, tt.path, r.Error.Message, tt.allow)
		}
	}
	sara.header = http.Header{"Accept-Language": {"ar"}}
	r := sara.do("GET", "/api/v1/auth/login", nil).fails(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if !strings.HasPrefix(r.Error.Message, "الطريقة") || !strings.Contains(r.Error.Message, "POST") {
		t.Errorf("in Arabic: %q", r.Error.Message)
	}
	sara.do("GET", "/api/v1/no-such-thing", nil).fails(t, http.StatusNotFound, "not_found")
}

// TestReasonsInTheClientsLanguage: a stored reason (a failed message's
// error, a stopped session's status_reason, the reason of its
// session.status event) is answered in the client's language, in the same
// fields; English by default, as stored.
func TestReasonsInTheClientsLanguage(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	c := register(t, base, "reasons@example.com")
	sess, inst := startSession(t, c, "reasons")
	waitConnected(t, c, sess.ID)
	// The sandbox's numbers ending in 0000 are not on WhatsApp.
	var sent struct {
		Message struct {
			ID string `json:"id"`
		} `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "+15551230000", "message": "hi"}).must(t, http.StatusCreated, &sent)
	polltest.Eventually(t, patience, "message failed", func() bool {
		return getMessage[messageView](t, c, sent.Message.ID).Status == "failed"
	})
	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, nil)
	ar := &client{t: t, base: base, token: c.token, header: http.Header{"Accept-Language": {"ar"}}}
	tests := []struct {
		who                               *client
		lang, sessionReason, messageError string
	}{
		{c, "en", "The instance was stopped; start it to connect again.", "sandbox: recipient is not on WhatsApp"},
		{ar, "ar", "أُوقف المثيل؛ شغّله ليتصل من جديد.", "sandbox: المستلم ليس على واتساب"},
	}
	for _, tt := range tests {
		if got := getSession(t, tt.who, sess.ID); got.Status != "stopped" || got.StatusReason != tt.sessionReason {
			t.Errorf("%s: session %s with reason %q, want stopped with %q", tt.lang, got.Status, got.StatusReason, tt.sessionReason)
		}
		if msg := getMessage[messageView](t, tt.who, sent.Message.ID); msg.Error != tt.messageError {
			t.Errorf("%s: message error %q, want %q", tt.lang, msg.Error, tt.messageError)
		}
		list := tt.who.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, nil)
		if !strings.Contains(string(list.Raw), tt.sessionReason) {
			t.Errorf("%s: the sessions list lacks %q: %s", tt.lang, tt.sessionReason, list.Raw)
		}
		// The session.status event of the stop, from the start of the log.
		if !replayEvents(t, tt.who, "types=session.status", func(data []byte) bool {
			var ev struct {
				Data struct {
					Status string `json:"status"`
					Reason string `json:"reason"`
				} `json:"data"`
			}
			return json.Unmarshal(data, &ev) == nil && ev.Data.Status == "stopped" && ev.Data.Reason == tt.sessionReason
		}) {
			t.Errorf("%s: no session.status event of the stop with reason %q", tt.lang, tt.sessionReason)
		}
	}
}
