package gateway

import (
	"context"
	"strings"
	"time"
)

// Channels (WhatsApp's newsletters): one-way broadcasts the account
// follows or administers. The account operations below list, look up,
// create, follow and unfollow channels and read a channel's recent posts;
// posting to a channel the account administers is a send (recipient
// …@newsletter) through the normal send path. Posts of followed channels
// arrive as inbound messages whose chat is the channel, announced as
// channel.message events.

// EventChannelMessage is the event of a post received from a followed
// channel. A subscription to message includes it (see Matches).
const EventChannelMessage = "channel.message"

// ChannelLinkPrefix begins a channel's invite link.
const ChannelLinkPrefix = "https://whatsapp.com/channel/"

// Channel roles of the account.
const (
	ChannelOwner      = "owner"
	ChannelAdmin      = "admin"
	ChannelSubscriber = "subscriber"
	ChannelGuest      = "guest"
)

// MaxChannelMessages bounds the posts one read returns.
const MaxChannelMessages = 100

// ChannelEngine is the part of AccountEngine about channels. Errors:
// CodeNotFound for a channel that does not exist (or an unknown invite),
// CodeRefused when WhatsApp refuses, CodeValidation for bad input,
// CodeUnavailable when not connected.
type ChannelEngine interface {
	// FollowedChannels lists the channels the account follows or administers.
	FollowedChannels(ctx context.Context) ([]Channel, error)
	// ChannelInfo returns one channel by JID, with the account's role.
	ChannelInfo(ctx context.Context, jid string) (*Channel, error)
	// ChannelByInvite returns one channel by its invite code; its role is
	// not known that way ("").
	ChannelByInvite(ctx context.Context, code string) (*Channel, error)
	// CreateChannel creates a channel the account owns.
	CreateChannel(ctx context.Context, r ChannelCreateRequest) (*Channel, error)
	// FollowChannel follows a channel; UnfollowChannel stops following it.
	FollowChannel(ctx context.Context, jid string) error
	UnfollowChannel(ctx context.Context, jid string) error
	// ChannelMessages returns a channel's recent posts, newest last: at
	// most count, before server id before when it is not 0.
	ChannelMessages(ctx context.Context, jid string, count, before int) ([]ChannelMessage, error)
}

// Channel is a channel as the account sees it.
type Channel struct {
	JID         string     `json:"jid" desc:"The channel's JID (…@newsletter): the recipient to post to it."`
	Name        string     `json:"name" desc:"The channel's name."`
	Description string     `json:"description" desc:"The channel's description."`
	InviteLink  string     `json:"invite_link,omitempty" desc:"The channel's link (https://whatsapp.com/channel/…)."`
	Subscribers int        `json:"subscribers" desc:"How many accounts follow it."`
	Verified    bool       `json:"verified" desc:"true for a channel WhatsApp verified."`
	Role        string     `json:"role,omitempty" desc:"The account's role: owner, admin, subscriber or guest (not following); absent when looked up by invite."`
	Muted       bool       `json:"muted" desc:"true when the account muted it."`
	State       string     `json:"state,omitempty" desc:"active, suspended or geosuspended."`
	PictureURL  string     `json:"picture_url,omitempty" desc:"Where its picture can be downloaded, when it has one."`
	CreatedAt   *time.Time `json:"created_at,omitempty" desc:"When the channel was created."`
}

// CanPost reports whether the account may post to the channel.
func (c Channel) CanPost() bool { return c.Role == ChannelOwner || c.Role == ChannelAdmin }

// ChannelMessage is one post of a channel, as the channel's history has it.
type ChannelMessage struct {
	ServerID    int            `json:"server_id" desc:"The post's number in the channel (read earlier posts with before=server_id)."`
	WAMessageID string         `json:"wa_message_id" desc:"The post's WhatsApp id."`
	Type        MessageType    `json:"message_type" desc:"text, image, video, audio, document, sticker, location, contact, poll or unknown."`
	Text        string         `json:"message" desc:"The text, or the caption of media."`
	Media       *PayloadMedia  `json:"media,omitempty" desc:"The media's type, name and size (the file is not downloaded)."`
	Views       int            `json:"views" desc:"How many times it was seen, when WhatsApp tells."`
	Reactions   map[string]int `json:"reactions,omitempty" desc:"Reaction counts by emoji."`
	Timestamp   time.Time      `json:"timestamp" desc:"When it was posted."`
}

