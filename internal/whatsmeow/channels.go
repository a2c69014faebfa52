package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// channelClient is the part of *wa.Client the channel operations use.
type channelClient interface {
	GetSubscribedNewsletters(ctx context.Context) ([]*types.NewsletterMetadata, error)
	GetNewsletterInfo(ctx context.Context, jid types.JID) (*types.NewsletterMetadata, error)
	GetNewsletterInfoWithInvite(ctx context.Context, key string) (*types.NewsletterMetadata, error)
	CreateNewsletter(ctx context.Context, params wa.CreateNewsletterParams) (*types.NewsletterMetadata, error)
	FollowNewsletter(ctx context.Context, jid types.JID) error
	UnfollowNewsletter(ctx context.Context, jid types.JID) error
	GetNewsletterMessages(ctx context.Context, jid types.JID, params *wa.GetNewsletterMessagesParams) ([]*types.NewsletterMessage, error)
}

var _ channelClient = (*wa.Client)(nil)

func (e *Engine) channelClient() (channelClient, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	return cli, nil
}

// channelClientFor parses a channel's JID, then returns the connected
// client for an operation on it.
func (e *Engine) channelClientFor(jid string) (channelClient, types.JID, error) {
	j, err := channelJID(jid)
	if err != nil {
		return nil, types.EmptyJID, err
	}
	cli, err := e.channelClient()
	if err != nil {
		return nil, types.EmptyJID, err
	}
	return cli, j, nil
}

// FollowedChannels lists the channels the account follows or administers.
func (e *Engine) FollowedChannels(ctx context.Context) ([]gateway.Channel, error) {
	cli, err := e.channelClient()
	if err != nil {
		return nil, err
	}
	metas, err := cli.GetSubscribedNewsletters(ctx)
	if err != nil {
		return nil, channelError(err, "WhatsApp did not list the channels.")
	}
	return mapPresent(metas, channelOf), nil
}

// ChannelInfo returns one channel by JID, with the account's role in it.
func (e *Engine) ChannelInfo(ctx context.Context, jid string) (*gateway.Channel, error) {
	cli, j, err := e.channelClientFor(jid)
	if err != nil {
		return nil, err
	}
	return channelResult(cli.GetNewsletterInfo(ctx, j))
}

// ChannelByInvite returns one channel by its invite code or link.
func (e *Engine) ChannelByInvite(ctx context.Context, code string) (*gateway.Channel, error) {
	code = strings.TrimPrefix(strings.TrimSpace(code), gateway.ChannelLinkPrefix)
	if code == "" {
		return nil, gateway.ValidationError(map[string]string{"channel": "Give the channel's JID or invite code."})
	}
	cli, err := e.channelClient()
	if err != nil {
		return nil, err
	}
	return channelResult(cli.GetNewsletterInfoWithInvite(ctx, code))
}

// CreateChannel creates a channel the account owns.
func (e *Engine) CreateChannel(ctx context.Context, r gateway.ChannelCreateRequest) (*gateway.Channel, error) {
	cli, err := e.channelClient()
	if err != nil {
		return nil, err
	}
	c, err := channelResult(cli.CreateNewsletter(ctx, wa.CreateNewsletterParams{Name: r.Name, Description: r.Description}))
	if err == nil && c.Role == "" {
		c.Role = gateway.ChannelOwner // the creator owns it, whether or not the answer says so
	}
	return c, err
}

// FollowChannel follows a channel.
func (e *Engine) FollowChannel(ctx context.Context, jid string) error {
	return e.setFollowing(ctx, jid, true)
}

// UnfollowChannel stops following a channel.
func (e *Engine) UnfollowChannel(ctx context.Context, jid string) error {
	return e.setFollowing(ctx, jid, false)
}

// setFollowing follows or unfollows a channel.
func (e *Engine) setFollowing(ctx context.Context, jid string, follow bool) error {
	cli, j, err := e.channelClientFor(jid)
	if err != nil {
		return err
	}
	if follow {
		err = cli.FollowNewsletter(ctx, j)
	} else {
		err = cli.UnfollowNewsletter(ctx, j)
	}
	if err != nil {
		if follow {
			return channelError(err, "WhatsApp did not follow the channel.")
		}
		return channelError(err, "WhatsApp did not unfollow the channel.")
	}
	return nil
}

// ChannelMessages returns a channel's recent posts, oldest first.
func (e *Engine) ChannelMessages(ctx context.Context, jid string, count, before int) ([]gateway.ChannelMessage, error) {
	cli, j, err := e.channelClientFor(jid)
	if err != nil {
		return nil, err
	}
	msgs, err := cli.GetNewsletterMessages(ctx, j, &wa.GetNewsletterMessagesParams{Count: count, Before: types.MessageServerID(before)})
	if err != nil {
		return nil, channelError(err, "WhatsApp did not give the channel's posts.")
	}
	return channelMessagesOf(msgs), nil
}

