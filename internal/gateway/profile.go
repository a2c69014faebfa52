package gateway

import (
	"context"
)

// The account's own profile: push name, about text, picture, business
// profile, privacy settings. Declared as account operations.

// ProfileEngine is the part of AccountEngine about the account's own
// profile. Errors: CodeRefused when WhatsApp refuses (a picture it does
// not take), CodeValidation for bad input, CodeUnavailable when not
// connected.
type ProfileEngine interface {
	// Profile is the account's profile, asked of WhatsApp; Business is
	// set for a business account.
	Profile(ctx context.Context) (*Profile, error)
	// SetPushName changes the name others see on the account's messages.
	SetPushName(ctx context.Context, name string) error
	// SetAbout changes the about text.
	SetAbout(ctx context.Context, text string) error
	// SetProfilePicture sets the picture (a JPEG) and returns the
	// account's JID and the picture's id, or removes it when jpeg is nil.
	SetProfilePicture(ctx context.Context, jpeg []byte) (*ProfilePicture, error)
	// PrivacySettings are the account's privacy settings.
	PrivacySettings(ctx context.Context) (*PrivacySettings, error)
	// SetPrivacySetting changes one setting (PrivacySettingNames) and
	// returns them all.
	SetPrivacySetting(ctx context.Context, name, value string) (*PrivacySettings, error)
}

// Profile is the account's own profile.
type Profile struct {
	JID        string           `json:"jid" desc:"The account's JID (…@s.whatsapp.net)."`
	Phone      string           `json:"phone" desc:"The account's phone number."`
	LID        string           `json:"lid,omitempty" desc:"The account's LID, when known."`
	PushName   string           `json:"push_name" desc:"The name others see on the account's messages."`
	About      string           `json:"about" desc:"The about text."`
	PictureID  string           `json:"picture_id,omitempty" desc:"The profile picture's id."`
	PictureURL string           `json:"picture_url,omitempty" desc:"Where to download the profile picture."`
	IsBusiness bool             `json:"is_business" desc:"Whether the account is a WhatsApp Business account."`
	Business   *BusinessProfile `json:"business,omitempty" desc:"The business profile, for a business account."`
}

// BusinessProfile is a WhatsApp Business account's public profile.
type BusinessProfile struct {
	Name       string          `json:"name,omitempty" desc:"The verified business name."`
	Address    string          `json:"address,omitempty" desc:"The business's address."`
	Email      string          `json:"email,omitempty" desc:"The business's email address."`
	Categories []string        `json:"categories" desc:"The business's categories."`
	TimeZone   string          `json:"time_zone,omitempty" desc:"The time zone of the opening hours."`
	Hours      []BusinessHours `json:"hours,omitempty" desc:"Opening hours, per day."`
}

// BusinessHours are a business's opening hours on one day.
type BusinessHours struct {
	Day   string `json:"day" desc:"The day (mon, tue, …)."`
	Mode  string `json:"mode" desc:"specific_hours, open_24h or appointment_only."`
	Open  string `json:"open,omitempty" desc:"Opening time, minutes after midnight, as WhatsApp gives it."`
	Close string `json:"close,omitempty" desc:"Closing time, minutes after midnight, as WhatsApp gives it."`
}

// PrivacySettings are the account's privacy settings, WhatsApp's values.
type PrivacySettings struct {
	GroupAdd     string `json:"group_add" desc:"Who may add the account to groups: all, contacts, contact_blacklist or none."`
	LastSeen     string `json:"last_seen" desc:"Who sees the last-seen time: all, contacts, contact_blacklist or none."`
	Status       string `json:"status" desc:"Who sees the about text: all, contacts, contact_blacklist or none."`
	Profile      string `json:"profile" desc:"Who sees the profile picture: all, contacts, contact_blacklist or none."`
	ReadReceipts string `json:"read_receipts" desc:"Whether read receipts are sent: all or none."`
	Online       string `json:"online" desc:"Who sees when the account is online: all or match_last_seen."`
	CallAdd      string `json:"call_add" desc:"Who may call: all or known."`
}

// PrivacySettingValues are the values each privacy setting takes, by its
// JSON name.
var PrivacySettingValues = map[string][]string{
	"group_add":     {"all", "contacts", "contact_blacklist", "none"},
	"last_seen":     {"all", "contacts", "contact_blacklist", "none"},
	"status":        {"all", "contacts", "contact_blacklist", "none"},
	"profile":       {"all", "contacts", "contact_blacklist", "none"},
	"read_receipts": {"all", "none"},
	"online":        {"all", "match_last_seen"},
	"call_add":      {"all", "known"},
}

// Field returns a pointer to the setting named by its JSON name, nil for
// an unknown name.
func (p *PrivacySettings) Field(name string) *string {
	switch name {
	case "group_add":
		return &p.GroupAdd
	case "last_seen":
		return &p.LastSeen
	case "status":
		return &p.Status
	case "profile":
		return &p.Profile
	case "read_receipts":
		return &p.ReadReceipts
	case "online":
		return &p.Online
	case "call_add":
		return &p.CallAdd
	}
	return nil
}

// ProfileRequest reads the profile.
type ProfileRequest struct{}

// ProfileResult is the profile with where it came from.
type ProfileResult struct {
	Profile Profile `json:"profile" desc:"The account's profile."`
	Source  string  `json:"source,omitempty" desc:"live: asked of WhatsApp now."`
}

// ProfileUpdateRequest changes the push name and about text; nil fields
// stay as they are.
type ProfileUpdateRequest struct {
	PushName *string `json:"push_name,omitempty" desc:"The name others see on the account's messages, 1 to 25 characters."`
	About    *string `json:"about,omitempty" desc:"The about text, at most 139 characters."`
}

