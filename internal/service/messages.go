package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxTextLen is the longest text WhatsApp accepts in one message.
const MaxTextLen = 65536

// SendInput is the seed's send body with the types users expect beyond text.
type SendInput struct {
	SessionID   string
	Recipient   string
	Message     string
	MessageType string
	ReplyTo     string // our message id or a WA message id
	Target      string // the message a reaction, edit or revoke applies to (our id or a WA id)
	Reaction    string
	Media       *gateway.PayloadMedia
	MediaURL    string
	Location    *gateway.Location
	Contact     *gateway.Contact
	// Mentions are numbers or user JIDs mentioned in the text or caption;
	// MentionAll mentions every participant of the group sent to.
	Mentions   []string
	MentionAll bool
	ViewOnce   bool   // image, video or audio viewable once
	ForwardOf  string // our id of a stored message whose content is sent again, marked forwarded
	// LinkPreview is the card under the text's link: given, or off.
	LinkPreview *LinkPreviewOption
	// SendAt schedules the send: the message stays scheduled until then.
	SendAt *time.Time
	// Poll is a poll's question and answers; Votes the answers a
	// poll_vote chooses on the poll Target.
	Poll  *gateway.Poll
	Votes []string
	// StatusAudience are the numbers or user JIDs a status post
	// (recipient status@broadcast) is shown to; none: the contacts.
	// StatusStyle is a text status's look.
	StatusAudience []string
	StatusStyle    *gateway.StatusStyle
}

// MaxScheduleAhead is how far ahead a send can be scheduled.
const MaxScheduleAhead = 366 * 24 * time.Hour

// MaxMentions bounds the numbers one message mentions (a large group's
// participants, given one by one).
const MaxMentions = 1024

// LinkPreviewOption is the send's link_preview: a preview object, or false
// to send none. Without it, the session's worker makes the preview of the
// text's first link when it sends (internal/linkpreview), on every engine.
type LinkPreviewOption struct {
	Off     bool
	Preview *gateway.LinkPreview
	// bad is why the JSON given is neither, reported by SendMessage as a
	// validation error naming the field (an error from UnmarshalJSON would
	// be answered as malformed JSON).
	bad string
}

// UnmarshalJSON reads false (off), null (nothing) or a preview object.
func (o *LinkPreviewOption) UnmarshalJSON(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "false":
		o.Off = true
		return nil
	case "true":
		o.bad = "Give the preview as {url, title, description, thumbnail_url}, or false; leave it out for the gateway to make one."
		return nil
	case "null":
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p gateway.LinkPreview
	if err := dec.Decode(&p); err != nil {
		o.bad = "Give the preview as an object {url, title, description, thumbnail_url}, or false."
		return nil
	}
	o.Preview = &p
	return nil
}

var mediaTypes = map[gateway.MessageType]bool{
	gateway.TypeImage: true, gateway.TypeVideo: true, gateway.TypeAudio: true, gateway.TypeDocument: true, gateway.TypeSticker: true,
}

