package ssrf

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	deny, addrs, err := ParseDeny([]string{"203.0.114.0/24", "8.8.4.4", "1.2.3.4:8500"})
	if err != nil {
		t.Fatal(err)
	}
	strict := New(Options{Deny: deny, DenyAddrs: addrs})
	open := New(Options{AllowPrivate: true, Deny: deny, DenyAddrs: addrs})
	tests := []struct {
		addr         string
		strict, open bool // allowed?
	}{
		{"93.184.216.34:443", true, true},
		{"[2606:4700::1111]:443", true, true},
		{"127.0.0.1:80", false, true},
		{"127.9.9.9:80", false, true},
		{"[::1]:80", false, true},
		{"10.1.2.3:80", false, true},
		{"172.16.0.1:80", false, true},
		{"172.31.255.255:80", false, true},
		{"172.32.0.1:80", true, true},
		{"192.168.1.1:80", false, true},
		{"100.64.0.1:80", false, true},
		{"100.127.255.255:80", false, true},
		{"169.254.1.1:80", false, true},
		{"0.0.0.0:80", false, true},
		{"224.0.0.1:80", false, true},
		{"255.255.255.255:80", false, true},
		{"[::]:80", false, true},
		{"[fd12:3456::1]:80", false, true},
		{"[fe80::1]:80", false, true},
		{"[ff02::1]:80", false, true},
		{"[::ffff:127.0.0.1]:80", false, true},                     // IPv4-mapped loopback
		{"[::ffff:10.0.0.1]:80", false, true},                      // IPv4-mapped private
		{"[64:ff9b::a00:1]:80", false, true},                       // NAT64 of 10.0.0.1
		{"[2002:7f00:1::]:80", false, true},                        // 6to4 of 127.0.0.1
		{"[::127.0.0.1]:80", false, true},                          // IPv4-compatible loopback (::/96)
		{"[::a00:1]:80", false, true},                              // IPv4-compatible 10.0.0.1
		{"[::5db8:d822]:80", false, true},                          // IPv4-compatible, even of a public address: deprecated, never needed
		{"[64:ff9b::5db8:d822]:80", false, true},                   // NAT64 of a public address: refused whole
		{"[64:ff9b:1::1]:80", false, true},                         // local-use NAT64
		{"[2002:5db8:d822::1]:80", false, true},                    // 6to4, even of a public address: refused whole
		{"[2001:0:4136:e378:8000:63bf:3fff:fdd2]:80", false, true}, // Teredo: refused whole
		{"198.18.0.1:80", false, true},                             // benchmarking
		{"198.19.255.255:80", false, true},
		{"198.20.0.1:80", true, true},
		{"169.254.169.254:80", false, false},                        // metadata: always
		{"[::a9fe:a9fe]:80", false, false},                          // metadata, IPv4-compatible
		{"[64:ff9b::a9fe:a9fe]:80", false, false},                   // metadata through NAT64
		{"[64:ff9b:1:a9fe:a9:fe00::]:80", false, false},             // metadata through local-use NAT64 (RFC 6052 /48)
		{"[2002:a9fe:a9fe::1]:80", false, false},                    // metadata through 6to4
		{"[2001:0:4136:e378:8000:63bf:5601:5601]:80", false, false}, // Teredo client 169.254.169.254 (inverted bits)
		{"[64:ff9b::cb00:7209]:443", false, false},                  // denied network through NAT64
		{"[::ffff:169.254.169.254]:80", false, false},
		{"[fd00:ec2::254]:80", false, false},
		{"203.0.114.9:443", false, false}, // denied network
		{"8.8.4.4:53", false, false},      // denied address
		{"1.2.3.4:8500", false, false},    // denied agent port
		{"1.2.3.4:443", true, true},       // other ports of that host
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ap := netip.MustParseAddrPort(tt.addr)
			if err := strict.Check(ap); (err == nil) != tt.strict {
				t.Fatalf("strict: got %v, want allowed %v", err, tt.strict)
			}
			if err := open.Check(ap); (err == nil) != tt.open {
				t.Fatalf("allow private: got %v, want allowed %v", err, tt.open)
			}
			if err := strict.Check(ap); err != nil && !errors.Is(err, ErrBlocked) {
				t.Fatalf("got %v, want ErrBlocked", err)
			}
		})
	}
}

