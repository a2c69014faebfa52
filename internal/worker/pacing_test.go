package worker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

// callLog records, in order, the pacer's waits and the engine's typing and sends.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	l.calls = append(l.calls, s)
	l.mu.Unlock()
}

func (l *callLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

func (l *callLog) Wait(_ context.Context, m *gateway.Message) error {
	l.add("wait " + m.Body)
	return nil
}

// loggingEngine is the sandbox engine with its typing and sends logged.
type loggingEngine struct {
	gateway.Engine
	log *callLog
}

func (e loggingEngine) SetTyping(ctx context.Context, chat string, typing, audio bool) error {
	if typing {
		e.log.add("typing " + chat)
	}
	return e.Engine.SetTyping(ctx, chat, typing, audio)
}

func (e loggingEngine) Send(ctx context.Context, m *gateway.OutboundMessage) (gateway.SendResult, error) {
	e.log.add("send " + m.Text)
	return e.Engine.Send(ctx, m)
}

func TestPacerAndTypingPreroll(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	first := queue(t, st, s, "15550002222", gateway.TypeText, "one", nil)
	loc := queue(t, st, s, "15550002222", gateway.TypeLocation, "", &gateway.MessagePayload{Location: &gateway.Location{Latitude: 1, Longitude: 2}})
	second := queue(t, st, s, "15550003333", gateway.TypeText, "two", nil)

	log := &callLog{}
	sb := sandbox.Factory(sandbox.Options{DeliveryDelay: -1})
	engines := map[string]gateway.EngineFactory{gateway.EngineSandbox: func(ctx context.Context, cfg gateway.EngineConfig) (gateway.Engine, error) {
		e, err := sb(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return loggingEngine{Engine: e, log: log}, nil
	}}
	w := mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Engines: engines, Store: st, Secret: secretFn,
		Pacer: log, TypingPreroll: time.Millisecond})
	start(t, w)
	for _, m := range []*gateway.Message{first, loc, second} {
		messageIs(t, st, m, gateway.MessageSent)
	}
	// Every send waits for the pacer; texts show "typing…" first, in their own chat.
	want := []string{
		"wait one", "typing 15550002222@s.whatsapp.net", "send one",
		"wait ", "send ",
		"wait two", "typing 15550003333@s.whatsapp.net", "send two",
	}
	if diff := cmp.Diff(want, log.get()); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
}