// SendMessage validates and persists an outbound message as queued, then
// tells the session's worker. The answer comes after the message is stored,
// so an accepted message is never lost: if the worker cannot be told now,
// it finds the message in its queue when it (re)connects.
func (s *Service) SendMessage(ctx context.Context, u *gateway.User, in SendInput) (*gateway.Message, error) {
	fields := map[string]string{}
	if in.SessionID == "" {
		fields["session_id"] = "Give the session to send from."
	} else if _, err := uuid.Parse(in.SessionID); err != nil {
		fields["session_id"] = "The session id must be a UUID."
	}
	rcpt, err := gateway.ParseRecipient(in.Recipient)
	if err != nil {
		fields["recipient"] = gateway.ErrorMessage(err)
	}
	if in.ForwardOf != "" {
		if err := s.forwardContent(ctx, u, &in, fields); err != nil {
			return nil, err
		}
		if fields["forward_of"] != "" {
			// The content's own checks would only repeat what is missing.
			return nil, gateway.ValidationError(fields)
		}
	}
	typ := gateway.MessageType(strings.TrimSpace(in.MessageType))
	if typ == "" {
		typ = gateway.TypeText
	}
	payload := gateway.MessagePayload{Forwarded: in.ForwardOf != ""}
	body := in.Message
	switch {
	case typ == gateway.TypeText:
		if strings.TrimSpace(body) == "" {
			fields["message"] = "Give the text to send."
		}
	case mediaTypes[typ]:
		m := in.Media
		if m == nil {
			m = &gateway.PayloadMedia{}
		}
		if in.MediaURL != "" {
			m.URL = in.MediaURL
		}
		if m.Caption == "" {
			m.Caption = body
		}
		// Where a file is kept and its hash are the server's to fill, never
		// the client's: a client-set path would make the worker read it.
		m.Path, m.SHA256, m.Size = "", "", 0
		if m.URL == "" && len(m.Data) == 0 {
			fields["media"] = "Give the media's URL (http or https) or its bytes as base64 in media.data."
		} else if m.URL != "" && len(m.Data) > 0 {
			fields["media"] = "Give the media's URL or its data, not both."
		} else if m.URL == "" {
			if m.MIMEType == "" {
				fields["media.mime_type"] = "Give the MIME type of inline media (image/jpeg, say)."
			}
			m.Size = int64(len(m.Data))
		} else if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fields["media.url"] = "The media URL must be an absolute http or https URL."
		}
		if typ == gateway.TypeAudio && m.Voice && m.URL != "" && !oggType(m.MIMEType) && (!s.cfg.Voice.Enabled() || s.media == nil) {
			// With AUDIO_CONVERTER the gateway fetches and converts it
			// (convertMedia); without, a URL declared as other audio is
			// refused now rather than failing when the worker fetches it.
			fields["media.mime_type"] = convert.VoiceURLNotOpus
		}
		if typ == gateway.TypeDocument && m.FileName == "" && m.URL != "" {
			m.FileName = fileNameOf(m.URL)
		}
		payload.Media = m
	case typ == gateway.TypeLocation:
		l := in.Location
		if l == nil || math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
			fields["location"] = "Give latitude (-90 to 90) and longitude (-180 to 180)."
		}
		payload.Location = l
	case typ == gateway.TypeContact:
		c := in.Contact
		if c == nil || strings.TrimSpace(c.Name) == "" {
			fields["contact.name"] = "Give the contact's name."
		}
		if c != nil {
			if p, err := gateway.NormalizePhone(c.Phone); err != nil {
				fields["contact.phone"] = gateway.ErrorMessage(err)
			} else {
				c.Phone = p
			}
		}
		payload.Contact = c
	case typ == gateway.TypeReaction, typ == gateway.TypeEdit, typ == gateway.TypeRevoke:
		if in.Target == "" {
			fields["target"] = "Give the id of the message this " + string(typ) + " applies to."
		}
		if typ == gateway.TypeReaction {
			if utf8.RuneCountInString(in.Reaction) > 8 {
				fields["reaction"] = "A reaction is one emoji (empty removes it)."
			}
			payload.Reaction = in.Reaction
		}
		if typ == gateway.TypeEdit && strings.TrimSpace(body) == "" {
			fields["message"] = "Give the new text."
		}
	case typ == gateway.TypePoll:
		if p := checkPoll(in.Poll, fields); p != nil {
			payload.Poll, body = p, p.Question
		}
	case typ == gateway.TypePollVote:
		if in.Target == "" {
			fields["target"] = "Give the id of the poll to vote on (its message id, or its WhatsApp id)."
		}
		if len(in.Votes) > gateway.MaxPollOptions {
			fields["votes"] = "A vote chooses at most 12 answers."
		}
	default:
		fields["message_type"] = "Unknown message type " + quote(string(typ)) + "; use text, image, video, audio, document, sticker, location, contact, reaction, edit, revoke, poll or poll_vote."
	}
	if typ != gateway.TypePoll && in.Poll != nil {
		fields["poll"] = "A poll goes with message_type poll."
	}
	if typ != gateway.TypePollVote && in.Votes != nil {
		fields["votes"] = "Votes go with message_type poll_vote."
	}
	if utf8.RuneCountInString(body) > MaxTextLen {
		fields["message"] = "The text must be at most 65536 characters."
	}
	sendOptions(typ, rcpt, body, in, &payload, fields)
	statusOptions(typ, rcpt, in, &payload, fields)
	now := s.now()
	status := gateway.MessageQueued
	var sendAt *time.Time
	if in.SendAt != nil {
		at := in.SendAt.UTC().Truncate(time.Microsecond)
		switch {
		case !at.After(now):
			fields["send_at"] = "The time to send at must be in the future; leave send_at out to send now."
		case at.Sub(now) > MaxScheduleAhead:
			fields["send_at"] = "A send can be scheduled at most 366 days ahead."
		}
		status, sendAt = gateway.MessageScheduled, &at
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if err := s.convertMedia(ctx, typ, payload.Media); err != nil {
		return nil, err
	}
	if payload.Media != nil && payload.Media.Size > 0 {
		if err := s.checkMediaSize(ctx, u, payload.Media.Size); err != nil {
			return nil, err
		}
	}
	if s.cfg.EnableEmailVerification && !u.EmailVerified {
		return nil, gateway.Errorf(gateway.CodeForbidden, "Verify your email address before sending messages: POST /api/v1/auth/verify-email/request sends the link again.")
	}
	target, err := s.readyToSend(ctx, u.ID, in.SessionID)
	if err != nil {
		return nil, err
	}
	sessionID := target.id
	if err := checkStatusEngine(&gateway.Session{Engine: target.engine}, &payload); err != nil {
		return nil, err
	}
	replyTo, err := s.resolveWAID(ctx, u.ID, in.ReplyTo, "reply_to")
	if err != nil {
		return nil, err
	}
	if typ == gateway.TypePollVote {
		if payload.Target, payload.Votes, err = s.checkVote(ctx, u.ID, sessionID, rcpt, in.Target, in.Votes); err != nil {
			return nil, err
		}
	} else if payload.Target, err = s.resolveWAID(ctx, u.ID, in.Target, "target"); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The message could not be stored.")
	}
	if string(raw) == "{}" {
		raw = nil
	}
	m := &gateway.Message{
		ID: gateway.NewRowID(), UserID: u.ID, SessionID: sessionID, Direction: gateway.DirectionOutbound, Type: typ,
		Recipient: rcpt.JID, Chat: rcpt.JID, IsGroup: rcpt.IsGroup(), Body: body, Payload: raw, ReplyTo: replyTo,
		Status: status, WAMessageID: gateway.NewWAMessageID(), CreatedAt: now, UpdatedAt: now,
		RequestID: gateway.RequestID(ctx), SendAt: sendAt,
	}
	if typ == gateway.TypePoll {
		// Chosen now and stored, so a resend after a crash keeps the poll's
		// key and the votes cast on the first copy still open.
		m.Secret = gateway.NewPollSecret()
	}
	if err := s.storeOutbound(ctx, u, m); err != nil {
		return nil, err
	}
	// A scheduled message is nudged too: the worker then knows when the
	// next scheduled send is due and wakes for it.
	s.nudge(ctx, sessionID, m.ID)
	return m, nil
}

