package api

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// sendRequest is the seed's send body (session_id, recipient, message,
// message_type) with the fields of the other types.
type sendRequest struct {
	SessionID      string                     `json:"session_id" desc:"The session to send through (a session-bound key's own when left out)."`
	Recipient      string                     `json:"recipient" desc:"Who to send to: 1234567890@c.us, a bare or +-prefixed number, …@s.whatsapp.net, …@g.us, …@lid; a channel the account administers (…@newsletter); or status@broadcast (or just status) to post a status."`
	Message        string                     `json:"message" desc:"The text, or the caption of media; for edit, the new text."`
	MessageType    string                     `json:"message_type" desc:"text (default), image, video, audio, document, sticker, location, contact, reaction, edit, revoke, poll or poll_vote."`
	ReplyTo        string                     `json:"reply_to" desc:"The WhatsApp id of a message to quote."`
	Target         string                     `json:"target" desc:"The message a reaction, edit, revoke or poll_vote applies to: its id, or its WhatsApp id."`
	Reaction       string                     `json:"reaction" desc:"The emoji of a reaction; empty removes it."`
	MediaURL       string                     `json:"media_url" desc:"An https URL the gateway fetches the file from (instead of media.data)."`
	Media          *gateway.PayloadMedia      `json:"media" desc:"The file, inline (data, base64) or by url, with its type and name."`
	Location       *gateway.Location          `json:"location" desc:"The point of a location message."`
	Contact        *gateway.Contact           `json:"contact" desc:"The card of a contact message."`
	Mentions       []string                   `json:"mentions" desc:"Phone numbers or user JIDs mentioned in the text or caption (write @<number> in the text where each should show)."`
	MentionAll     bool                       `json:"mention_all" desc:"Mention every member of the group (group recipients only)."`
	ViewOnce       bool                       `json:"view_once" desc:"Image, video or audio the recipient can open once."`
	ForwardOf      string                     `json:"forward_of" desc:"Id of a stored message of yours to forward (the request then carries no content of its own)."`
	LinkPreview    *service.LinkPreviewOption `json:"link_preview" desc:"The card under the text's first link: an object {url, title, description, thumbnail_url}, or false for none; left out, the gateway makes one when it sends the text, on every engine: the title, description and og:image of the link's page, fetched through the SSRF guard (the page's first 512 KiB, an image of at most 2 MiB, within 5 s), the image sent as a small JPEG; no card when the page cannot be fetched or has no title. The card the gateway made is added to the message's payload.link_preview once it is sent."`
	Poll           *gateway.Poll              `json:"poll" desc:"The poll of a poll message: question, 2 to 12 different options, multiple_answers."`
	Votes          []string                   `json:"votes" desc:"The answers a poll_vote chooses on the poll named by target (empty withdraws the vote)."`
	StatusAudience []string                   `json:"status_audience" desc:"Status posts only: the phone numbers or user JIDs who see it; left out, the account's contacts (whatsmeow sessions: as the phone's status privacy setting chooses)."`
	StatusStyle    *gateway.StatusStyle       `json:"status_style" desc:"Text status posts only: background_color and text_color (#RRGGBB) and font."`
	SendAt         *time.Time                 `json:"send_at" desc:"Schedule the send (RFC 3339, in the future, at most 366 days ahead): the message stays scheduled until then, survives restarts and can be canceled with DELETE /messages/{message_id}."`
}

func (s *Server) handleMessageSend(w http.ResponseWriter, r *http.Request) error {
	var req sendRequest
	if err := s.decodeForSession(r, &req, &req.SessionID, ""); err != nil {
		return err
	}
	m, err := s.svc.SendMessage(r.Context(), who(r).User, service.SendInput{
		SessionID: req.SessionID, Recipient: req.Recipient, Message: req.Message, MessageType: req.MessageType,
		ReplyTo: req.ReplyTo, Target: req.Target, Reaction: req.Reaction, MediaURL: req.MediaURL, Media: req.Media,
		Location: req.Location, Contact: req.Contact, Mentions: req.Mentions, MentionAll: req.MentionAll,
		ViewOnce: req.ViewOnce, ForwardOf: req.ForwardOf, LinkPreview: req.LinkPreview, SendAt: req.SendAt,
		Poll: req.Poll, Votes: req.Votes, StatusAudience: req.StatusAudience, StatusStyle: req.StatusStyle,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, sendResponse{Message: m})
}

// sendResponse is the answer to a send (and its replay) and of GET
// /messages/{id}.
type sendResponse struct {
	Message *gateway.Message `json:"message" desc:"The message, as stored."`
}

var directions = map[string]bool{gateway.DirectionInbound: true, gateway.DirectionOutbound: true}

func (s *Server) handleMessageList(w http.ResponseWriter, r *http.Request) error {
	p, q, err := pageAndQuery(r)
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
		return gateway.Errorf(gateway.CodeInvalid, "The status filter must be scheduled, canceled, queued, sent, delivered, read, played, failed or received.")
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
	return ok(w, http.StatusOK, messageList{localMessages(langOf(r), list.Items), list.Pagination})
}

// messageDetail reads a message with its group receipts.
func (s *Server) messageDetail(ctx context.Context, userID, id string) (messageDetail, error) {
	m, err := s.svc.Message(ctx, userID, id)
	if err != nil {
		return messageDetail{}, err
	}
	receipts, err := s.svc.MessageReceipts(ctx, userID, m)
	return messageDetail{m, receipts}, err
}

// localDetail answers a message, its error in the caller's language.
func localDetail(r *http.Request, d messageDetail) any {
	return messageDetail{localMessage(langOf(r), d.Message), d.Receipts}
}

// messageDetail is one message with its group receipts.
type messageDetail struct {
	Message  *gateway.Message         `json:"message" desc:"The message, as stored."`
	Receipts []gateway.MessageReceipt `json:"receipts" desc:"For a message the session sent to a group: each participant's receipts (delivered, read, played, with their times), as their phones sent them; the message's own status follows the first participant. Empty for any other message."`
}

func sentMessage(_ *http.Request, m *gateway.Message) any { return sendResponse{m} }
func onePoll(_ *http.Request, t *gateway.PollTally) any   { return pollData{t} }

type pollData struct {
	Poll *gateway.PollTally `json:"poll" desc:"The poll with each voter's current vote and each answer's count."`
}

type messageList struct {
	Messages   []*gateway.Message `json:"messages" desc:"This page of messages, newest first."`
	Pagination service.Pagination `json:"pagination" desc:"Where this page sits in the whole list."`
}
