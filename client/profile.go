package client

import (
	"context"
	"net/http"
	"net/url"
)

// WAProfile is the session's own WhatsApp profile (Profile is the gateway account).
type WAProfile struct {
	JID        string           `json:"jid"`
	Phone      string           `json:"phone"`
	LID        string           `json:"lid,omitempty"`
	PushName   string           `json:"push_name"`
	About      string           `json:"about"`
	PictureID  string           `json:"picture_id,omitempty"`
	PictureURL string           `json:"picture_url,omitempty"`
	IsBusiness bool             `json:"is_business"`
	Business   *BusinessProfile `json:"business,omitempty"`
}

// BusinessProfile is a WhatsApp Business account's public profile.
type BusinessProfile struct {
	Name       string          `json:"name,omitempty"`
	Address    string          `json:"address,omitempty"`
	Email      string          `json:"email,omitempty"`
	Categories []string        `json:"categories"`
	TimeZone   string          `json:"time_zone,omitempty"`
	Hours      []BusinessHours `json:"hours,omitempty"`
}

// BusinessHours are a business's opening hours on one day.
type BusinessHours struct {
	Day   string `json:"day"`
	Mode  string `json:"mode"`
	Open  string `json:"open,omitempty"`
	Close string `json:"close,omitempty"`
}

// ProfileUpdate changes the push name and about text; nil fields stay.
type ProfileUpdate struct {
	PushName *string `json:"push_name,omitempty"`
	About    *string `json:"about,omitempty"`
}

// PrivacySettings are the account's privacy settings; in an update, empty
// fields stay as they are.
type PrivacySettings struct {
	GroupAdd     string `json:"group_add,omitempty"`
	LastSeen     string `json:"last_seen,omitempty"`
	Status       string `json:"status,omitempty"`
	Profile      string `json:"profile,omitempty"`
	ReadReceipts string `json:"read_receipts,omitempty"`
	Online       string `json:"online,omitempty"`
	CallAdd      string `json:"call_add,omitempty"`
}

// Profile reads the session's own profile (asked of WhatsApp now).
func (c *Client) Profile(ctx context.Context, sessionID string) (*WAProfile, error) {
	return field[*WAProfile](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/profile"), nil, nil, "profile")
}

// UpdateProfile changes the push name and about text.
func (c *Client) UpdateProfile(ctx context.Context, sessionID string, u ProfileUpdate) (*WAProfile, error) {
	return field[*WAProfile](ctx, c, http.MethodPut, c.sessionPath(sessionID, "/profile"), nil, u, "profile")
}

// SetProfilePicture sets the profile picture (a JPEG) and answers its id.
func (c *Client) SetProfilePicture(ctx context.Context, sessionID string, jpeg []byte) (string, error) {
	return field[string](ctx, c, http.MethodPut, c.sessionPath(sessionID, "/profile")+"/picture", nil, map[string]any{"image": jpeg}, "picture_id")
}

// RemoveProfilePicture removes the profile picture.
func (c *Client) RemoveProfilePicture(ctx context.Context, sessionID string) error {
	return c.do(ctx, http.MethodDelete, c.sessionPath(sessionID, "/profile")+"/picture", nil, nil, nil)
}

// PrivacySettings reads the account's privacy settings.
func (c *Client) PrivacySettings(ctx context.Context, sessionID string) (*PrivacySettings, error) {
	return field[*PrivacySettings](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/profile")+"/privacy", nil, nil, "privacy")
}

// UpdatePrivacySettings changes the settings that are set in p and
// answers them all.
func (c *Client) UpdatePrivacySettings(ctx context.Context, sessionID string, p PrivacySettings) (*PrivacySettings, error) {
	return field[*PrivacySettings](ctx, c, http.MethodPut, c.sessionPath(sessionID, "/profile")+"/privacy", nil, p, "privacy")
}

// SetPresence shows the account online ("available") or offline ("unavailable").
func (c *Client) SetPresence(ctx context.Context, sessionID, presence string) error {
	return c.do(ctx, http.MethodPost, c.sessionPath(sessionID, "/presence"), nil, map[string]any{"presence": presence}, nil)
}

// SubscribePresence subscribes the session to a user's presence; presence
// events follow.
func (c *Client) SubscribePresence(ctx context.Context, sessionID, user string) error {
	return c.do(ctx, http.MethodPost, c.sessionPath(sessionID, "/contacts")+"/"+url.PathEscape(user)+"/presence", nil, nil, nil)
}