// sendTarget is what a send needs of its session once found ready.
type sendTarget struct {
	id     string // as stored
	engine string // fixed when the session is created
}

// readyToSend checks that the session is the tenant's, not logged out, and
// has a running instance, and returns its stored id and engine. A session
// found ready is taken as such for SendCheckTTL: every change of it or of
// its instances forgets that at once (sessionChanged, ForgetSession). A
// send that races a change is stored as before (the check and the insert
// were never one transaction): the message waits queued for a worker.
func (s *Service) readyToSend(ctx context.Context, userID, sessionID string) (sendTarget, error) {
	return s.sendable.Get(ctx, userID, sessionID, func(ctx context.Context) (sendTarget, error) {
		sess, err := s.Session(ctx, userID, sessionID)
		if err != nil {
			return sendTarget{}, err
		}
		if sess.Status == gateway.SessionLoggedOut {
			return sendTarget{}, gateway.Errorf(gateway.CodeConflict, "The session is logged out; pair it again before sending.")
		}
		if _, err := s.instances.LiveInstance(ctx, userID, sess.ID); gateway.IsCode(err, gateway.CodeNotFound) {
			return sendTarget{}, gateway.Errorf(gateway.CodeConflict, "The session has no running instance; start one with POST /api/v1/instances.")
		} else if err != nil {
			return sendTarget{}, err
		}
		return sendTarget{id: sess.ID, engine: sess.Engine}, nil
	}, func(sendTarget) bool { return true })
}

