package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The account's own profile in the sandbox: kept in its account record,
// so the tenant's other sessions read the new name, about text and
// picture, and told to them over the network, where each emits
// contact.update as whatsmeow does on WhatsApp's notifications. Privacy
// settings are kept and applied to what others read: "none" hides the
// about text (status) or the picture (profile) from everyone; every other
// value shows them, the tenant's sessions being each other's contacts.

// defaultPrivacy is a new WhatsApp account's privacy settings.
func defaultPrivacy() gateway.PrivacySettings {
	return gateway.PrivacySettings{GroupAdd: "all", LastSeen: "all", Status: "all", Profile: "all", ReadReceipts: "all", Online: "all", CallAdd: "all"}
}

func (a *sbAccount) privacy() gateway.PrivacySettings {
	if a.Privacy == nil {
		return defaultPrivacy()
	}
	return *a.Privacy
}

// businessProfile is the seeded profile of a sandbox business account.
func businessProfile(phone string) *gateway.BusinessProfile {
	return &gateway.BusinessProfile{Name: businessName(phone), Address: "1 Sandbox Street, Testville", Email: "shop@example.com",
		Categories: []string{"Shopping & retail"}, TimeZone: "UTC",
		Hours: []gateway.BusinessHours{{Day: "mon", Mode: "specific_hours", Open: "540", Close: "1020"}}}
}

// Profile is the account's own profile.
func (e *Engine) Profile(ctx context.Context) (*gateway.Profile, error) {
	me, a, _, err := e.connectedAccount(ctx)
	if err != nil {
		return nil, err
	}
	p := &gateway.Profile{JID: me + "@" + gateway.ServerUser, Phone: me, LID: a.LID, PushName: a.PushName, About: a.About, IsBusiness: IsBusiness(me)}
	if a.Picture != nil {
		p.PictureID, p.PictureURL = a.Picture.ID, pictureURL(a.Picture)
	}
	if p.IsBusiness {
		p.Business = businessProfile(me)
	}
	return p, nil
}

// announceProfile tells the tenant's sessions of a profile change.
func (e *Engine) announceProfile(me, change, value string) {
	if e.opts.Network == nil {
		return
	}
	env := Envelope{Kind: KindProfile, FromPhone: me, Change: change, Text: value, Timestamp: time.Now().UTC()}
	e.mu.Lock()
	defer e.unlock()
	e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Announce(ctx, e.cfg.UserID, env) })
}

// changeOwn applies set to the connected account's record; the account's
// phone.
func (e *Engine) changeOwn(ctx context.Context, set func(a *sbAccount)) (string, error) {
	me, err := e.me()
	if err != nil {
		return "", err
	}
	if _, err := e.changeAccount(ctx, me, func(a *sbAccount) error { set(a); return nil }); err != nil {
		return "", err
	}
	return me, nil
}

// SetPushName changes the account's push name; its next messages carry it.
func (e *Engine) SetPushName(ctx context.Context, name string) error {
	me, err := e.changeOwn(ctx, func(a *sbAccount) { a.PushName = name })
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.pushName = name
	e.unlock()
	e.announceProfile(me, gateway.ContactChangePushName, name)
	return nil
}

// SetAbout changes the about text.
func (e *Engine) SetAbout(ctx context.Context, text string) error {
	me, err := e.changeOwn(ctx, func(a *sbAccount) { a.About = text })
	if err != nil {
		return err
	}
	e.announceProfile(me, gateway.ContactChangeAbout, text)
	return nil
}

// maxPicture is the largest picture the sandbox keeps: it serves pictures
// as data: URLs, from the database.
const maxPicture = 256 << 10

// SetProfilePicture sets (or, with nil, removes) the picture; its id is
// derived from its bytes, as WhatsApp gives each picture a new id.
func (e *Engine) SetProfilePicture(ctx context.Context, jpeg []byte) (*gateway.ProfilePicture, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	if len(jpeg) > maxPicture {
		return nil, gateway.Refused("sandbox: pictures are at most 256 KiB")
	}
	var pic *sbPicture
	if jpeg != nil {
		sum := sha256.Sum256(jpeg)
		pic = &sbPicture{ID: hex.EncodeToString(sum[:8]), JPEG: slices.Clone(jpeg)}
	}
	if _, err := e.changeAccount(ctx, me, func(a *sbAccount) error { a.Picture = pic; return nil }); err != nil {
		return nil, err
	}
	out := &gateway.ProfilePicture{JID: me + "@" + gateway.ServerUser}
	if pic != nil {
		out.PictureID = pic.ID
	}
	e.announceProfile(me, gateway.ContactChangePicture, out.PictureID)
	return out, nil
}

// PrivacySettings are the account's privacy settings.
func (e *Engine) PrivacySettings(ctx context.Context) (*gateway.PrivacySettings, error) {
	_, a, _, err := e.connectedAccount(ctx)
	if err != nil {
		return nil, err
	}
	p := a.privacy()
	return &p, nil
}

// SetPrivacySetting changes one setting; a value WhatsApp does not take
// for it is refused, as WhatsApp answers 400.
func (e *Engine) SetPrivacySetting(ctx context.Context, name, value string) (*gateway.PrivacySettings, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(gateway.PrivacySettingValues[name], value) {
		return nil, gateway.Refused("sandbox: " + name + " does not take " + value)
	}
	a, err := e.changeAccount(ctx, me, func(a *sbAccount) error {
		p := a.privacy()
		*p.Field(name) = value
		a.Privacy = &p
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := a.privacy()
	return &p, nil
}

// addRefusals tells which of the tenant's accounts refuse to be added to a
// group by me: group_add privacy none, or me blocked (WhatsApp sends an
// invite instead). The tenant's sessions being each other's contacts,
// contacts and contact_blacklist let them add.
func (e *Engine) addRefusals(ctx context.Context, me string) (func(phone string) bool, error) {
	as, err := e.accounts(ctx)
	if err != nil {
		return nil, err
	}
	return func(phone string) bool {
		a, ok := as[phone]
		return ok && (a.privacy().GroupAdd == "none" || a.blocks(me))
	}, nil
}
