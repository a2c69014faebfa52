package mailer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/mailer"
	"github.com/whatsapp-saas/gateway/internal/mailer/mailtest"
)

func TestSendReachesReceiver(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.New(mailer.Config{Host: srv.Host(), Port: srv.Port(), From: "Gateway <no-reply@example.com>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	body := "Hello Zoë,\r\n\r\nyour token: abc.def_123\r\n" + strings.Repeat("long line ", 20) + "\r\n"
	if err := m.Send(context.Background(), "user@example.com", "Confirm your email — now", body); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.Wait(t, 5*time.Second)
	if got.From != "no-reply@example.com" {
		t.Errorf("got from %q, want no-reply@example.com", got.From)
	}
	if len(got.To) != 1 || got.To[0] != "user@example.com" {
		t.Errorf("got to %v, want [user@example.com]", got.To)
	}
	if !strings.Contains(got.Raw, "Subject: =?utf-8?q?") {
		t.Errorf("subject is not encoded: %q", got.Raw)
	}
	if !strings.Contains(got.Body, "your token: abc.def_123") || !strings.Contains(got.Body, "Zoë") {
		t.Errorf("got body %q, want the token and the name", got.Body)
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.New(mailer.Config{Host: srv.Host(), Port: srv.Port(), From: "no-reply@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, to, subject string }{
		{"header injection in subject", "user@example.com", "hi\r\nBcc: victim@example.com"},
		{"bad recipient", "not an address", "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.Send(context.Background(), tt.to, tt.subject, "body"); err == nil {
				t.Fatal("got nil error, want a refusal")
			}
		})
	}
	if n := len(srv.Mails()); n != 0 {
		t.Fatalf("got %d mails, want 0", n)
	}
}

func TestSendUnreachable(t *testing.T) {
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: 1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "user@example.com", "hi", "body"); err == nil {
		t.Fatal("got nil error sending to a closed port")
	}
}