// CancelMessage cancels one of the caller's scheduled messages; a
// message.status event says it is canceled. CodeConflict once it left
// scheduled (queued, sent or canceled already).
func (s *Service) CancelMessage(ctx context.Context, userID, id string) (*gateway.Message, error) {
	at := s.now()
	m, err := s.messages.CancelScheduled(ctx, userID, id, at, func(m *gateway.Message) []*gateway.Event {
		ev := gateway.NewEvent(userID, m.SessionID, gateway.EventMessageStatus, gateway.MessageStatusData{
			MessageID: m.ID, WAMessageID: m.WAMessageID, SessionID: m.SessionID, Recipient: m.Recipient,
			Status: m.Status, At: at,
		})
		ev.RequestID = gateway.RequestID(ctx)
		return []*gateway.Event{ev}
	})
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Message")
	}
	if err != nil {
		return nil, err
	}
	// The payload is not read back by the update; the caller gets it whole.
	return s.Message(ctx, userID, m.ID)
}

// captioned are the types whose text or caption can mention people.
var captioned = map[gateway.MessageType]bool{gateway.TypeText: true, gateway.TypeImage: true, gateway.TypeVideo: true, gateway.TypeDocument: true}

// peopleJIDs reads list, the field named field: people (phone numbers, user
// or LID JIDs), answered as JIDs without repeats. An entry that is no
// person is refused in fields with notPerson.
func peopleJIDs(field string, list []string, notPerson string, fields map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for i, a := range list {
		r, err := gateway.ParseRecipient(a)
		switch {
		case err != nil:
			fields[fmt.Sprintf("%s[%d]", field, i)] = gateway.ErrorMessage(err)
		case r.Server != gateway.ServerUser && r.Server != gateway.ServerLID:
			fields[fmt.Sprintf("%s[%d]", field, i)] = notPerson
		case !seen[r.JID]:
			seen[r.JID] = true
			out = append(out, r.JID)
		}
	}
	return out
}

