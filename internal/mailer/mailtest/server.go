// Package mailtest is a tiny SMTP receiver for tests: it speaks enough of
// RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for net/smtp to
// deliver to it, and keeps what it receives.
package mailtest

import (
	"bufio"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mail is one received message.
type Mail struct {
	From    string
	To      []string
	Subject string
	Body    string // decoded text
	Raw     string
}

// Server is a running receiver.
type Server struct {
	ln    net.Listener
	mu    sync.Mutex
	mails []Mail
	ch    chan Mail
	wg    sync.WaitGroup
}

// Start listens on a loopback port and stops with the test.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{ln: ln, ch: make(chan Mail, 100)}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

// Host and Port are where the receiver listens.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the receiver's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Mails returns what was received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Wait returns the next received mail, or fails the test after d.
func (s *Server) Wait(t testing.TB, d time.Duration) Mail {
	t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(d):
		t.Fatalf("mailtest: no mail within %v", d)
		return Mail{}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(conn)
		}()
	}
}

func (s *Server) handle(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	reply := func(line string) {
		_, _ = w.WriteString(line + "\r\n")
		_ = w.Flush()
	}
	reply("220 mailtest ESMTP ready")
	var cur Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			reply("250-mailtest")
			reply("250-8BITMIME")
			reply("250 SIZE 10485760")
		case strings.HasPrefix(verb, "HELO"):
			reply("250 mailtest")
		case strings.HasPrefix(verb, "MAIL FROM:"):
			cur = Mail{From: strings.Trim(line[len("MAIL FROM:"):], " <>")}
			if i := strings.IndexByte(cur.From, '>'); i >= 0 {
				cur.From = cur.From[:i]
			}
			reply("250 OK")
		case strings.HasPrefix(verb, "RCPT TO:"):
			cur.To = append(cur.To, strings.Trim(line[len("RCPT TO:"):], " <>"))
			reply("250 OK")
		case verb == "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Raw = b.String()
			if msg, err := mail.ReadMessage(strings.NewReader(cur.Raw)); err == nil {
				cur.Subject = msg.Header.Get("Subject")
				var body io.Reader = msg.Body
				if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
					body = quotedprintable.NewReader(body)
				}
				raw, _ := io.ReadAll(body)
				cur.Body = string(raw)
			}
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			select {
			case s.ch <- cur:
			default:
			}
			reply("250 OK: queued")
		case verb == "RSET":
			cur = Mail{}
			reply("250 OK")
		case verb == "NOOP":
			reply("250 OK")
		case verb == "QUIT":
			reply("221 Bye")
			return
		default:
			reply("502 Command not implemented")
		}
	}
}