// mapPresent maps each of WhatsApp's answers that is not nil.
func mapPresent[T, U any](in []*T, f func(*T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		if v != nil {
			out = append(out, f(v))
		}
	}
	return out
}

// channelJID parses a channel JID; CodeValidation otherwise.
func channelJID(s string) (types.JID, error) {
	j, err := types.ParseJID(s)
	if err != nil || j.Server != types.NewsletterServer || j.User == "" {
		return types.EmptyJID, gateway.ValidationError(map[string]string{"channel": "Give the channel's JID (…@newsletter)."})
	}
	return j, nil
}

// channelResult maps a metadata answer: none is a channel that does not exist.
func channelResult(m *types.NewsletterMetadata, err error) (*gateway.Channel, error) {
	if err != nil {
		return nil, channelError(err, "WhatsApp did not answer about the channel.")
	}
	if m == nil {
		return nil, gateway.NotFound("Channel")
	}
	c := channelOf(m)
	return &c, nil
}

// channelError translates whatsmeow's channel errors: an unknown channel
// or invite is not found, another answer of WhatsApp's (an IQ error, or
// the errors of its GraphQL answer) a refusal with its reason, and a
// socket that is down unavailable.
func channelError(err error, msg string) error {
	var iq *wa.IQError
	var gql types.GraphQLErrors
	switch {
	case errors.Is(err, wa.ErrIQNotFound):
		return gateway.WrapError(err, gateway.CodeNotFound, "Channel not found.")
	case errors.As(err, &gql) && len(gql) > 0:
		for _, g := range gql {
			if g.Extensions.ErrorCode == 404 || strings.Contains(strings.ToLower(g.Message), "not found") {
				return gateway.WrapError(err, gateway.CodeNotFound, "Channel not found.")
			}
		}
		e := gateway.Refused(gql.Error())
		e.Err = err
		return e
	case errors.As(err, &iq) && iq.Code != 0:
		e := gateway.Refused(fmt.Sprintf("%d %s", iq.Code, iq.Text))
		e.Err = err
		return e
	}
	return offlineError(err, msg)
}

// channelOf is a channel as the API shows it.
func channelOf(m *types.NewsletterMetadata) gateway.Channel {
	t := m.ThreadMeta
	c := gateway.Channel{
		JID: m.ID.String(), Name: t.Name.Text, Description: t.Description.Text, Subscribers: t.SubscriberCount,
		Verified: t.VerificationState == types.NewsletterVerificationStateVerified, State: string(m.State.Type),
	}
	if t.InviteCode != "" {
		c.InviteLink = gateway.ChannelLinkPrefix + t.InviteCode
	}
	if m.ViewerMeta != nil {
		c.Role = string(m.ViewerMeta.Role)
		c.Muted = m.ViewerMeta.Mute == types.NewsletterMuteOn
	}
	if t.Picture != nil && t.Picture.URL != "" {
		c.PictureURL = t.Picture.URL
	} else if t.Preview.URL != "" {
		c.PictureURL = t.Preview.URL
	}
	if ts := t.CreationTime.Time; !ts.IsZero() && ts.Unix() > 0 {
		at := ts.UTC()
		c.CreatedAt = &at
	}
	return c
}

// channelMessagesOf maps a channel's posts, oldest first, with their
// content read as received messages are.
func channelMessagesOf(msgs []*types.NewsletterMessage) []gateway.ChannelMessage {
	out := make([]gateway.ChannelMessage, 0, len(msgs))
	for _, m := range msgs {
		if m == nil {
			continue
		}
		cm := gateway.ChannelMessage{ServerID: int(m.MessageServerID), WAMessageID: string(m.MessageID), Type: gateway.TypeUnknown,
			Views: m.ViewsCount, Reactions: m.ReactionCounts, Timestamp: m.Timestamp.UTC().Truncate(time.Second)}
		if in := convertMessage(m.Message); in != nil {
			cm.Type, cm.Text = in.Type, in.Text
			if in.Media != nil {
				cm.Media = &gateway.PayloadMedia{MIMEType: in.Media.MIMEType, FileName: in.Media.FileName, Caption: in.Media.Caption,
					Size: in.Media.Size, SHA256: in.Media.SHA256}
				if cm.Text == "" {
					cm.Text = in.Media.Caption
				}
			}
		}
		out = append(out, cm)
	}
	slices.SortStableFunc(out, func(a, b gateway.ChannelMessage) int { return a.ServerID - b.ServerID })
	return out
}