// sendOptions validates the options of a send that apply across types
// (mentions, view-once, link preview) and sets them on the payload.
func sendOptions(typ gateway.MessageType, rcpt gateway.Recipient, body string, in SendInput, p *gateway.MessagePayload, fields map[string]string) {
	if (len(in.Mentions) > 0 || in.MentionAll) && !captioned[typ] {
		fields["mentions"] = "Mentions go on text and on the caption of an image, video or document."
	}
	if len(in.Mentions) > MaxMentions {
		fields["mentions"] = "At most 1024 mentions."
	}
	p.Mentions = append(p.Mentions, peopleJIDs("mentions", in.Mentions, "Only people can be mentioned, not groups.", fields)...)
	if in.MentionAll {
		if rcpt.JID != "" && !rcpt.IsGroup() {
			fields["mention_all"] = "mention_all mentions a group's participants; the recipient is not a group."
		}
		p.MentionAll = true
	}
	if in.ViewOnce {
		if typ != gateway.TypeImage && typ != gateway.TypeVideo && typ != gateway.TypeAudio {
			fields["view_once"] = "Only an image, video or audio can be view-once."
		}
		p.ViewOnce = true
	}
	if lp := in.LinkPreview; lp != nil && lp.Off {
		p.NoLinkPreview = true
	}
	if lp := in.LinkPreview; lp != nil && lp.bad != "" {
		fields["link_preview"] = lp.bad
	}
	if lp := in.LinkPreview; lp != nil && lp.Preview != nil {
		pv := *lp.Preview
		switch {
		case typ != gateway.TypeText:
			fields["link_preview"] = "A link preview goes on a text message."
		case !isHTTPURL(pv.URL):
			fields["link_preview.url"] = "Give the previewed link as an absolute http or https URL."
		case !strings.Contains(body, pv.URL):
			fields["link_preview.url"] = "The previewed URL must appear in the text."
		}
		if utf8.RuneCountInString(pv.Title) > 1024 {
			fields["link_preview.title"] = "The title must be at most 1024 characters."
		}
		if utf8.RuneCountInString(pv.Description) > 4096 {
			fields["link_preview.description"] = "The description must be at most 4096 characters."
		}
		if pv.ThumbnailURL != "" && !isHTTPURL(pv.ThumbnailURL) {
			fields["link_preview.thumbnail_url"] = "The thumbnail URL must be an absolute http or https URL."
		}
		if len(pv.Thumbnail) > 0 {
			// The picture is made by the gateway, bounded and re-encoded,
			// from a URL fetched through the SSRF guard; bytes given here
			// would travel unchecked in every copy of the message.
			fields["link_preview.thumbnail"] = "Give the card's picture as link_preview.thumbnail_url; the gateway makes the thumbnail from it."
		}
		p.LinkPreview = &pv
	}
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// forwardContent fills in with the content of the caller's stored message
// in.ForwardOf: its type, text and payload. The request itself must carry
// no content of its own.
func (s *Service) forwardContent(ctx context.Context, u *gateway.User, in *SendInput, fields map[string]string) error {
	userID := u.ID
	if in.Message != "" || in.Media != nil || in.MediaURL != "" || in.Location != nil || in.Contact != nil ||
		(in.MessageType != "" && in.MessageType != "forward") {
		fields["forward_of"] = "A forward sends the stored message's content; give no message, message_type, media, location or contact with it."
		return nil
	}
	if _, err := uuid.Parse(in.ForwardOf); err != nil {
		fields["forward_of"] = "Give the id of one of your stored messages (a UUID)."
		return nil
	}
	src, err := s.messages.MessageByID(ctx, userID, in.ForwardOf)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		fields["forward_of"] = "No message with this id."
		return nil
	}
	if err != nil {
		return err
	}
	p, err := gateway.ParsePayload(src.Payload)
	if err != nil {
		return err
	}
	switch {
	case p.ViewOnce:
		// WhatsApp does not let a view-once message be forwarded either.
		fields["forward_of"] = "A view-once message cannot be forwarded."
		return nil
	case src.Type == gateway.TypeText, src.Type == gateway.TypeLocation, src.Type == gateway.TypeContact:
	case mediaTypes[src.Type]:
		if p.Media == nil {
			fields["forward_of"] = "The message has no media to forward."
			return nil
		}
		md := *p.Media
		if md.URL == "" && len(md.Data) == 0 {
			// Received media: sent again from the stored file, inline, as
			// the send queue keeps media given as bytes.
			data, err := s.storedMedia(ctx, u, src.ID)
			if gateway.IsCode(err, gateway.CodeNotFound) {
				fields["forward_of"] = "The media of this message is not stored (yet), so it cannot be forwarded."
				return nil
			}
			if err != nil {
				return err
			}
			md.Data = data
		}
		md.Path, md.SHA256, md.Size = "", "", 0
		in.Media = &md
	default:
		fields["forward_of"] = "Only a text, media, location or contact message can be forwarded, not a " + string(src.Type) + "."
		return nil
	}
	in.MessageType, in.Message, in.Location, in.Contact = string(src.Type), src.Body, p.Location, p.Contact
	return nil
}

// maxForwardedMedia bounds a stored file read to be forwarded when the plan
// sets no media limit; the file goes inline into the send queue.
const maxForwardedMedia = 100 << 20

// storedMedia reads the stored file of one of u's received messages, at
// most the plan's media size (CodeTooLarge beyond).
func (s *Service) storedMedia(ctx context.Context, u *gateway.User, messageID string) ([]byte, error) {
	f, err := s.MessageMedia(ctx, u.ID, messageID)
	if err != nil {
		return nil, err
	}
	defer f.Body.Close()
	limit := int64(maxForwardedMedia)
	if plan, err := s.cachedPlanOf(ctx, u); err == nil && plan.Limits.MediaBytes >= 0 && plan.Limits.MediaBytes < limit {
		limit = plan.Limits.MediaBytes
	}
	data, err := io.ReadAll(io.LimitReader(f.Body, limit+1))
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The stored media could not be read.")
	}
	if int64(len(data)) > limit {
		return nil, gateway.Errorf(gateway.CodeTooLarge, "The media to forward is larger than %d bytes.", limit)
	}
	return data, nil
}

