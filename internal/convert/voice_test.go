package convert

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// converterScript writes a shell script the converter runs as
// "script {in} {out}" (no shell runs the command line itself; the script
// is a program like any other).
func converterScript(t *testing.T, body string) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "convert.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{p, "{in}", "{out}"}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVoiceConverts(t *testing.T) {
	wav, ogg := readFixture(t, "tone.wav"), readFixture(t, "tone.ogg")
	fixture, _ := filepath.Abs(filepath.Join("testdata", "tone.ogg"))
	// The script checks it was given the WAV, then writes a real Ogg/Opus file.
	v := &Voice{Args: converterScript(t, `[ "$(head -c 4 "$1")" = RIFF ] || { echo "not the wav" >&2; exit 3; }
cp '`+fixture+`' "$2"`)}
	out, err := v.Convert(t.Context(), wav)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if !bytes.Equal(out, ogg) {
		t.Fatalf("got %d bytes, want the converter's %d-byte Ogg/Opus file", len(out), len(ogg))
	}
	// Ogg is sent as it is, with or without a converter.
	for _, conv := range []*Voice{v, nil, {}} {
		if out, err := conv.Convert(t.Context(), ogg); err != nil || !bytes.Equal(out, ogg) {
			t.Fatalf("Ogg input: got %d bytes (%v), want it unchanged", len(out), err)
		}
	}
}

func TestVoiceRefusals(t *testing.T) {
	wav := readFixture(t, "tone.wav")
	for _, tc := range []struct {
		name    string
		v       *Voice
		data    []byte
		says    string
		inCause string
	}{
		{"no converter", nil, wav, "AUDIO_CONVERTER", ""},
		{"exits non-zero", &Voice{Args: converterScript(t, `echo "unsupported codec" >&2; exit 1`)}, wav, VoiceFailed, "unsupported codec"},
		{"times out", &Voice{Args: converterScript(t, `sleep 30 & wait`), Timeout: 200 * time.Millisecond}, wav, VoiceTimedOut, "no result within"},
		{"writes nothing", &Voice{Args: converterScript(t, `exit 0`)}, wav, VoiceNoOutput, "without writing"},
		{"writes no Ogg/Opus", &Voice{Args: converterScript(t, `echo "ID3 not opus" > "$2"`)}, wav, VoiceNoOutput, "not Ogg/Opus"},
		{"input too large", &Voice{Args: converterScript(t, `exit 0`)}, make([]byte, MaxVoiceInput+1), VoiceTooLarge, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.v.Convert(t.Context(), tc.data)
			var ge *gateway.Error
			if !errors.As(err, &ge) || ge.Code != gateway.CodeValidation || !strings.Contains(ge.Fields["media"], tc.says) {
				t.Fatalf("got %v, want a validation error with media: %q", err, tc.says)
			}
			if tc.inCause != "" && (ge.Err == nil || !strings.Contains(ge.Err.Error(), tc.inCause)) {
				t.Fatalf("cause %v, want it to carry %q", ge.Err, tc.inCause)
			}
			if strings.Contains(gateway.ErrorMessage(err), "unsupported codec") {
				t.Fatalf("the converter's output reached the caller's message: %q", gateway.ErrorMessage(err))
			}
		})
	}
}
