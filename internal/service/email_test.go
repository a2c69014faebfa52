package service

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// mailbox is a Mailer that keeps what it is asked to send; fail makes
// every send fail, as an unreachable SMTP server would.
type mailbox struct {
	mu   sync.Mutex
	mail []sentMail
	fail bool
}

type sentMail struct{ to, subject, body string }

func (m *mailbox) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("smtp: connection refused")
	}
	m.mail = append(m.mail, sentMail{to, subject, body})
	return nil
}

func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mail)
}

// token returns the token mailed in the last mail, as the mail's reader
// would copy it: the line of its own that is a URL-safe token.
func (m *mailbox) token(t *testing.T) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.mail) == 0 {
		t.Fatal("no mail was sent")
	}
	tok := regexp.MustCompile(`(?m)^([A-Za-z0-9_-]{43})\r?$`).FindStringSubmatch(m.mail[len(m.mail)-1].body)
	if tok == nil {
		t.Fatalf("no token in the mail %q", m.mail[len(m.mail)-1].body)
	}
	return tok[1]
}

func TestPasswordResetByMail(t *testing.T) {
	box := &mailbox{}
	f := newFixtureWith(t, box)
	ctx := t.Context()
	u := f.register(t, "ann@example.com")

	// An address without an account answers the same, and mails nothing.
	must(t, f.ForgotPassword(ctx, "nobody@example.com", "198.51.100.1"))
	if box.count() != 0 {
		t.Fatalf("%d mails for an address without an account, want 0", box.count())
	}
	wantFields(t, f.ForgotPassword(ctx, "not-an-email", "198.51.100.1"), "email")

	must(t, f.ForgotPassword(ctx, " Ann@Example.com ", "198.51.100.1"))
	if box.count() != 1 || box.mail[0].to != "ann@example.com" {
		t.Fatalf("mails %+v, want one to ann@example.com", box.mail)
	}
	token := box.token(t)

	_, err := f.ResetPassword(ctx, "not-the-token", "a brand new password")
	wantCode(t, err, gateway.CodeInvalid)
	_, err = f.ResetPassword(ctx, token, "short")
	wantFields(t, err, "password")
	got, err := f.ResetPassword(ctx, token, "a brand new password")
	must(t, err)
	if got.ID != u.ID || !got.EmailVerified {
		t.Fatalf("reset answered %+v, want ann's account, verified by the mail", got)
	}
	// The token works once.
	_, err = f.ResetPassword(ctx, token, "yet another password")
	wantCode(t, err, gateway.CodeInvalid)

	_, err = f.Login(ctx, "ann@example.com", "correct horse battery", "198.51.100.1")
	wantCode(t, err, gateway.CodeUnauthorized)
	_, err = f.Login(ctx, "ann@example.com", "a brand new password", "198.51.100.1")
	must(t, err)

	// The hourly cap per account: the reset already sent counts.
	for range mailsPerHour - 1 {
		must(t, f.ForgotPassword(ctx, "ann@example.com", "198.51.100.2"))
	}
	wantCode(t, f.ForgotPassword(ctx, "ann@example.com", "198.51.100.3"), gateway.CodeRateLimited)

	// An SMTP failure is the server's, said as such.
	box.fail = true
	f.register(t, "bob@example.com")
	wantCode(t, f.ForgotPassword(ctx, "bob@example.com", "198.51.100.4"), gateway.CodeUnavailable)

	// Without a mailer the feature is off, not broken.
	off := newFixture(t)
	wantCode(t, off.ForgotPassword(ctx, "ann@example.com", "198.51.100.1"), gateway.CodeFeatureDisabled)
	_, err = off.ResetPassword(ctx, token, "a brand new password")
	wantCode(t, err, gateway.CodeFeatureDisabled)
}

func TestEmailVerification(t *testing.T) {
	box := &mailbox{}
	f := newFixtureWith(t, box, func(s *Settings) { s.EnableEmailVerification = true; s.PublicURL = "https://wa.example.com" })
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	if u.EmailVerified {
		t.Fatal("a new account is verified before its mail was answered")
	}
	if box.count() != 1 {
		t.Fatalf("%d mails after registration, want the verification mail", box.count())
	}
	token := box.token(t)
	if want := "https://wa.example.com/api/v1/auth/verify-email?token=" + token; !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(box.mail[0].body) {
		t.Fatalf("mail %q has no link %q", box.mail[0].body, want)
	}

	// Asking again sends a new link; either works once.
	must(t, f.RequestEmailVerification(ctx, u))
	second := box.token(t)
	if second == token {
		t.Fatal("a new verification mail repeats the old token")
	}
	_, err := f.VerifyEmail(ctx, "not-the-token")
	wantCode(t, err, gateway.CodeInvalid)
	got, err := f.VerifyEmail(ctx, token)
	must(t, err)
	if got.ID != u.ID || !got.EmailVerified {
		t.Fatalf("verify answered %+v, want ann verified", got)
	}
	_, err = f.VerifyEmail(ctx, token)
	wantCode(t, err, gateway.CodeInvalid)
	wantCode(t, f.RequestEmailVerification(ctx, got), gateway.CodeConflict)

	off := newFixture(t)
	_, err = off.VerifyEmail(ctx, second)
	wantCode(t, err, gateway.CodeFeatureDisabled)
	wantCode(t, off.RequestEmailVerification(ctx, u), gateway.CodeFeatureDisabled)
}

func TestSeedAndEnsureAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.Seed(ctx, true)
	wantCode(t, err, gateway.CodeForbidden)

	res, err := f.Seed(ctx, false)
	must(t, err)
	if !res.DemoCreated || res.Plans != len(DefaultPlans(f.cfg.MaxInstancesPerUser))-1 {
		t.Fatalf("first seed %+v, want the demo account and every plan but the default one (made by the fixture)", res)
	}
	if _, err := f.Login(ctx, DemoEmail, DemoPassword, "198.51.100.1"); err != nil {
		t.Fatalf("demo login: %v", err)
	}
	again, err := f.Seed(ctx, false)
	must(t, err)
	if again.DemoCreated || again.Plans != 0 {
		t.Fatalf("second seed %+v, want nothing new", again)
	}

	made, err := f.EnsureAdmin(ctx, "", "")
	must(t, err)
	if made {
		t.Fatal("an admin was made without ADMIN_EMAIL")
	}
	_, err = f.EnsureAdmin(ctx, "root@", "an admin password")
	wantCode(t, err, gateway.CodeValidation)
	made, err = f.EnsureAdmin(ctx, "Root@Example.com", "an admin password")
	must(t, err)
	in, err := f.Login(ctx, "root@example.com", "an admin password", "198.51.100.1")
	must(t, err)
	if !made || in.User.Role != gateway.RoleAdmin {
		t.Fatalf("made %v, role %q; want a new admin", made, in.User.Role)
	}
	made, err = f.EnsureAdmin(ctx, "root@example.com", "another password")
	must(t, err)
	if made {
		t.Fatal("EnsureAdmin replaced an existing account")
	}
}
