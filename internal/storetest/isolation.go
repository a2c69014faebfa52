package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testTenantIsolation gives tenant A one of everything and checks tenant B
// reaches none of it through any tenant-scoped method.
func testTenantIsolation(t *testing.T, s gateway.Store) {
	a := newUser(t, s)
	b := newUser(t, s)
	sess := newSession(t, s, a.ID)
	inst := newInstance(t, s, sess, gateway.InstanceRunning)
	msg := newMessage(t, s, sess, nil)
	key := &gateway.APIKey{UserID: a.ID, Name: "a", Hash: "hash-a"}
	must(t, s.CreateAPIKey(ctx(t), key))
	hook := &gateway.Webhook{UserID: a.ID, SessionID: sess.ID, URL: "https://example.com/a", Events: []string{"*"}, Active: true}
	must(t, s.CreateWebhook(ctx(t), hook))
	_, err := s.SetSessionState(ctx(t), a.ID, sess.ID, gateway.SessionState{Status: gateway.SessionStarting},
		gateway.NewEvent(a.ID, sess.ID, gateway.EventSessionStatus, nil))
	must(t, err)

	notFound := map[string]func() error{
		"SessionByID": func() error { _, err := s.SessionByID(ctx(t), b.ID, sess.ID); return err },
		"UpdateSession": func() error {
			c := *sess
			c.UserID = b.ID
			return s.UpdateSession(ctx(t), &c)
		},
		"SetSessionState": func() error {
			_, err := s.SetSessionState(ctx(t), b.ID, sess.ID, gateway.SessionState{Status: gateway.SessionFailed})
			return err
		},
		"DeleteSession": func() error { return s.DeleteSession(ctx(t), b.ID, sess.ID) },
		"InstanceByID":  func() error { _, err := s.InstanceByID(ctx(t), b.ID, inst.ID); return err },
		"LiveInstance":  func() error { _, err := s.LiveInstance(ctx(t), b.ID, sess.ID); return err },
		"UpdateInstance": func() error {
			_, err := s.UpdateInstance(ctx(t), b.ID, inst.ID, gateway.InstanceUpdate{Status: gateway.InstanceStopped})
			return err
		},
		"CreateInstance": func() error {
			return s.CreateInstance(ctx(t), &gateway.Instance{SessionID: sess.ID, UserID: b.ID, Status: gateway.InstanceFailed})
		},
		"MessageByID": func() error { _, err := s.MessageByID(ctx(t), b.ID, msg.ID); return err },
		"CreateMessage": func() error {
			return s.CreateMessage(ctx(t), &gateway.Message{UserID: b.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText})
		},
		"WebhookByID": func() error { _, err := s.WebhookByID(ctx(t), b.ID, hook.ID); return err },
		"UpdateWebhook": func() error {
			c := *hook
			c.UserID = b.ID
			return s.UpdateWebhook(ctx(t), &c)
		},
		"DeleteWebhook": func() error { return s.DeleteWebhook(ctx(t), b.ID, hook.ID) },
		"CreateWebhook": func() error {
			return s.CreateWebhook(ctx(t), &gateway.Webhook{UserID: b.ID, SessionID: sess.ID, URL: "https://example.com/b"})
		},
		"RevokeAPIKey": func() error { return s.RevokeAPIKey(ctx(t), b.ID, key.ID, time.Now()) },
	}
	for name, call := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), gateway.CodeNotFound) })
	}

	empty := map[string]func() (int, int, error){
		"ListSessions": func() (int, int, error) {
			l, n, err := s.ListSessions(ctx(t), b.ID, gateway.Page{})
			return len(l), n, err
		},
		"ListInstances": func() (int, int, error) {
			l, n, err := s.ListInstances(ctx(t), b.ID, "", gateway.Page{})
			return len(l), n, err
		},
		"ListMessages": func() (int, int, error) {
			l, n, err := s.ListMessages(ctx(t), b.ID, gateway.MessageFilter{SessionID: sess.ID})
			return len(l), n, err
		},
		"ListWebhooks": func() (int, int, error) {
			l, n, err := s.ListWebhooks(ctx(t), b.ID, "", gateway.Page{})
			return len(l), n, err
		},
		"ListAPIKeys": func() (int, int, error) {
			l, n, err := s.ListAPIKeys(ctx(t), b.ID, gateway.Page{})
			return len(l), n, err
		},
		"ListEvents": func() (int, int, error) {
			l, err := s.ListEvents(ctx(t), b.ID, gateway.EventFilter{SessionID: sess.ID})
			return len(l), len(l), err
		},
		"CountSessions":      func() (int, int, error) { n, err := s.CountSessions(ctx(t), b.ID); return n, n, err },
		"CountLiveInstances": func() (int, int, error) { n, err := s.CountLiveInstances(ctx(t), b.ID); return n, n, err },
		"CountWebhooks":      func() (int, int, error) { n, err := s.CountWebhooks(ctx(t), b.ID); return n, n, err },
		"CountAPIKeys":       func() (int, int, error) { n, err := s.CountAPIKeys(ctx(t), b.ID); return n, n, err },
		"CountEvents":        func() (int, int, error) { n, err := s.CountEvents(ctx(t), b.ID, time.Time{}); return n, n, err },
		"CountOutboundSince": func() (int, int, error) { n, err := s.CountOutboundSince(ctx(t), b.ID, time.Time{}); return n, n, err },
		"CountMessages": func() (int, int, error) {
			c, err := s.CountMessages(ctx(t), b.ID, time.Time{})
			return c.Total, c.Total, err
		},
	}
	for name, call := range empty {
		t.Run(name, func(t *testing.T) {
			n, total, err := call()
			must(t, err)
			if n != 0 || total != 0 {
				t.Fatalf("got %d rows of total %d for another tenant, want 0", n, total)
			}
		})
	}

	// A's rows are all still there and unchanged.
	got, err := s.SessionByID(ctx(t), a.ID, sess.ID)
	must(t, err)
	if got.Status != gateway.SessionStarting || got.Name != sess.Name {
		t.Fatalf("got session %+v, want it untouched", got)
	}
	gotInst, err := s.InstanceByID(ctx(t), a.ID, inst.ID)
	must(t, err)
	if gotInst.Status != gateway.InstanceRunning {
		t.Fatalf("got instance status %q, want running", gotInst.Status)
	}
	gotHook, err := s.WebhookByID(ctx(t), a.ID, hook.ID)
	must(t, err)
	diff(t, "webhook", gotHook, hook)
	gotKey, err := s.APIKeyByHash(ctx(t), "hash-a")
	must(t, err)
	if gotKey.RevokedAt != nil {
		t.Fatalf("got key revoked at %v, want not revoked", gotKey.RevokedAt)
	}
}

