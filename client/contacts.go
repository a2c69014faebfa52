package client

import (
	"context"
	"net/http"
	"net/url"
)

// ContactInfo is a WhatsApp user as the session's account knows them. About,
// PictureID, PictureURL and Blocked come with one contact's details only.
type ContactInfo struct {
	JID          string `json:"jid"`
	Phone        string `json:"phone,omitempty"`
	LID          string `json:"lid,omitempty"`
	PushName     string `json:"push_name,omitempty"`
	SavedName    string `json:"saved_name,omitempty"`
	BusinessName string `json:"business_name,omitempty"`
	IsBusiness   bool   `json:"is_business"`
	About        string `json:"about,omitempty"`
	PictureID    string `json:"picture_id,omitempty"`
	PictureURL   string `json:"picture_url,omitempty"`
	Blocked      *bool  `json:"blocked,omitempty"`
}

// LIDMapping is a user's phone number and LID; Source is store or live.
type LIDMapping struct {
	Phone  string `json:"phone"`
	JID    string `json:"jid"`
	LID    string `json:"lid"`
	Source string `json:"source"`
}

// Contacts lists the contacts the session's account knows (from its store).
func (c *Client) Contacts(ctx context.Context, sessionID string) ([]ContactInfo, error) {
	return field[[]ContactInfo](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/contacts"), nil, nil, "contacts")
}

// Contact asks WhatsApp about one user (a phone number or JID); refresh
// fetches the picture URL even when the gateway has it cached.
func (c *Client) Contact(ctx context.Context, sessionID, user string, refresh bool) (*ContactInfo, error) {
	var q url.Values
	if refresh {
		q = url.Values{"refresh": {"true"}}
	}
	return field[*ContactInfo](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/contacts")+"/"+url.PathEscape(user), q, nil, "contact")
}

// Blocked lists the JIDs the session's account blocked.
func (c *Client) Blocked(ctx context.Context, sessionID string) ([]string, error) {
	return field[[]string](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/contacts")+"/blocked", nil, nil, "blocked")
}

// Block blocks a user and answers the new block list.
func (c *Client) Block(ctx context.Context, sessionID, user string) ([]string, error) {
	return field[[]string](ctx, c, http.MethodPost, c.sessionPath(sessionID, "/contacts")+"/"+url.PathEscape(user)+"/block", nil, nil, "blocked")
}

// Unblock unblocks a user and answers the new block list.
func (c *Client) Unblock(ctx context.Context, sessionID, user string) ([]string, error) {
	return field[[]string](ctx, c, http.MethodPost, c.sessionPath(sessionID, "/contacts")+"/"+url.PathEscape(user)+"/unblock", nil, nil, "blocked")
}

// PhoneByLID answers the phone number behind a LID, as the session knows it.
func (c *Client) PhoneByLID(ctx context.Context, sessionID, lid string) (*LIDMapping, error) {
	var out LIDMapping
	return &out, c.do(ctx, http.MethodGet, c.sessionPath(sessionID, "/contacts")+"/lid/"+url.PathEscape(lid), nil, nil, &out)
}

// LIDByPhone answers the LID of a phone number.
func (c *Client) LIDByPhone(ctx context.Context, sessionID, phone string) (*LIDMapping, error) {
	var out LIDMapping
	return &out, c.do(ctx, http.MethodGet, c.sessionPath(sessionID, "/contacts")+"/phone/"+url.PathEscape(phone), nil, nil, &out)
}
