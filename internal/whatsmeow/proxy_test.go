package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/proxytest"
)

// The engine's websocket dials WhatsApp through the session's proxy, a
// real HTTP CONNECT or SOCKS5 proxy on loopback, with its credentials,
// in preference to WHATSAPP_PROXY. The proxies refuse to go further (no
// route to WhatsApp here), and the status says WhatsApp could not be
// reached through the proxy, naming the proxy without its password.
func TestConnectThroughSessionProxy(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(testing.TB, string, string) *proxytest.Proxy{
		"http": proxytest.HTTP, "socks5": proxytest.SOCKS5,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			px := start(t, "gw-user", "s3cret-pass")
			// The default proxy is a dead one: were it used, the reason
			// would say the proxy cannot be reached.
			e, rec := newTestEngine(t, engineSetup{proxy: proxytest.Dead(t, "socks5"), sessionProxy: px.URL})
			if err := e.Connect(context.Background()); err != nil {
				t.Fatalf("Connect: %v", err)
			}
			ev := nextOf[gateway.EvDisconnected](t, rec)
			want := "Cannot reach WhatsApp through the proxy " + px.Addr + " ("
			if !strings.HasPrefix(ev.Reason, want) || strings.Contains(ev.Reason, "s3cret") {
				t.Fatalf("reason %q, want it to start %q, without the password", ev.Reason, want)
			}
			reqs := px.Requests()
			if len(reqs) == 0 {
				t.Fatal("the proxy saw no request, want the websocket dialled through it")
			}
			if r := reqs[0]; r.Target != "web.whatsapp.com:443" && r.Target != "g.whatsapp.net:443" {
				t.Fatalf("the proxy was asked for %q, want web.whatsapp.com:443", r.Target)
			} else if r.User != "gw-user" || r.Pass != "s3cret-pass" {
				t.Fatalf("the proxy got credentials %q:%q, want the URL's", r.User, r.Pass)
			}
		})
	}
}

// A proxy that cannot be reached is named as such, for either scheme,
// whether it is the session's own or WHATSAPP_PROXY.
func TestConnectProxyUnreachable(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"http", "socks5"} {
		for _, own := range []bool{false, true} {
			t.Run(scheme, func(t *testing.T) {
				t.Parallel()
				dead := proxytest.Dead(t, scheme)
				setup := engineSetup{proxy: dead}
				if own {
					setup = engineSetup{proxy: proxytest.Dead(t, "socks5"), sessionProxy: dead}
				}
				e, rec := newTestEngine(t, setup)
				if err := e.Connect(context.Background()); err != nil {
					t.Fatalf("Connect: %v", err)
				}
				ev := nextOf[gateway.EvDisconnected](t, rec)
				want := "Cannot reach the proxy " + strings.TrimPrefix(dead, scheme+"://") + " (the connection was refused); retrying in 2s."
				if ev.Reason != want || !ev.Reconnecting {
					t.Fatalf("got %+v, want a reconnecting disconnect with reason %q", ev, want)
				}
			})
		}
	}
}

// A proxy the engine cannot use is refused when the engine is built.
func TestSessionProxyInvalid(t *testing.T) {
	t.Parallel()
	ds := newDeviceStore(t, sqliteDB(t), DialectSQLite)
	h := func(context.Context, gateway.EngineEvent) error { return nil }
	_, err := New(context.Background(), gateway.EngineConfig{SessionID: "s", Handler: h, Proxy: "ftp://x:21"}, Options{Store: ds})
	if gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Fatalf("got %v, want a validation error", err)
	}
}

// The reason names the leg that failed, never the proxy's credentials.
func TestConnectFailureReason(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name, proxy string
		err         error
		want        string
	}{
		{"no proxy", "", fmt.Errorf("dial websocket: %w", refused), "Cannot reach WhatsApp (the connection was refused); retrying in 4s."},
		{"http proxy down", "http://u:pw@10.0.0.9:3128", fmt.Errorf("x: %w", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: refused}),
			"Cannot reach the proxy 10.0.0.9:3128 (the connection was refused); retrying in 4s."},
		{"socks proxy down", "socks5://u:pw@10.0.0.9:1080", fmt.Errorf("x: %w", &net.OpError{Op: "socks connect", Net: "tcp", Err: refused}),
			"Cannot reach the proxy 10.0.0.9:1080 (the connection was refused); retrying in 4s."},
		{"socks refuses the destination", "socks5://10.0.0.9:1080", &net.OpError{Op: "socks connect", Net: "tcp", Err: errors.New("host unreachable")},
			"Cannot reach WhatsApp through the proxy 10.0.0.9:1080 (the connection failed); retrying in 4s."},
	}
	for _, c := range cases {
		if got := connectFailureReason(c.proxy, c.err, 4*time.Second); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
