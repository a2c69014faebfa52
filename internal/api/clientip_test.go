package api

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string // X-Forwarded-For header lines
		realIP  string
		want    string
	}{
		{"no proxy", nil, "203.0.113.7:5000", nil, "", "203.0.113.7"},
		{"nothing trusted: header ignored", nil, "203.0.113.7:5000", []string{"198.51.100.1"}, "", "203.0.113.7"},
		{"untrusted peer spoofs the header", trusted, "203.0.113.7:5000", []string{"198.51.100.1"}, "", "203.0.113.7"},
		{"untrusted peer spoofs X-Real-Ip", trusted, "203.0.113.7:5000", nil, "198.51.100.1", "203.0.113.7"},
		{"trusted balancer", trusted, "10.0.0.2:5000", []string{"198.51.100.1"}, "", "198.51.100.1"},
		{"client-written hops left of the real client are ignored", trusted, "10.0.0.2:5000", []string{"1.1.1.1, 198.51.100.1"}, "", "198.51.100.1"},
		{"chain of trusted proxies", trusted, "10.0.0.2:5000", []string{"6.6.6.6, 198.51.100.1, 10.3.3.3, 10.2.2.2"}, "", "198.51.100.1"},
		{"several header lines", trusted, "10.0.0.2:5000", []string{"6.6.6.6", "198.51.100.1, 10.3.3.3"}, "", "198.51.100.1"},
		{"every hop trusted: the first", trusted, "10.0.0.2:5000", []string{"10.9.9.9, 10.3.3.3"}, "", "10.9.9.9"},
		{"garbage hop stops the walk", trusted, "10.0.0.2:5000", []string{"198.51.100.1, bogus, 10.3.3.3"}, "", "10.3.3.3"},
		{"IPv6 peer and client", trusted, "[fd00::2]:5000", []string{"2001:db8::1"}, "", "2001:db8::1"},
		{"IPv4-mapped peer", trusted, "[::ffff:10.0.0.2]:5000", []string{"198.51.100.1"}, "", "198.51.100.1"},
		{"trusted, no header", trusted, "10.0.0.2:5000", nil, "", "10.0.0.2"},
		{"trusted, X-Real-Ip", trusted, "10.0.0.2:5000", nil, "198.51.100.1", "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := withRequest(tt.trusted)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = clientIP(r.Context()) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.realIP != "" {
				r.Header.Set("X-Real-Ip", tt.realIP)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Fatalf("got client %q, want %q", got, tt.want)
			}
		})
	}
}
