package service

import (
	"context"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Limits WhatsApp sets on channels.
const (
	maxChannelName        = 100
	maxChannelDescription = 2048
)

// Channels lists the channels the session's account follows or
// administers, live.
func (s *Service) Channels(ctx context.Context, userID, sessionID string) (gateway.ChannelList, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpChannelList, gateway.ChannelListRequest{})
}

// Channel returns one channel, live, named by its JID or its invite code
// (or link).
func (s *Service) Channel(ctx context.Context, userID, sessionID, ref string) (gateway.Channel, error) {
	c, err := channelRef(ref, true)
	if err != nil {
		return gateway.Channel{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpChannelGet, gateway.ChannelRef{Channel: c})
}

// CreateChannel creates a channel the session's account owns.
func (s *Service) CreateChannel(ctx context.Context, userID, sessionID string, r gateway.ChannelCreateRequest) (gateway.Channel, error) {
	r.Name = strings.TrimSpace(r.Name)
	if err := checkText("name", r.Name, maxChannelName, true); err != nil {
		return gateway.Channel{}, err
	}
	if err := checkText("description", r.Description, maxChannelDescription, false); err != nil {
		return gateway.Channel{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpChannelCreate, r)
}

// FollowChannel follows (or, with follow false, unfollows) a channel.
func (s *Service) FollowChannel(ctx context.Context, userID, sessionID, ref string, follow bool) (gateway.ChannelFollow, error) {
	c, err := channelRef(ref, false)
	if err != nil {
		return gateway.ChannelFollow{}, err
	}
	op := gateway.OpChannelFollow
	if !follow {
		op = gateway.OpChannelUnfollow
	}
	return runAccount(ctx, s, userID, sessionID, op, gateway.ChannelRef{Channel: c})
}

// ChannelMessages reads a channel's recent posts, live: count of them (20
// when 0), before server id before when it is not 0.
func (s *Service) ChannelMessages(ctx context.Context, userID, sessionID, ref string, count, before int) (gateway.ChannelMessages, error) {
	c, err := channelRef(ref, false)
	if err != nil {
		return gateway.ChannelMessages{}, err
	}
	if count == 0 {
		count = 20
	}
	if count < 1 || count > gateway.MaxChannelMessages {
		return gateway.ChannelMessages{}, gateway.ValidationError(map[string]string{"count": "Give a count from 1 to 100."})
	}
	if before < 0 {
		return gateway.ChannelMessages{}, gateway.ValidationError(map[string]string{"before": "Give the server_id of a post."})
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpChannelMessages, gateway.ChannelMessagesRequest{Channel: c, Count: count, Before: before})
}

// channelRef normalises a channel named by JID (…@newsletter) or, when
// invite is allowed, by invite code or link.
func channelRef(ref string, invite bool) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		r, err := gateway.ParseRecipient(ref)
		if err != nil || !r.IsChannel() {
			return "", gateway.ValidationError(map[string]string{"channel": "Give the channel's JID (…@newsletter)."})
		}
		return r.JID, nil
	}
	code := strings.TrimPrefix(ref, gateway.ChannelLinkPrefix)
	if !invite || code == "" || len(code) > 64 || strings.ContainsAny(code, "/?# ") {
		if invite {
			return "", gateway.ValidationError(map[string]string{"channel": "Give the channel's JID (…@newsletter) or its invite code."})
		}
		return "", gateway.ValidationError(map[string]string{"channel": "Give the channel's JID (…@newsletter)."})
	}
	return code, nil
}
