package whatsmeow

import (
	"fmt"
	"sync"

	"go.mau.fi/whatsmeow/store"
)

var versionMu sync.Mutex

// SetWebVersion sets the WhatsApp Web client version every whatsmeow
// connection of this process presents ("2.3000.1031080782"), so a "client
// outdated" (405) rejection is fixed by configuration (WHATSAPP_WEB_VERSION)
// rather than a rebuild. "" keeps the version built into whatsmeow.
//
// In the pinned whatsmeow, store.SetWAVersion updates the version hash sent
// when pairing but not BaseClientPayload.UserAgent.AppVersion, sent on
// every login (fixed upstream in May 2026), so that field is set here too.
// The settings are process-wide: call this once at start, before any client
// connects.
func SetWebVersion(v string) error {
	if v == "" {
		return nil
	}
	parsed, err := store.ParseVersion(v)
	if err != nil {
		return fmt.Errorf("parse whatsapp web version %q: %w", v, err)
	}
	if parsed.IsZero() {
		return fmt.Errorf("parse whatsapp web version %q: all parts are zero", v)
	}
	versionMu.Lock()
	defer versionMu.Unlock()
	store.SetWAVersion(parsed)
	store.BaseClientPayload.UserAgent.AppVersion = parsed.ProtoAppVersion()
	return nil
}

// WebVersion returns the version presented on login.
func WebVersion() string {
	versionMu.Lock()
	defer versionMu.Unlock()
	av := store.BaseClientPayload.GetUserAgent().GetAppVersion()
	return fmt.Sprintf("%d.%d.%d", av.GetPrimary(), av.GetSecondary(), av.GetTertiary())
}
