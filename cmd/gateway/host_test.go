package main

import (
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestHostBindsOnlyThatAddress: HOST=127.0.0.2 serves on that address and
// not on the machine's other ones (127.0.0.1 here, another loopback one).
func TestHostBindsOnlyThatAddress(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"HOST": "127.0.0.2"}))
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "127.0.0.2" {
		t.Fatalf("listening on %s, want 127.0.0.2", u.Host)
	}
	(&client{t: t, base: base}).do("GET", "/health/live", nil).must(t, http.StatusOK, nil)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", u.Port()), 2*time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("127.0.0.1:%s accepted a connection: HOST did not restrict the listener", u.Port())
	}
}
