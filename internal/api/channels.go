package api

import (
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
		"listChannels":     s.handleChannelList,
		"createChannel":    s.handleChannelCreate,
		"getChannel":       s.handleChannelGet,
		"followChannel":    s.handleChannelFollow,
		"unfollowChannel":  s.handleChannelUnfollow,
		"listChannelPosts": s.handleChannelMessages,
	}
}

func (s *Server) handleChannelList(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Channels(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleChannelCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.ChannelCreateRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.CreateChannel(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, channelData{res})
}

// channelData is the answer about one channel.
type channelData struct {
	Channel gateway.Channel `json:"channel" desc:"The channel."`
}

func (s *Server) handleChannelGet(w http.ResponseWriter, r *http.Request) error {
	id, ch, err := sessionAndParam(r, "channel_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Channel(r.Context(), who(r).User.ID, id, ch)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, channelData{res})
}

func (s *Server) handleChannelFollow(w http.ResponseWriter, r *http.Request) error {
	return s.channelFollow(w, r, true)
}

func (s *Server) handleChannelUnfollow(w http.ResponseWriter, r *http.Request) error {
	return s.channelFollow(w, r, false)
}

func (s *Server) channelFollow(w http.ResponseWriter, r *http.Request, follow bool) error {
	id, ch, err := sessionAndParam(r, "channel_id")
	if err != nil {
		return err
	}
	res, err := s.svc.FollowChannel(r.Context(), who(r).User.ID, id, ch, follow)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleChannelMessages(w http.ResponseWriter, r *http.Request) error {
	id, ch, err := sessionAndParam(r, "channel_id")
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