func TestParseDenyRefusesGarbage(t *testing.T) {
	if _, _, err := ParseDeny([]string{"not-an-ip"}); err == nil {
		t.Fatal("got nil error for garbage, want an error")
	}
}

// TestClientDialTime checks the guard on real connections: a loopback
// receiver reached by address and by name (the name resolves only at dial
// time, as with DNS rebinding), and a public-looking redirect to loopback.
func TestClientDialTime(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer redirect.Close()
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	byName := "http://localhost:" + port + "/"

	strict := New(Options{}).Client(5 * time.Second)
	defer strict.CloseIdleConnections()
	for _, u := range []string{target.URL, byName, "http://169.254.169.254/latest/meta-data/"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := strict.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s: got status %d, want the dial refused", u, resp.StatusCode)
		}
		if !Blocked(err) {
			t.Fatalf("GET %s: got %v, want ErrBlocked", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the loopback target got %d requests through the strict client, want 0", hits)
	}

	open := New(Options{AllowPrivate: true}).Client(5 * time.Second)
	defer open.CloseIdleConnections()
	resp, err := open.Get(byName)
	if err != nil {
		t.Fatalf("allow private: got %v, want the request through", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || hits != 1 {
		t.Fatalf("got status %d and %d hits, want 204 and 1", resp.StatusCode, hits)
	}
	// Redirects are not followed: the 302 comes back as it is.
	resp, err = open.Get(redirect.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || hits != 1 {
		t.Fatalf("got status %d and %d hits, want the 302 itself and no request to its target", resp.StatusCode, hits)
	}
}

func TestAgentHostPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"http://127.0.0.1:8500", "127.0.0.1:8500"},
		{"https://vault.service.consul:8200", "vault.service.consul:8200"},
		{"10.0.0.5:4646", "10.0.0.5:4646"},
		{"https://nomad.example.com", "nomad.example.com:443"},
		{"http://[fd00::1]", "[fd00::1]:80"},
	}
	for _, tt := range tests {
		if got := AgentHostPort(tt.in); got != tt.want {
			t.Errorf("AgentHostPort(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckURL: a URL is checked on the addresses its host resolves to,
// with its port, and a refusal says whether AllowPrivate would lift it.
func TestCheckURL(t *testing.T) {
	deny, addrs, err := ParseDeny([]string{"1.2.3.4:8500"})
	if err != nil {
		t.Fatal(err)
	}
	strict := New(Options{DenyAddrs: addrs})
	open := New(Options{AllowPrivate: true, DenyAddrs: addrs, Deny: deny})
	tests := []struct {
		url           string
		strict, open  bool // allowed?
		privateStrict bool // the strict refusal wraps ErrPrivateNetwork
	}{
		{"https://93.184.216.34/hook", true, true, false},
		{"http://127.0.0.1:8080/hook", false, true, true},
		{"http://localhost:8080/hook", false, true, true}, // resolved (hosts file)
		{"http://[::1]/hook", false, true, true},
		{"http://10.0.0.7/hook", false, true, true},
		{"http://169.254.169.254/latest/meta-data/", false, false, false},
		{"http://1.2.3.4:8500/v1/agent", false, false, false},
		{"http://1.2.3.4:8080/ok", true, true, false}, // another port of a denied address:port
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := strict.CheckURL(context.Background(), tt.url)
			if got := err == nil; got != tt.strict {
				t.Errorf("strict: got allowed=%v (%v), want %v", got, err, tt.strict)
			}
			if err != nil && !Blocked(err) {
				t.Errorf("strict: got %v, want ErrBlocked", err)
			}
			if got := errors.Is(err, ErrPrivateNetwork); got != tt.privateStrict {
				t.Errorf("strict: got ErrPrivateNetwork=%v (%v), want %v", got, err, tt.privateStrict)
			}
			err = open.CheckURL(context.Background(), tt.url)
			if got := err == nil; got != tt.open {
				t.Errorf("open: got allowed=%v (%v), want %v", got, err, tt.open)
			}
			if errors.Is(err, ErrPrivateNetwork) {
				t.Errorf("open: got %v, want no ErrPrivateNetwork with AllowPrivate", err)
			}
		})
	}
	// A name that does not resolve is not a refusal: the dial checks it
	// when it does.
	if err := strict.CheckURL(context.Background(), "https://no-such-host.invalid/hook"); err == nil || Blocked(err) {
		t.Errorf("unresolvable host: got %v, want a resolution error that is not ErrBlocked", err)
	}
}
