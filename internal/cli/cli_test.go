package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
)

func TestRenderQR(t *testing.T) {
	const code = "2@AbCdEf0123456789,XyZ9876543210,MTIzNDU2Nzg5MA=="
	q, err := qrcode.New(code, qrcode.Low)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap()
	for _, invert := range []bool{false, true} {
		art, err := renderQR(code, invert)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(art, "\n"), "\n")
		if want := (len(bm) + 1) / 2; len(lines) != want {
			t.Fatalf("invert=%v: got %d lines, want %d (two module rows per line)", invert, len(lines), want)
		}
		for i, l := range lines {
			if n := utf8.RuneCountInString(l); n != len(bm[0]) {
				t.Fatalf("line %d has %d cells, want %d", i, n, len(bm[0]))
			}
		}
		// Cell (0,0) of the first finder pattern's corner is dark on both
		// rows 4 and 5 (after the 4-module quiet zone): line 2, column 4.
		cell := []rune(lines[2])[4]
		want := ' '
		if invert {
			want = '█'
		}
		if cell != want {
			t.Errorf("invert=%v: finder corner drawn as %q, want %q", invert, cell, want)
		}
	}
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Env{Args: args, Getenv: func(k string) string {
		if k == "WAGW_CONFIG" {
			return t.TempDir() + "/config.json"
		}
		return ""
	}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Version: "1.0"})
	return out.String(), errOut.String(), code
}

func TestUsageAndCompletion(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"help"}, 0, "qr SESSION"},
		{[]string{"version"}, 0, "wagw 1.0"},
		{[]string{"frobnicate"}, 2, ""},
		{[]string{"send", "only-one-arg"}, 2, ""},
		{[]string{"completion", "bash"}, 0, "complete -F _wagw wagw"},
		{[]string{"completion", "zsh"}, 0, "#compdef wagw"},
		{[]string{"completion", "fish"}, 0, "__fish_seen_subcommand_from webhooks"},
		{[]string{"completion", "tcsh"}, 2, ""},
		{[]string{"sessions", "-h"}, 0, "usage: wagw sessions"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, code := run(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.contains) {
				t.Errorf("got exit %d and %q, want %d and %q", code, out, tt.code, tt.contains)
			}
		})
	}
	// Every command's -h lists its flags, the common ones and its own.
	own := map[string][]string{"sessions": {"-engine", "-webhook-url", "-start"}, "send": {"-wait", "-timeout", "-type"},
		"qr": {"-invert", "-timeout"}, "messages": {"-session", "-status"}, "chats": {"-archived", "-until", "-page"},
		"chat": {"-before", "-all", "-limit"}, "groups": {"-subject", "-announce", "-reset"}, "profile": {"-name", "-about"},
		"admin": {"-reason", "-q", "-status", "-action", "-tenant", "-actor", "-page", "-limit"}}
	for _, name := range commandNames() {
		out, _, code := run(t, name, "-h")
		if code != 0 || !strings.Contains(out, "usage: wagw "+name) || !strings.Contains(out, "Flags:") {
			t.Errorf("%s -h: got exit %d and %q, want 0 with the usage and the flags", name, code, out)
			continue
		}
		for _, f := range append([]string{"-json", "-url", "-token", "-api-key"}, own[name]...) {
			if !strings.Contains(out, "  "+f) {
				t.Errorf("%s -h does not list %s:\n%s", name, f, out)
			}
		}
	}
	// The usage line names every flag of the command too, so the first line
	// of -h (and of a usage error) is the whole synopsis.
	global := map[string]bool{"json": true, "url": true, "token": true, "api-key": true}
	for _, name := range commandNames() {
		out, _, _ := run(t, name, "-h")
		usageLine, _, _ := strings.Cut(out, "\n")
		_, flags, _ := strings.Cut(out, "Flags:\n")
		for _, line := range strings.Split(flags, "\n") {
			if !strings.HasPrefix(line, "  -") {
				continue
			}
			f := strings.Fields(line)[0][1:]
			if !global[f] && !strings.Contains(usageLine, "--"+f) {
				t.Errorf("%s: the usage line %q does not name --%s", name, usageLine, f)
			}
		}
	}
	out, _, _ := run(t, "completion", "bash")
	for _, name := range commandNames() {
		if !strings.Contains(out, name) {
			t.Errorf("bash completion lacks %q", name)
		}
	}
}
