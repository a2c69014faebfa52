package whatsmeow

import (
	"context"
	"errors"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// profileClient is the part of *wa.Client the profile operations use.
type profileClient interface {
	userInfoClient
	GetBusinessProfile(ctx context.Context, jid types.JID) (*types.BusinessProfile, error)
	SetStatusMessage(ctx context.Context, msg string) error
	SendAppState(ctx context.Context, patch appstate.PatchInfo) error
	SetGroupPhoto(ctx context.Context, jid types.JID, avatar []byte) (string, error)
	TryFetchPrivacySettings(ctx context.Context, ignoreCache bool) (*types.PrivacySettings, error)
	SetPrivacySetting(ctx context.Context, name types.PrivacySettingType, value types.PrivacySetting) (types.PrivacySettings, error)
}

var _ profileClient = (*wa.Client)(nil)

// privacyTypes are whatsmeow's names of the privacy settings, by ours.
var privacyTypes = map[string]types.PrivacySettingType{
	"group_add": types.PrivacySettingTypeGroupAdd, "last_seen": types.PrivacySettingTypeLastSeen,
	"status": types.PrivacySettingTypeStatus, "profile": types.PrivacySettingTypeProfile,
	"read_receipts": types.PrivacySettingTypeReadReceipts, "online": types.PrivacySettingTypeOnline,
	"call_add": types.PrivacySettingTypeCallAdd,
}

// Profile is the account's profile: the push name whatsmeow keeps, the
// about text, picture and LID asked of WhatsApp, and the business profile
// when WhatsApp gives the account a verified business name.
func (e *Engine) Profile(ctx context.Context) (*gateway.Profile, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	return profileOf(ctx, cli, ownJID(cli), cli.Store.PushName)
}

func profileOf(ctx context.Context, cli profileClient, own types.JID, pushName string) (*gateway.Profile, error) {
	p := &gateway.Profile{JID: own.String(), Phone: own.User, PushName: pushName}
	infos, err := cli.GetUserInfo(ctx, []types.JID{own})
	if err != nil {
		return nil, contactError(err, "WhatsApp did not answer the profile query.")
	}
	info := infos[own]
	p.About, p.PictureID = info.Status, info.PictureID
	if !info.LID.IsEmpty() {
		p.LID = info.LID.ToNonAD().String()
	}
	if p.PictureID != "" {
		pic, err := cli.GetProfilePictureInfo(ctx, own, nil)
		switch {
		case errors.Is(err, wa.ErrProfilePictureNotSet):
			p.PictureID = ""
		case err != nil:
			return nil, contactError(err, "WhatsApp did not give the profile picture.")
		case pic != nil:
			p.PictureID, p.PictureURL = pic.ID, pic.URL
		}
	}
	if info.VerifiedName != nil {
		p.IsBusiness = true
		bp, err := cli.GetBusinessProfile(ctx, own)
		if err != nil {
			return nil, contactError(err, "WhatsApp did not give the business profile.")
		}
		p.Business = businessOf(bp)
		if info.VerifiedName.Details != nil {
			p.Business.Name = info.VerifiedName.Details.GetVerifiedName()
		}
	}
	return p, nil
}

func businessOf(bp *types.BusinessProfile) *gateway.BusinessProfile {
	out := &gateway.BusinessProfile{Categories: []string{}}
	if bp == nil {
		return out
	}
	out.Address, out.Email, out.TimeZone = bp.Address, bp.Email, bp.BusinessHoursTimeZone
	for _, c := range bp.Categories {
		out.Categories = append(out.Categories, c.Name)
	}
	for _, h := range bp.BusinessHours {
		out.Hours = append(out.Hours, gateway.BusinessHours{Day: h.DayOfWeek, Mode: h.Mode, Open: h.OpenTime, Close: h.CloseTime})
	}
	return out
}

// SetPushName changes the push name: an app-state patch the account's
// other devices follow, and whatsmeow's own copy, which its presence and
// messages carry.
func (e *Engine) SetPushName(ctx context.Context, name string) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	if err := cli.SendAppState(ctx, appstate.BuildSettingPushName(name)); err != nil {
		return contactError(err, "WhatsApp did not take the push name.")
	}
	cli.Store.PushName = name
	if err := cli.Store.Save(ctx); err != nil {
		e.log.Warn("save push name", "error", err)
	}
	return nil
}

// SetAbout changes the about text.
func (e *Engine) SetAbout(ctx context.Context, text string) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	if err := cli.SetStatusMessage(ctx, text); err != nil {
		return contactError(err, "WhatsApp did not take the about text.")
	}
	return nil
}

// SetProfilePicture sets or removes the account's picture.
func (e *Engine) SetProfilePicture(ctx context.Context, jpeg []byte) (*gateway.ProfilePicture, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	return setPicture(ctx, cli, ownJID(cli), jpeg)
}

// setPicture sends the picture query with no target: WhatsApp applies it
// to the account itself (whatsmeow names it after groups, whose target is
// the group).
func setPicture(ctx context.Context, cli profileClient, own types.JID, jpeg []byte) (*gateway.ProfilePicture, error) {
	id, err := cli.SetGroupPhoto(ctx, types.EmptyJID, jpeg)
	switch {
	case errors.Is(err, wa.ErrInvalidImageFormat):
		e := gateway.Refused("the picture is not an image WhatsApp takes (a square JPEG, 640x640 at most)")
		e.Err = err
		return nil, e
	case err != nil:
		return nil, contactError(err, "WhatsApp did not take the picture.")
	}
	if jpeg == nil {
		id = ""
	}
	return &gateway.ProfilePicture{JID: own.String(), PictureID: id}, nil
}

// PrivacySettings are the account's privacy settings, asked of WhatsApp.
func (e *Engine) PrivacySettings(ctx context.Context) (*gateway.PrivacySettings, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	ps, err := cli.TryFetchPrivacySettings(ctx, true)
	if err != nil {
		return nil, contactError(err, "WhatsApp did not give the privacy settings.")
	}
	return privacyOf(*ps), nil
}

// SetPrivacySetting changes one setting and answers them all.
func (e *Engine) SetPrivacySetting(ctx context.Context, name, value string) (*gateway.PrivacySettings, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	return setPrivacy(ctx, cli, name, value)
}

func setPrivacy(ctx context.Context, cli profileClient, name, value string) (*gateway.PrivacySettings, error) {
	t, ok := privacyTypes[name]
	if !ok {
		return nil, gateway.ValidationError(map[string]string{name: "Not a privacy setting."})
	}
	ps, err := cli.SetPrivacySetting(ctx, t, types.PrivacySetting(value))
	if err != nil {
		return nil, contactError(err, "WhatsApp did not change the privacy setting.")
	}
	return privacyOf(ps), nil
}

func privacyOf(ps types.PrivacySettings) *gateway.PrivacySettings {
	return &gateway.PrivacySettings{GroupAdd: string(ps.GroupAdd), LastSeen: string(ps.LastSeen), Status: string(ps.Status),
		Profile: string(ps.Profile), ReadReceipts: string(ps.ReadReceipts), Online: string(ps.Online), CallAdd: string(ps.CallAdd)}
}
