package whatsmeow

import (
	"fmt"
	"log/slog"
	"strings"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// waLogger adapts slog to whatsmeow's logger. whatsmeow's Client/Recv and
// Client/Send modules dump every XML node at debug level, message content
// and phone numbers included, so their debug lines are dropped.
type waLogger struct {
	l   *slog.Logger
	mod string
}

var _ waLog.Logger = waLogger{}

func newWALogger(l *slog.Logger, module string) waLog.Logger {
	return waLogger{l: l, mod: module}
}

func (w waLogger) Errorf(msg string, args ...any) {
	w.l.Error(fmt.Sprintf(msg, args...), "module", w.mod)
}

func (w waLogger) Warnf(msg string, args ...any) {
	w.l.Warn(fmt.Sprintf(msg, args...), "module", w.mod)
}

// Infof logs at debug: whatsmeow's info lines (every connect, every
// prekey upload) would drown the gateway's own.
func (w waLogger) Infof(msg string, args ...any) {
	w.l.Debug(fmt.Sprintf(msg, args...), "module", w.mod)
}

func (w waLogger) Debugf(msg string, args ...any) {
	if strings.HasSuffix(w.mod, "/Recv") || strings.HasSuffix(w.mod, "/Send") {
		return
	}
	w.l.Debug(fmt.Sprintf(msg, args...), "module", w.mod)
}

func (w waLogger) Sub(module string) waLog.Logger {
	if w.mod != "" {
		module = w.mod + "/" + module
	}
	return waLogger{l: w.l, mod: module}
}
