// Package proxytest runs real, minimal proxies on loopback for tests: an
// HTTP proxy answering CONNECT (RFC 9110 §9.3.6) and a SOCKS5 proxy
// (RFC 1928, with RFC 1929 username/password). Each records the
// destinations clients ask for and the credentials they give, then
// refuses to go further: the machines that run the tests have no route
// to WhatsApp, and the point is to see that a client dials through the
// proxy at all, with the right credentials.
package proxytest

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Request is one destination a client asked a proxy for.
type Request struct {
	Target string // host:port, as the client named it
	User   string // the user name given, "" when none
	Pass   string // the password given
}

// Proxy is a running test proxy.
type Proxy struct {
	// URL is the proxy's address as a client configures it, with
	// credentials when the proxy was started with them.
	URL  string
	Addr string // host:port

	ln   net.Listener
	mu   sync.Mutex
	reqs []Request
	wg   sync.WaitGroup
}

// Requests returns the destinations asked so far.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.reqs...)
}

func (p *Proxy) record(r Request) {
	p.mu.Lock()
	p.reqs = append(p.reqs, r)
	p.mu.Unlock()
}

func start(t testing.TB, scheme, user, pass string, serve func(*Proxy, net.Conn)) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, Addr: ln.Addr().String()}
	cred := ""
	if user != "" {
		cred = user + ":" + pass + "@"
	}
	p.URL = scheme + "://" + cred + p.Addr
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer c.Close()
				serve(p, c)
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

// HTTP starts an HTTP proxy. Each CONNECT is recorded (with the
// Proxy-Authorization credentials) and answered 502 Bad Gateway; any other
// method is answered 405.
func HTTP(t testing.TB, user, pass string) *Proxy {
	return start(t, "http", user, pass, func(p *Proxy, c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		if req.Method != http.MethodConnect {
			_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
			return
		}
		r := Request{Target: req.Host}
		if auth, ok := strings.CutPrefix(req.Header.Get("Proxy-Authorization"), "Basic "); ok {
			if raw, err := base64.StdEncoding.DecodeString(auth); err == nil {
				r.User, r.Pass, _ = strings.Cut(string(raw), ":")
			}
		}
		p.record(r)
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
	})
}

// SOCKS5 starts a SOCKS5 proxy; with a user it demands username/password
// authentication and refuses other credentials. Each CONNECT is recorded
// and answered "host unreachable" (reply 0x04).
func SOCKS5(t testing.TB, user, pass string) *Proxy {
	return start(t, "socks5", user, pass, func(p *Proxy, c net.Conn) {
		br := bufio.NewReader(c)
		// Greeting: VER NMETHODS METHODS…
		hdr := make([]byte, 2)
		if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 5 {
			return
		}
		methods := make([]byte, hdr[1])
		if _, err := io.ReadFull(br, methods); err != nil {
			return
		}
		want := byte(0x00) // no authentication
		if user != "" {
			want = 0x02 // username/password
		}
		if !strings.ContainsRune(string(methods), rune(want)) {
			_, _ = c.Write([]byte{5, 0xff})
			return
		}
		_, _ = c.Write([]byte{5, want})
		var r Request
		if want == 0x02 {
			// VER ULEN UNAME PLEN PASSWD
			u, pw, ok := readUserPass(br)
			if !ok {
				return
			}
			r.User, r.Pass = u, pw
			if u != user || pw != pass {
				_, _ = c.Write([]byte{1, 1})
				return
			}
			_, _ = c.Write([]byte{1, 0})
		}
		// Request: VER CMD RSV ATYP DST.ADDR DST.PORT
		req := make([]byte, 4)
		if _, err := io.ReadFull(br, req); err != nil || req[0] != 5 || req[1] != 1 {
			return
		}
		var host string
		switch req[3] {
		case 1, 4: // IPv4, IPv6
			ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
			if _, err := io.ReadFull(br, ip); err != nil {
				return
			}
			host = net.IP(ip).String()
		case 3: // domain name
			n, err := br.ReadByte()
			if err != nil {
				return
			}
			name := make([]byte, n)
			if _, err := io.ReadFull(br, name); err != nil {
				return
			}
			host = string(name)
		default:
			return
		}
		port := make([]byte, 2)
		if _, err := io.ReadFull(br, port); err != nil {
			return
		}
		r.Target = net.JoinHostPort(host, strconv.Itoa(int(port[0])<<8|int(port[1])))
		p.record(r)
		_, _ = c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0}) // host unreachable
	})
}

func readUserPass(br *bufio.Reader) (user, pass string, ok bool) {
	field := func() (string, bool) {
		n, err := br.ReadByte()
		if err != nil {
			return "", false
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return string(b), err == nil
	}
	if v, err := br.ReadByte(); err != nil || v != 1 {
		return "", "", false
	}
	if user, ok = field(); !ok {
		return "", "", false
	}
	pass, ok = field()
	return user, pass, ok
}

// Dead is a proxy URL of the scheme on a loopback port nobody listens on:
// every connection through it fails at once.
func Dead(t testing.TB, scheme string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return scheme + "://" + addr
}