// nudge tells the session's worker a message is queued, in the background
// and coalesced (see nudger). A failure loses nothing: the worker drains its
// queue on every (re)connect.
func (s *Service) nudge(ctx context.Context, sessionID, messageID string) {
	// The server's lifetime context, carrying the request's id to the worker's logs.
	s.nudges.nudge(gateway.WithRequestID(s.bg, gateway.RequestID(ctx)), sessionID, messageID)
}

// callWorkerSend is the nudger's call: find the worker, tell it.
func (s *Service) callWorkerSend(ctx context.Context, sessionID, messageID string) error {
	ep, err := s.registry.Endpoint(ctx, sessionID)
	if err == nil {
		err = s.workers.Send(ctx, ep, messageID)
	}
	if err != nil {
		s.log.Debug("nudge worker", "session_id", sessionID, "message_id", messageID, "err", err)
	}
	return err
}

// resolveWAID turns our message id into its WA message id; other strings
// are taken as WA message ids.
func (s *Service) resolveWAID(ctx context.Context, userID, id, field string) (string, error) {
	if id == "" {
		return "", nil
	}
	if _, err := uuid.Parse(id); err != nil {
		if len(id) > 128 {
			return "", gateway.ValidationError(map[string]string{field: "The message id is too long."})
		}
		return id, nil
	}
	m, err := s.messages.MessageByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return "", gateway.ValidationError(map[string]string{field: "No message with this id."})
	}
	if err != nil {
		return "", err
	}
	if m.WAMessageID == "" {
		return "", gateway.ValidationError(map[string]string{field: "That message has no WhatsApp id yet."})
	}
	return m.WAMessageID, nil
}

func fileNameOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "file"
	}
	p := u.Path
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return "file"
	}
	return p
}

// ListMessages lists the caller's messages by filter.
func (s *Service) ListMessages(ctx context.Context, userID string, f gateway.MessageFilter) (List[*gateway.Message], error) {
	f.Page = f.Page.Normalize()
	if f.Recipient != "" {
		if r, err := gateway.ParseRecipient(f.Recipient); err == nil {
			f.Recipient = r.JID
		}
	}
	items, total, err := s.messages.ListMessages(ctx, userID, f)
	if err != nil {
		return List[*gateway.Message]{}, err
	}
	return newList(items, total, f.Page), nil
}

// MessagesOfRequest returns the messages the API request requestID stored
// at or after since: what a send cut by a crash had committed.
func (s *Service) MessagesOfRequest(ctx context.Context, userID, requestID string, since time.Time) ([]*gateway.Message, error) {
	return s.messages.MessagesByRequest(ctx, userID, requestID, since)
}

// Message returns one of the caller's messages.
// MessageReceipts lists the participants' receipts of one of the caller's
// messages sent to a group; none for any other message.
func (s *Service) MessageReceipts(ctx context.Context, userID string, m *gateway.Message) ([]gateway.MessageReceipt, error) {
	out := []gateway.MessageReceipt{}
	if !m.IsGroup || m.Direction != gateway.DirectionOutbound || s.receipts == nil {
		return out, nil
	}
	rs, err := s.receipts.MessageReceipts(ctx, userID, m.ID)
	if err != nil {
		return nil, err
	}
	return append(out, rs...), nil
}

func (s *Service) Message(ctx context.Context, userID, id string) (*gateway.Message, error) {
	m, err := s.messages.MessageByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Message")
	}
	return m, err
}

// messageAndPayload is one of the caller's messages with its payload read.
func (s *Service) messageAndPayload(ctx context.Context, userID, id string) (*gateway.Message, *gateway.MessagePayload, error) {
	m, err := s.Message(ctx, userID, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := gateway.ParsePayload(m.Payload)
	return m, p, err
}
