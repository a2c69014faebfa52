package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/whatsapp-saas/gateway/client"
)

// renderQR draws a QR code with half-block characters: each text line
// holds two rows of modules, so the code stays square in a terminal. By
// default light modules are drawn, which reads right on the usual dark
// terminal background; invert draws dark modules (for light backgrounds).
func renderQR(code string, invert bool) (string, error) {
	q, err := qrcode.New(code, qrcode.Low)
	if err != nil {
		return "", fmt.Errorf("encode QR code: %w", err)
	}
	bm := q.Bitmap() // true = dark module, with the quiet zone around
	ink := func(y, x int) bool {
		if y >= len(bm) {
			return !invert // below the last row: background
		}
		return bm[y][x] == invert
	}
	var b strings.Builder
	for y := 0; y < len(bm); y += 2 {
		for x := range bm[y] {
			top, bottom := ink(y, x), ink(y+1, x)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteRune(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// isTerminal reports whether w is a character device (a terminal), so the
// QR can be redrawn in place instead of printed again.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ensureStarted starts the session's instance unless it runs already.
func ensureStarted(r *runner, sessionID string) error {
	c := r.client()
	s, err := c.Session(r.ctx, sessionID)
	if err != nil {
		return err
	}
	switch s.Status {
	case "created", "stopped", "failed", "logged_out":
		if _, err := c.StartInstance(r.ctx, sessionID); err != nil && client.ErrorCode(err) != client.CodeConflict {
			return err
		}
	}
	return nil
}

func cmdQR(r *runner, args []string) error {
	fs := r.flags("qr")
	invert := fs.Bool("invert", false, "draw dark modules (for a light terminal background)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("give the session: %w", errUsage)
	}
	id := pos[0]
	if err := ensureStarted(r, id); err != nil {
		return err
	}
	c := r.client()
	if s, err := c.Session(r.ctx, id); err == nil && s.Status == "connected" {
		return r.out(map[string]any{"state": "connected", "phone": s.Phone}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Session %s is already paired (%s).\n", id, dash(s.Phone))
		})
	}
	tty := isTerminal(r.env.Stdout)
	deadline := time.Now().Add(*timeout)
	codes := 0
	var outcome *client.QREvent
	for outcome == nil && time.Now().Before(deadline) {
		err := c.WatchQR(r.ctx, id, func(e client.QREvent) error {
			switch e.Type {
			case "qr":
				codes++
				if r.json {
					b, _ := jsonLine(map[string]any{"type": "qr", "code": e.QR.Code, "expires_at": e.QR.ExpiresAt})
					fmt.Fprintf(r.env.Stdout, "%s\n", b)
					return nil
				}
				art, err := renderQR(e.QR.Code, *invert)
				if err != nil {
					return err
				}
				if tty {
					fmt.Fprint(r.env.Stdout, "\x1b[H\x1b[2J")
				}
				fmt.Fprintf(r.env.Stdout, "%s\nScan with WhatsApp: Settings > Linked devices > Link a device (code %d, expires %s)\n",
					art, codes, e.QR.ExpiresAt.Local().Format("15:04:05"))
			case "status":
				ev := e
				outcome = &ev
				return client.ErrStop
			case "error":
				return e.Err
			}
			return nil
		})
		if err != nil {
			// A worker that is still starting answers unavailable: try again.
			if client.ErrorCode(err) == client.CodeUnavailable || client.ErrorCode(err) == client.CodeConflict {
				select {
				case <-r.ctx.Done():
					return r.ctx.Err()
				case <-time.After(500 * time.Millisecond):
				}
				continue
			}
			return err
		}
		if outcome != nil && outcome.State != "connected" && strings.Contains(outcome.Reason, "5 minutes") {
			outcome = nil // the stream's own time limit: open a new one
		}
	}
	if outcome == nil {
		return errors.New("not paired before the timeout")
	}
	if r.json {
		b, _ := jsonLine(map[string]any{"type": "status", "state": outcome.State, "phone": outcome.Phone, "reason": outcome.Reason})
		fmt.Fprintf(r.env.Stdout, "%s\n", b)
	} else if outcome.State == "connected" {
		fmt.Fprintf(r.env.Stdout, "Paired: session %s is connected as %s.\n", id, dash(outcome.Phone))
	}
	if outcome.State != "connected" {
		return fmt.Errorf("pairing ended: %s %s", outcome.State, outcome.Reason)
	}
	return nil
}