// testConcurrentWriters has 20 goroutines create messages for one session
// and move them forward while others read.
func testConcurrentWriters(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	const workers, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
					Type: gateway.TypeText, Recipient: fmt.Sprintf("1555%07d@s.whatsapp.net", w*each+i), Body: "x",
					WAMessageID: gateway.NewWAMessageID()}
				if err := s.CreateMessage(ctx(t), m); err != nil {
					errs <- err
					continue
				}
				_, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageSent},
					func(m *gateway.Message) []*gateway.Event {
						return []*gateway.Event{gateway.NewEvent(m.UserID, m.SessionID, gateway.EventMessageStatus,
							gateway.MessageStatusData{MessageID: m.ID, Status: m.Status})}
					})
				if err != nil {
					errs <- err
				}
				if i%2 == 0 {
					_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{SessionID: sess.ID, WAMessageID: m.WAMessageID,
						Status: gateway.MessageDelivered}, nil)
					if err != nil {
						errs <- err
					}
				}
				if _, err := s.SessionByID(ctx(t), u.ID, sess.ID); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []string
	for err := range errs {
		all = append(all, err.Error())
	}
	if len(all) > 0 {
		t.Fatalf("got %d errors from concurrent writers, want none; first: %s", len(all), all[0])
	}
	c, err := s.CountMessages(ctx(t), u.ID, time.Time{})
	must(t, err)
	diff(t, "counts", c, gateway.MessageCounts{Sent: workers * each, Delivered: workers * each / 2, Total: workers * each})
	n, err := s.CountEvents(ctx(t), u.ID, time.Time{})
	must(t, err)
	if n != workers*each {
		t.Fatalf("got %d events, want %d", n, workers*each)
	}
	events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Limit: 1000})
	must(t, err)
	seqs := make([]int64, 0, len(events))
	for _, e := range events {
		seqs = append(seqs, e.Seq)
	}
	if !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Fatal("got event seqs out of order or repeated, want strictly increasing")
	}
}
