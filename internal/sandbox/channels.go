package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Channels in the sandbox. A tenant's channels are kept in its GroupBook
// beside its groups (the records whose JID ends in @newsletter), so every
// process sees them, as WhatsApp's servers keep a channel. A channel
// created by a session is owned by its number; the tenant's other sandbox
// sessions find it by JID or invite code, follow it and read its posts.
// A post (a send whose recipient is the channel, by its owner or an
// admin) is appended to the channel's history and handed to each follower,
// whose engine emits it as an inbound message of the channel. Channel
// posts have no receipts: the post stays sent, as on WhatsApp.

// maxChannelPosts bounds a sandbox channel's kept history.
const maxChannelPosts = 500

// sbChannel is a sandbox channel as the book keeps it.
type sbChannel struct {
	JID         string    `json:"jid"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	InviteCode  string    `json:"invite_code"`
	Owner       string    `json:"owner"`            // phone
	Admins      []string  `json:"admins,omitempty"` // phones besides the owner
	Followers   []string  `json:"followers,omitempty"`
	Posts       []sbPost  `json:"posts,omitempty"`
	NextID      int       `json:"next_id"`
	CreatedAt   time.Time `json:"created_at"`
	versioned
}

// sbPost is one post of a sandbox channel.
type sbPost struct {
	ServerID  int                   `json:"server_id"`
	ID        string                `json:"id"`
	Type      gateway.MessageType   `json:"type"`
	Text      string                `json:"text,omitempty"`
	Media     *gateway.PayloadMedia `json:"media,omitempty"`
	Timestamp time.Time             `json:"timestamp"`
}

func (c *sbChannel) role(phone string) string {
	switch {
	case c.Owner == phone:
		return gateway.ChannelOwner
	case slices.Contains(c.Admins, phone):
		return gateway.ChannelAdmin
	case slices.Contains(c.Followers, phone):
		return gateway.ChannelSubscriber
	}
	return gateway.ChannelGuest
}

// view is the channel as the account of phone sees it ("" when looked up
// by invite, which does not tell the role).
func (c *sbChannel) view(phone string) gateway.Channel {
	created := c.CreatedAt
	out := gateway.Channel{JID: c.JID, Name: c.Name, Description: c.Description, InviteLink: gateway.ChannelLinkPrefix + c.InviteCode,
		Subscribers: len(c.Followers), State: "active", CreatedAt: &created}
	if phone != "" {
		out.Role = c.role(phone)
	}
	return out
}

// channels reads the tenant's channels from the book.
func (e *Engine) channels(ctx context.Context) ([]*sbChannel, error) {
	return groupBookRecords[sbChannel](ctx, e, "channel", gateway.IsChannelJID)
}

// channel returns one of the tenant's channels by JID; CodeNotFound otherwise.
func (e *Engine) channel(ctx context.Context, jid string) (*sbChannel, error) {
	cs, err := e.channels(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.JID == jid {
			return c, nil
		}
	}
	return nil, gateway.NotFound("Channel")
}

func (e *Engine) saveChannel(ctx context.Context, c *sbChannel) error {
	return e.saveToGroupBook(ctx, "channel", c.JID, c, c.version)
}

// changeChannel applies change to the channel and saves it, reading it
// again and retrying when another session changed it meanwhile.
func (e *Engine) changeChannel(ctx context.Context, jid string, change func(c *sbChannel) error) (*sbChannel, error) {
	return retryChange("channel", func() (*sbChannel, error) { return e.channel(ctx, jid) }, change,
		func(c *sbChannel) error { return e.saveChannel(ctx, c) })
}

// FollowedChannels lists the tenant's channels the account owns,
// administers or follows.
func (e *Engine) FollowedChannels(ctx context.Context) ([]gateway.Channel, error) {
	out, err := visible(ctx, e, e.channels, func(c *sbChannel, me string) bool { return c.role(me) != gateway.ChannelGuest })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b gateway.Channel) int { return strings.Compare(a.JID, b.JID) })
	return out, nil
}

// ChannelInfo returns one channel by JID, with the account's role.
func (e *Engine) ChannelInfo(ctx context.Context, jid string) (*gateway.Channel, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	c, err := e.channel(ctx, jid)
	if err != nil {
		return nil, err
	}
	v := c.view(me)
	return &v, nil
}

// ChannelByInvite returns one channel by its invite code or link.
func (e *Engine) ChannelByInvite(ctx context.Context, code string) (*gateway.Channel, error) {
	if _, err := e.me(); err != nil {
		return nil, err
	}
	code = strings.TrimPrefix(strings.TrimSpace(code), gateway.ChannelLinkPrefix)
	cs, err := e.channels(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if code != "" && c.InviteCode == code {
			v := c.view("")
			return &v, nil
		}
	}
	return nil, gateway.NotFound("Channel")
}

// CreateChannel creates a channel the account owns.
func (e *Engine) CreateChannel(ctx context.Context, r gateway.ChannelCreateRequest) (*gateway.Channel, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(r.Name)); n == 0 || n > 100 {
		return nil, gateway.ValidationError(map[string]string{"name": "Give the channel a name of 1 to 100 characters."})
	}
	c := &sbChannel{JID: newChannelJID(), Name: strings.TrimSpace(r.Name), Description: r.Description, InviteCode: newInviteCode(),
		Owner: me, NextID: 100, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if err := e.saveChannel(ctx, c); err != nil {
		return nil, err
	}
	v := c.view(me)
	return &v, nil
}

func newChannelJID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	return fmt.Sprintf("120363%012d@%s", n.Int64(), gateway.ServerNewsletter)
}

// FollowChannel follows a channel (following one already followed, or
// one's own, changes nothing).
func (e *Engine) FollowChannel(ctx context.Context, jid string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	_, err = e.changeChannel(ctx, jid, func(c *sbChannel) error {
		if c.role(me) == gateway.ChannelGuest {
			c.Followers = append(c.Followers, me)
		}
		return nil
	})
	return err
}

// UnfollowChannel stops following a channel; its owner cannot.
func (e *Engine) UnfollowChannel(ctx context.Context, jid string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	_, err = e.changeChannel(ctx, jid, func(c *sbChannel) error {
		if c.Owner == me {
			return gateway.Refused("the owner of a channel cannot unfollow it")
		}
		c.Followers = slices.DeleteFunc(c.Followers, func(p string) bool { return p == me })
		return nil
	})
	return err
}

// ChannelMessages returns a channel's posts, oldest first: the last count
// of those before server id before (all when 0).
func (e *Engine) ChannelMessages(ctx context.Context, jid string, count, before int) ([]gateway.ChannelMessage, error) {
	if _, err := e.me(); err != nil {
		return nil, err
	}
	c, err := e.channel(ctx, jid)
	if err != nil {
		return nil, err
	}
	var posts []sbPost
	for _, p := range c.Posts {
		if before == 0 || p.ServerID < before {
			posts = append(posts, p)
		}
	}
	if count > 0 && len(posts) > count {
		posts = posts[len(posts)-count:]
	}
	out := make([]gateway.ChannelMessage, 0, len(posts))
	for _, p := range posts {
		out = append(out, gateway.ChannelMessage{ServerID: p.ServerID, WAMessageID: p.ID, Type: p.Type, Text: p.Text, Media: p.Media,
			Timestamp: p.Timestamp})
	}
	return out, nil
}

// postToChannel records a post of the account in the channel's history
// (an edit or revoke changes the post it targets) and returns the
// followers to hand it to. CodeValidation when the account may not post,
// as WhatsApp refuses a post of a non-admin.
func (e *Engine) postToChannel(ctx context.Context, m *gateway.OutboundMessage, at time.Time) ([]string, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	c, err := e.changeChannel(ctx, m.To, func(c *sbChannel) error {
		if r := c.role(me); r != gateway.ChannelOwner && r != gateway.ChannelAdmin {
			return gateway.ValidationError(map[string]string{"recipient": "Only the channel's owner and admins can post to it."})
		}
		switch m.Type {
		case gateway.TypeEdit:
			for i := range c.Posts {
				if c.Posts[i].ID == m.Target {
					c.Posts[i].Text = m.Text
				}
			}
			return nil
		case gateway.TypeRevoke:
			c.Posts = slices.DeleteFunc(c.Posts, func(p sbPost) bool { return p.ID == m.Target })
			return nil
		}
		p := sbPost{ServerID: c.NextID, ID: m.WAMessageID, Type: m.Type, Text: m.Text, Timestamp: at.UTC().Truncate(time.Second)}
		if md := m.Media; md != nil {
			p.Media = &gateway.PayloadMedia{URL: md.URL, MIMEType: md.MIMEType, FileName: md.FileName, Caption: md.Caption, Size: int64(len(md.Data))}
			if p.Text == "" {
				p.Text = md.Caption
			}
		}
		c.NextID++
		c.Posts = append(c.Posts, p)
		if len(c.Posts) > maxChannelPosts {
			c.Posts = c.Posts[len(c.Posts)-maxChannelPosts:]
		}
		return nil
	})
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.ValidationError(map[string]string{"recipient": "No such channel."})
	}
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(c.Followers), func(p string) bool { return p == me }), nil
}
