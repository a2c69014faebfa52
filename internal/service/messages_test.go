package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// sendWorkers is a worker fleet of one, reached at one endpoint: it keeps
// the messages it is told of; the calls the send path never makes fail.
type sendWorkers struct {
	mu   sync.Mutex
	told []string
}

var errNotSendPath = errors.New("not a call of the send path")

func (w *sendWorkers) Endpoint(context.Context, string) (gateway.Endpoint, error) {
	return gateway.Endpoint{URL: "http://127.0.0.1:4100"}, nil
}

func (w *sendWorkers) Send(_ context.Context, _ gateway.Endpoint, messageID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.told = append(w.told, messageID)
	return nil
}

func (w *sendWorkers) toldOf() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.told...)
}

func (w *sendWorkers) Status(context.Context, gateway.Endpoint) (*instanceapi.Status, error) {
	return nil, errNotSendPath
}
func (w *sendWorkers) QR(context.Context, gateway.Endpoint) (*instanceapi.QR, error) {
	return nil, errNotSendPath
}
func (w *sendWorkers) PairCode(context.Context, gateway.Endpoint, string) (string, error) {
	return "", errNotSendPath
}
func (w *sendWorkers) Scan(context.Context, gateway.Endpoint, string) (*instanceapi.Status, error) {
	return nil, errNotSendPath
}
func (w *sendWorkers) Logout(context.Context, gateway.Endpoint) (*instanceapi.Status, error) {
	return nil, errNotSendPath
}
func (w *sendWorkers) Media(context.Context, gateway.Endpoint, string) (*instanceapi.MediaBody, error) {
	return nil, errNotSendPath
}

func TestSendListAndCancel(t *testing.T) {
	f := newFixture(t)
	w := &sendWorkers{}
	f.scheduler, f.registry, f.workers = &fakeScheduler{}, w, w
	ctx := t.Context()
	ann, bob := f.register(t, "ann@example.com"), f.register(t, "bob@example.com")
	sess, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "shop"})
	must(t, err)

	_, err = f.SendMessage(ctx, ann, SendInput{Recipient: "not a number", MessageType: "fax"})
	wantFields(t, err, "session_id", "recipient", "message_type")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "15551234567"})
	wantFields(t, err, "message")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "15551234567", Message: "hi"})
	wantCode(t, err, gateway.CodeConflict) // no running instance
	_, err = f.SendMessage(ctx, bob, SendInput{SessionID: sess.ID, Recipient: "15551234567", Message: "hi"})
	wantCode(t, err, gateway.CodeNotFound)

	_, err = f.StartInstance(ctx, ann, sess.ID)
	must(t, err)
	m, err := f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "+1 555 123 4567", Message: "hi"})
	must(t, err)
	if m.Status != gateway.MessageQueued || m.Recipient != "15551234567@s.whatsapp.net" || m.WAMessageID == "" {
		t.Fatalf("sent %+v, want a queued message to the number's JID with a WhatsApp id", m)
	}
	f.Wait()
	if told := w.toldOf(); len(told) != 1 || told[0] != m.ID {
		t.Fatalf("the worker was told of %v, want [%s]", told, m.ID)
	}

	// A reply names our id and is stored with the WhatsApp id it answers.
	reply, err := f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "15551234567", Message: "and more", ReplyTo: m.ID})
	must(t, err)
	if reply.ReplyTo != m.WAMessageID {
		t.Fatalf("reply to %q, want the WhatsApp id %q", reply.ReplyTo, m.WAMessageID)
	}

	at := f.now.Add(time.Hour)
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "15551234567", Message: "later", SendAt: ptr(f.now.Add(-time.Minute))})
	wantFields(t, err, "send_at")
	later, err := f.SendMessage(ctx, ann, SendInput{SessionID: sess.ID, Recipient: "15551234567", Message: "later", SendAt: &at})
	must(t, err)
	if later.Status != gateway.MessageScheduled || later.SendAt == nil || !later.SendAt.Equal(at) {
		t.Fatalf("scheduled %+v, want scheduled at %s", later, at)
	}

	list, err := f.ListMessages(ctx, ann.ID, gateway.MessageFilter{Recipient: "+15551234567"})
	must(t, err)
	if list.Pagination.Total != 3 || len(list.Items) != 3 {
		t.Fatalf("ann's list %+v, want her 3 messages", list.Pagination)
	}
	none, err := f.ListMessages(ctx, bob.ID, gateway.MessageFilter{})
	must(t, err)
	if none.Pagination.Total != 0 {
		t.Fatalf("bob lists %d of ann's messages", none.Pagination.Total)
	}
	_, err = f.Message(ctx, bob.ID, m.ID)
	wantCode(t, err, gateway.CodeNotFound)

	_, err = f.CancelMessage(ctx, bob.ID, later.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = f.CancelMessage(ctx, ann.ID, m.ID)
	wantCode(t, err, gateway.CodeConflict) // queued, not scheduled
	canceled, err := f.CancelMessage(ctx, ann.ID, later.ID)
	must(t, err)
	if canceled.Status != gateway.MessageCanceled || canceled.Body != "later" {
		t.Fatalf("canceled %+v, want the whole message, canceled", canceled)
	}
	_, err = f.CancelMessage(ctx, ann.ID, later.ID)
	wantCode(t, err, gateway.CodeConflict)
	evs, err := f.Events(ctx, ann.ID, gateway.EventFilter{Types: []string{gateway.EventMessageStatus}})
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("%d message.status events, want the cancellation's", len(evs))
	}
	_, err = f.Events(ctx, ann.ID, gateway.EventFilter{Types: []string{"no.such.event"}})
	wantFields(t, err, "types")
}