// ChannelRef names a channel: its JID, or its invite code.
type ChannelRef struct {
	Channel string `json:"channel" desc:"The channel's JID, or its invite code (taken from the path)."`
}

// ChannelListRequest lists the followed channels.
type ChannelListRequest struct{}

// ChannelList is the channels the account follows or administers.
type ChannelList struct {
	Channels []Channel `json:"channels" desc:"The channels followed or administered."`
}

// ChannelCreateRequest creates a channel.
type ChannelCreateRequest struct {
	Name        string `json:"name" desc:"The channel's name, 1 to 100 characters."`
	Description string `json:"description,omitempty" desc:"Its description, at most 2048 characters."`
}

// ChannelMessagesRequest reads a channel's posts.
type ChannelMessagesRequest struct {
	Channel string `json:"channel" desc:"The channel's JID (taken from the path)."`
	Count   int    `json:"count" desc:"How many posts, 1 to 100."`
	Before  int    `json:"before,omitempty" desc:"Only posts before this server_id."`
}

// ChannelMessages is a channel's posts.
type ChannelMessages struct {
	Channel  string           `json:"channel" desc:"The channel's JID."`
	Messages []ChannelMessage `json:"messages" desc:"Its posts, oldest first."`
}

// ChannelFollow is the outcome of a follow or an unfollow.
type ChannelFollow struct {
	Channel   string `json:"channel" desc:"The channel's JID."`
	Following bool   `json:"following" desc:"Whether the account now follows it."`
}

// IsChannelJID reports whether s is a channel JID (…@newsletter).
func IsChannelJID(s string) bool { return strings.HasSuffix(s, "@"+ServerNewsletter) }

// Operations on channels.
var (
	OpChannelList = AccountOp[ChannelListRequest, ChannelList]{Name: "channel.list",
		Call: func(ctx context.Context, e AccountEngine, _ ChannelListRequest) (ChannelList, error) {
			cs, err := e.FollowedChannels(ctx)
			if cs == nil {
				cs = []Channel{}
			}
			return ChannelList{Channels: cs}, err
		}}
	OpChannelGet = AccountOp[ChannelRef, Channel]{Name: "channel.get",
		Call: func(ctx context.Context, e AccountEngine, r ChannelRef) (Channel, error) {
			if IsChannelJID(r.Channel) {
				return deref(e.ChannelInfo(ctx, r.Channel))
			}
			return deref(e.ChannelByInvite(ctx, r.Channel))
		}}
	OpChannelCreate = AccountOp[ChannelCreateRequest, Channel]{Name: "channel.create", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r ChannelCreateRequest) (Channel, error) {
			return deref(e.CreateChannel(ctx, r))
		}}
	OpChannelFollow = AccountOp[ChannelRef, ChannelFollow]{Name: "channel.follow", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r ChannelRef) (ChannelFollow, error) {
			err := e.FollowChannel(ctx, r.Channel)
			return ChannelFollow{Channel: r.Channel, Following: err == nil}, err
		}}
	OpChannelUnfollow = AccountOp[ChannelRef, ChannelFollow]{Name: "channel.unfollow", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r ChannelRef) (ChannelFollow, error) {
			err := e.UnfollowChannel(ctx, r.Channel)
			return ChannelFollow{Channel: r.Channel, Following: false}, err
		}}
	OpChannelMessages = AccountOp[ChannelMessagesRequest, ChannelMessages]{Name: "channel.messages",
		Call: func(ctx context.Context, e AccountEngine, r ChannelMessagesRequest) (ChannelMessages, error) {
			ms, err := e.ChannelMessages(ctx, r.Channel, r.Count, r.Before)
			if ms == nil {
				ms = []ChannelMessage{}
			}
			return ChannelMessages{Channel: r.Channel, Messages: ms}, err
		}}
)
