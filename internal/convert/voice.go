package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const (
	// MaxVoiceInput bounds the audio handed to the converter.
	MaxVoiceInput = 32 << 20
	// MaxVoiceOutput bounds the Ogg/Opus file read back from it.
	MaxVoiceOutput = 32 << 20
	// DefaultVoiceTimeout is AUDIO_CONVERTER_TIMEOUT's default.
	DefaultVoiceTimeout = 60 * time.Second
	// converterLogBytes is how much of the converter's output is kept for
	// the log when it fails (its last bytes: where tools say why).
	converterLogBytes = 2048
)

// The sentences of a voice note that cannot be sent as given (field
// media), for the API's 422.
const (
	VoiceNotOpus    = "A voice note must be Ogg/Opus audio (audio/ogg; codecs=opus). This gateway converts other audio only when its operator sets AUDIO_CONVERTER, a command with {in} and {out} such as: ffmpeg -i {in} -c:a libopus -b:a 32k {out}. Convert it first, or send it as audio without voice."
	VoiceURLNotOpus = "A voice note given by URL must be Ogg/Opus audio (audio/ogg; codecs=opus): this gateway converts other audio, by URL or as data, only when its operator sets AUDIO_CONVERTER. Convert it first, or send it as audio without voice."
	VoiceTooLarge   = "A voice note is converted from audio of at most 32 MiB."
	VoiceFailed     = "The audio could not be converted to Ogg/Opus: the converter refused it. Send a common audio format (MP3, M4A, WAV, Ogg)."
	VoiceTimedOut   = "Converting the audio to Ogg/Opus took too long; send a shorter recording."
	VoiceNoOutput   = "The audio could not be converted to Ogg/Opus: the converter wrote no Ogg/Opus file."
	// PlaceholderIn and PlaceholderOut are replaced in the command's
	// arguments by the paths of the file given and of the file to write.
	PlaceholderIn   = "{in}"
	PlaceholderOut  = "{out}"
	voiceFieldMedia = "media"
)

// IsOgg reports whether data is an Ogg file (what WhatsApp plays as a voice
// note, with Opus inside).
func IsOgg(data []byte) bool { return len(data) >= 4 && string(data[:4]) == "OggS" }

// isOpus reports whether an Ogg file's first page carries an Opus stream.
func isOpus(data []byte) bool {
	return IsOgg(data) && bytes.Contains(data[:min(len(data), 512)], []byte("OpusHead"))
}

// Voice converts audio to Ogg/Opus with a command (AUDIO_CONVERTER).
type Voice struct {
	// Args are the program and its arguments, {in} and {out} replaced by
	// the paths of the input file and of the output file (voice.ogg in
	// the same private directory).
	Args []string
	// Timeout bounds one conversion; the converter's process group is
	// killed past it.
	Timeout time.Duration
}

// Enabled reports whether a converter is configured.
func (v *Voice) Enabled() bool { return v != nil && len(v.Args) > 0 }

// Convert returns data as Ogg/Opus: unchanged when it is Ogg already,
// else converted by the command. Refusals are validation errors naming
// media (no converter, too large, the converter failing, timing out or
// writing no Ogg/Opus); the converter's own output goes into the error's
// cause, for the log, never to the caller.
func (v *Voice) Convert(ctx context.Context, data []byte) ([]byte, error) {
	if IsOgg(data) {
		return data, nil
	}
	if !v.Enabled() {
		return nil, voiceRefused(VoiceNotOpus, nil)
	}
	if len(data) > MaxVoiceInput {
		return nil, voiceRefused(VoiceTooLarge, nil)
	}
	select {
	case stickerSlots <- struct{}{}: // conversions share the slots: each takes a core
		defer func() { <-stickerSlots }()
	case <-ctx.Done():
		return nil, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The audio could not be converted in time; try again.")
	}
	dir, err := os.MkdirTemp("", "voice-")
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The audio could not be converted.")
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "input"), filepath.Join(dir, "voice.ogg")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The audio could not be converted.")
	}
	timeout := v.Timeout
	defaults.Positive(&timeout, DefaultVoiceTimeout)
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := make([]string, len(v.Args))
	for i, a := range v.Args {
		args[i] = strings.NewReplacer(PlaceholderIn, in, PlaceholderOut, out).Replace(a)
	}
	cmd := exec.CommandContext(runCtx, args[0], args[1:]...)
	cmd.Dir = dir
	logs := &tailBuffer{max: converterLogBytes}
	cmd.Stdout, cmd.Stderr = logs, logs
	ownProcessGroup(cmd)
	// A child left holding the output pipes must not keep Wait waiting.
	cmd.WaitDelay = 2 * time.Second
	err = cmd.Run()
	switch {
	case runCtx.Err() != nil && ctx.Err() == nil:
		return nil, voiceRefused(VoiceTimedOut, fmt.Errorf("audio converter: no result within %s: %s", timeout, logs))
	case ctx.Err() != nil:
		return nil, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The audio could not be converted in time; try again.")
	case err != nil:
		return nil, voiceRefused(VoiceFailed, fmt.Errorf("audio converter: %w: %s", err, logs))
	}
	f, err := os.Open(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, voiceRefused(VoiceNoOutput, fmt.Errorf("audio converter: exited 0 without writing {out}: %s", logs))
	}
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The audio could not be converted.")
	}
	defer f.Close()
	res, err := io.ReadAll(io.LimitReader(f, MaxVoiceOutput+1))
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The audio could not be converted.")
	}
	if len(res) > MaxVoiceOutput {
		return nil, voiceRefused(VoiceTooLarge, fmt.Errorf("audio converter: output over %d bytes", MaxVoiceOutput))
	}
	if !isOpus(res) {
		return nil, voiceRefused(VoiceNoOutput, fmt.Errorf("audio converter: output of %d bytes is not Ogg/Opus: %s", len(res), logs))
	}
	return res, nil
}

func voiceRefused(msg string, cause error) error {
	e := gateway.ValidationError(map[string]string{voiceFieldMedia: msg})
	e.Err = cause
	return e
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.TrimSpace(string(t.buf)) }
