package api

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// sendRequest is the seed's send body (session_id, recipient, message,
// message_type) with the fields of the other types.
type sendRequest struct {
	SessionID   string                     `json:"session_id"`
	Recipient   string                     `json:"recipient"`
	Message     string                     `json:"message"`
	MessageType string                     `json:"message_type"`
	ReplyTo     string                     `json:"reply_to"`
	Target      string                     `json:"target"`
	Reaction    string                     `json:"reaction"`
	MediaURL    string                     `json:"media_url"`
	Media       *gateway.PayloadMedia      `json:"media"`
	Location    *gateway.Location          `json:"location"`
	Contact     *gateway.Contact           `json:"contact"`
	Mentions    []string                   `json:"mentions"`
	MentionAll  bool                       `json:"mention_all"`
	ViewOnce    bool                       `json:"view_once"`
	ForwardOf   string                     `json:"forward_of"`
	LinkPreview *service.LinkPreviewOption `json:"link_preview"`
}

func (s *Server) handleMessageSend(w http.ResponseWriter, r *http.Request) error {
	var req sendRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	p := who(r)
	sid, err := ownSession(r, req.SessionID)
	if err != nil {
		return err
	}
	req.SessionID = sid
	m, err := s.svc.SendMessage(r.Context(), p.User, service.SendInput{
		SessionID: req.SessionID, Recipient: req.Recipient, Message: req.Message, MessageType: req.MessageType,
		ReplyTo: req.ReplyTo, Target: req.Target, Reaction: req.Reaction, MediaURL: req.MediaURL, Media: req.Media,
		Location: req.Location, Contact: req.Contact, Mentions: req.Mentions, MentionAll: req.MentionAll,
		ViewOnce: req.ViewOnce, ForwardOf: req.ForwardOf, LinkPreview: req.LinkPreview,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, sendResponse{Message: m})
}

// sendResponse is the answer to a send (and its replay).
type sendResponse struct {
	Message *gateway.Message `json:"message"`
}

var directions = map[string]bool{gateway.DirectionInbound: true, gateway.DirectionOutbound: true}

func (s *Server) handleMessageList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	f := gateway.MessageFilter{Page: p, SessionID: q.Get("session_id"), Direction: q.Get("direction"),
		Status: gateway.MessageStatus(q.Get("status")), Recipient: q.Get("recipient"), Type: gateway.MessageType(q.Get("message_type"))}
	if f.SessionID != "" {
		if _, err := uuid.Parse(f.SessionID); err != nil {
			return gateway.Errorf(gateway.CodeInvalid, "The session_id filter must be a UUID.")
		}
	}
	if f.Direction != "" && !directions[f.Direction] {
		return gateway.Errorf(gateway.CodeInvalid, "The direction filter must be inbound or outbound.")
	}
	if f.Status != "" && f.Status.Rank() < 0 {
		return gateway.Errorf(gateway.CodeInvalid, "The status filter must be queued, sent, delivered, read, played, failed or received.")
	}
	if f.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	if f.SessionID, err = ownSession(r, f.SessionID); err != nil {
		return err
	}
	list, err := s.svc.ListMessages(r.Context(), who(r).User.ID, f)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, listData("messages", list.Items, list.Pagination))
}

func (s *Server) handleMessageGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	m, err := s.svc.Message(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"message": m})
}