// ProfilePictureRequest sets the profile picture (a JPEG), or removes it
// when Image is empty.
type ProfilePictureRequest struct {
	Image []byte `json:"image,omitempty" desc:"The picture, a JPEG of at most 512 KiB, base64-encoded."`
}

// ProfilePicture is the new picture's id ("" once removed).
type ProfilePicture struct {
	JID       string `json:"jid" desc:"The account's JID."`
	PictureID string `json:"picture_id" desc:"The new picture's id (empty once removed)."`
}

// PrivacyRequest reads the privacy settings.
type PrivacyRequest struct{}

// PrivacyResult is the privacy settings with where they came from.
type PrivacyResult struct {
	Privacy PrivacySettings `json:"privacy" desc:"The account's privacy settings."`
	Source  string          `json:"source,omitempty" desc:"live: asked of WhatsApp now."`
}

// PrivacyUpdateRequest changes privacy settings; nil fields stay as they are.
type PrivacyUpdateRequest struct {
	GroupAdd     *string `json:"group_add,omitempty" desc:"all, contacts, contact_blacklist or none."`
	LastSeen     *string `json:"last_seen,omitempty" desc:"all, contacts, contact_blacklist or none."`
	Status       *string `json:"status,omitempty" desc:"all, contacts, contact_blacklist or none."`
	Profile      *string `json:"profile,omitempty" desc:"all, contacts, contact_blacklist or none."`
	ReadReceipts *string `json:"read_receipts,omitempty" desc:"all or none."`
	Online       *string `json:"online,omitempty" desc:"all or match_last_seen."`
	CallAdd      *string `json:"call_add,omitempty" desc:"all or known."`
}

// Changes are the settings r sets, by JSON name, in a fixed order.
func (r PrivacyUpdateRequest) Changes() [][2]string {
	var out [][2]string
	for _, c := range []struct {
		name string
		v    *string
	}{{"group_add", r.GroupAdd}, {"last_seen", r.LastSeen}, {"status", r.Status}, {"profile", r.Profile},
		{"read_receipts", r.ReadReceipts}, {"online", r.Online}, {"call_add", r.CallAdd}} {
		if c.v != nil {
			out = append(out, [2]string{c.name, *c.v})
		}
	}
	return out
}

// Operations on the profile.
var (
	OpProfileGet = AccountOp[ProfileRequest, ProfileResult]{Name: "profile.get",
		Call: func(ctx context.Context, e AccountEngine, _ ProfileRequest) (ProfileResult, error) {
			p, err := e.Profile(ctx)
			if err != nil {
				return ProfileResult{}, err
			}
			return ProfileResult{Profile: *p, Source: SourceLive}, nil
		}}
	OpProfileUpdate = AccountOp[ProfileUpdateRequest, ProfileResult]{Name: "profile.update", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r ProfileUpdateRequest) (ProfileResult, error) {
			if r.PushName != nil {
				if err := e.SetPushName(ctx, *r.PushName); err != nil {
					return ProfileResult{}, err
				}
			}
			if r.About != nil {
				if err := e.SetAbout(ctx, *r.About); err != nil {
					return ProfileResult{}, err
				}
			}
			p, err := e.Profile(ctx)
			if err != nil {
				return ProfileResult{}, err
			}
			return ProfileResult{Profile: *p}, nil
		},
		Events: func(sid string, r ProfileUpdateRequest, res ProfileResult) []AccountEvent {
			var out []AccountEvent
			if r.PushName != nil {
				out = append(out, contactChange(sid, res.Profile.JID, ContactChangePushName, *r.PushName))
			}
			if r.About != nil {
				out = append(out, contactChange(sid, res.Profile.JID, ContactChangeAbout, *r.About))
			}
			return out
		}}
	OpProfilePicture = AccountOp[ProfilePictureRequest, ProfilePicture]{Name: "profile.picture", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r ProfilePictureRequest) (ProfilePicture, error) {
			var img []byte
			if len(r.Image) > 0 {
				img = r.Image
			}
			return deref(e.SetProfilePicture(ctx, img))
		},
		// The log keeps the picture's size, not the picture.
		Audit: func(r ProfilePictureRequest) any {
			return map[string]any{"image_bytes": len(r.Image)}
		},
		Events: func(sid string, _ ProfilePictureRequest, res ProfilePicture) []AccountEvent {
			return []AccountEvent{contactChange(sid, res.JID, ContactChangePicture, res.PictureID)}
		}}
	OpPrivacyGet = AccountOp[PrivacyRequest, PrivacyResult]{Name: "privacy.get",
		Call: func(ctx context.Context, e AccountEngine, _ PrivacyRequest) (PrivacyResult, error) {
			p, err := e.PrivacySettings(ctx)
			if err != nil {
				return PrivacyResult{}, err
			}
			return PrivacyResult{Privacy: *p, Source: SourceLive}, nil
		}}
	OpPrivacyUpdate = AccountOp[PrivacyUpdateRequest, PrivacyResult]{Name: "privacy.update", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r PrivacyUpdateRequest) (PrivacyResult, error) {
			var p *PrivacySettings
			for _, c := range r.Changes() {
				var err error
				if p, err = e.SetPrivacySetting(ctx, c[0], c[1]); err != nil {
					return PrivacyResult{}, err
				}
			}
			if p == nil {
				var err error
				if p, err = e.PrivacySettings(ctx); err != nil {
					return PrivacyResult{}, err
				}
			}
			return PrivacyResult{Privacy: *p}, nil
		}}
)

func contactChange(sessionID, jid, change, value string) AccountEvent {
	return AccountEvent{Type: EventContactUpdate, Data: ContactUpdateData{SessionID: sessionID, Contact: jid, Change: change, Value: value}}
}
