package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Channel is a WhatsApp channel (newsletter) as the session's account
// sees it. Role is owner, admin, subscriber or guest ("" when looked up
// by invite code); owners and admins post to it with Send, the channel's
// JID as recipient.
type Channel struct {
	JID         string     `json:"jid"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	InviteLink  string     `json:"invite_link,omitempty"`
	Subscribers int        `json:"subscribers"`
	Verified    bool       `json:"verified"`
	Role        string     `json:"role,omitempty"`
	Muted       bool       `json:"muted"`
	State       string     `json:"state,omitempty"`
	PictureURL  string     `json:"picture_url,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
}

// ChannelPost is one post of a channel's history.
type ChannelPost struct {
	ServerID    int            `json:"server_id"`
	WAMessageID string         `json:"wa_message_id"`
	Type        string         `json:"message_type"`
	Text        string         `json:"message"`
	Media       *Media         `json:"media,omitempty"`
	Views       int            `json:"views"`
	Reactions   map[string]int `json:"reactions,omitempty"`
	Timestamp   time.Time      `json:"timestamp"`
}

func (c *Client) channelPath(sessionID, channel string) string {
	return c.sessionPath(sessionID, "/channels") + "/" + url.PathEscape(channel)
}

// Channels lists the channels the session's account follows or administers.
func (c *Client) Channels(ctx context.Context, sessionID string) ([]Channel, error) {
	return field[[]Channel](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/channels"), nil, nil, "channels")
}

// Channel reads one channel by its JID (…@newsletter) or invite code.
func (c *Client) Channel(ctx context.Context, sessionID, channel string) (*Channel, error) {
	return field[*Channel](ctx, c, http.MethodGet, c.channelPath(sessionID, channel), nil, nil, "channel")
}

// CreateChannel creates a channel the session's account owns.
func (c *Client) CreateChannel(ctx context.Context, sessionID, name, description string) (*Channel, error) {
	return field[*Channel](ctx, c, http.MethodPost, c.sessionPath(sessionID, "/channels"), nil,
		map[string]any{"name": name, "description": description}, "channel")
}

// FollowChannel follows a channel (by JID); its posts then arrive as
// channel.message events.
func (c *Client) FollowChannel(ctx context.Context, sessionID, channelJID string) error {
	return c.do(ctx, http.MethodPost, c.channelPath(sessionID, channelJID)+"/follow", nil, nil, nil)
}

// UnfollowChannel stops following a channel.
func (c *Client) UnfollowChannel(ctx context.Context, sessionID, channelJID string) error {
	return c.do(ctx, http.MethodDelete, c.channelPath(sessionID, channelJID)+"/follow", nil, nil, nil)
}

// ChannelPosts reads a channel's recent posts, oldest first: the last
// count (0: the gateway's default of 20), before server id before when
// it is not 0.
func (c *Client) ChannelPosts(ctx context.Context, sessionID, channelJID string, count, before int) ([]ChannelPost, error) {
	q := url.Values{}
	if count > 0 {
		q.Set("count", strconv.Itoa(count))
	}
	if before > 0 {
		q.Set("before", strconv.Itoa(before))
	}
	return field[[]ChannelPost](ctx, c, http.MethodGet, c.channelPath(sessionID, channelJID)+"/messages", q, nil, "messages")
}
