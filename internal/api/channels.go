package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's WhatsApp channels (newsletters): followed ones, lookups by
// JID or invite code, creation, follow and unfollow, and a channel's
// posts. Posting to a channel is POST /messages/send with the channel's
// JID as recipient.

// channelHandlers are the handlers of channelOperations, by operation id.
func (s *Server) channelHandlers() map[string]handler {
	return map[string]handler{
		"listChannels":     onID(s, "session_id", http.StatusOK, read(s.svc.Channels), nil),
		"createChannel":    onID(s, "session_id", http.StatusCreated, s.svc.CreateChannel, oneChannel),
		"getChannel":       onItem(s, "channel_id", http.StatusOK, readItem(s.svc.Channel), oneChannel),
		"followChannel":    onItem(s, "channel_id", http.StatusOK, readItem(s.followChannel(true)), nil),
		"unfollowChannel":  onItem(s, "channel_id", http.StatusOK, readItem(s.followChannel(false)), nil),
		"listChannelPosts": s.handleChannelMessages,
	}
}

// channelData is the answer about one channel.
type channelData struct {
	Channel gateway.Channel `json:"channel" desc:"The channel."`
}

func oneChannel(_ *http.Request, c gateway.Channel) any { return channelData{c} }

// followChannel follows a channel, or unfollows it.
func (s *Server) followChannel(follow bool) func(ctx context.Context, userID, sessionID, ch string) (gateway.ChannelFollow, error) {
	return func(ctx context.Context, userID, sessionID, ch string) (gateway.ChannelFollow, error) {
		return s.svc.FollowChannel(ctx, userID, sessionID, ch, follow)
	}
}

func (s *Server) handleChannelMessages(w http.ResponseWriter, r *http.Request) error {
	id, ch, err := sessionAnd(r, "channel_id")
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	count, before := 0, 0
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil || count < 1 || count > gateway.MaxChannelMessages {
			return gateway.Errorf(gateway.CodeInvalid, "The count must be a whole number from 1 to 100.")
		}
	}
	if v := q.Get("before"); v != "" {
		if before, err = strconv.Atoi(v); err != nil || before < 1 {
			return gateway.Errorf(gateway.CodeInvalid, "The before parameter must be the server_id of a post.")
		}
	}
	res, err := s.svc.ChannelMessages(r.Context(), who(r).User.ID, id, ch, count, before)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}
