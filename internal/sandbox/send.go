package sandbox

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxTextLength is the longest text WhatsApp accepts, in characters.
const MaxTextLength = 65536

// Send validates m, "sends" it and returns the server's acceptance; the
// receipts follow as events. CodeValidation for bad content, CodeUnavailable
// when the engine is not connected or the directory cannot be read (the
// message may be retried).

// errNotConnected is the refusal of every operation that needs the
// sandbox session connected.
func errNotConnected() error {
	return gateway.Errorf(gateway.CodeUnavailable, "The sandbox session is not connected.")
}

func (e *Engine) Send(ctx context.Context, m *gateway.OutboundMessage) (gateway.SendResult, error) {
	to, err := validate(m)
	if err != nil {
		return gateway.SendResult{}, err
	}
	var vote *sealedVote
	if m.Type == gateway.TypePollVote {
		if vote, err = e.sealVote(ctx, m); err != nil {
			return gateway.SendResult{}, err
		}
	}
	if m.MentionAll {
		// As whatsmeow does: the group's members now, read at send time.
		if m.Mentions, err = e.groupMentions(ctx, to, m.Mentions); err != nil {
			return gateway.SendResult{}, err
		}
	}
	var viewers []string
	outside := false
	if to.IsChannel() {
		if viewers, err = e.postToChannel(ctx, m, time.Now()); err != nil {
			return gateway.SendResult{}, err
		}
	}
	if to.IsStatus() {
		if viewers, outside, err = e.statusAudience(ctx, m); err != nil {
			return gateway.SendResult{}, err
		}
	}
	phone := to.Phone()
	peer, err := e.peer(ctx, phone)
	if err != nil {
		return gateway.SendResult{}, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox network is unavailable.")
	}
	var members []string // a group's members that are sandbox sessions
	if to.IsGroup() {
		if members, err = e.groupPeers(ctx, to.JID); err != nil {
			return gateway.SendResult{}, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox network is unavailable.")
		}
	}
	e.mu.Lock()
	defer e.unlock()
	if !e.connected {
		return gateway.SendResult{}, errNotConnected()
	}
	id := m.WAMessageID
	if id == "" {
		id = gateway.NewWAMessageID()
	}
	now := time.Now().UTC()
	e.lastSeen = now
	env := Envelope{
		ID:        id,
		FromPhone: e.phone,
		FromLID:   e.lid,
		PushName:  e.pushName,
		Type:      m.Type,
		Text:      m.Text,
		Location:  m.Location,
		Contact:   m.Contact,
		ReplyTo:   m.ReplyTo,
		Target:    m.Target,
		Reaction:  m.Reaction,
		Mentions:  m.Mentions, ViewOnce: m.ViewOnce, Forwarded: m.Forwarded, LinkPreview: m.LinkPreview,
		Poll: m.Poll, Secret: m.Secret, StatusStyle: m.StatusStyle,
		Timestamp: now,
	}
	if vote != nil {
		env.VotePayload, env.VoteIV = vote.payload, vote.iv
	}
	if m.Media != nil {
		md := *m.Media
		md.Data, md.Path = nil, ""
		env.Media = &md
		env.MediaData = m.Media.Data
	}
	if to.IsChannel() {
		// Handed to each follower once: the channel's history keeps the post.
		env.Chat = to.JID
		for _, p := range viewers {
			e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, p, env) })
		}
		return gateway.SendResult{WAMessageID: id, Timestamp: now}, nil
	}
	if to.IsStatus() {
		e.postStatusLocked(id, env, viewers, outside)
		return gateway.SendResult{WAMessageID: id, Timestamp: now}, nil
	}
	if len(members) > 0 {
		// Each member's phone gets the message and acknowledges it for
		// itself, so the sender learns who has it and who read it.
		env.Group = to.JID
		for _, p := range members {
			key := groupCopy(id, p)
			o := &outgoing{to: p, env: env}
			e.outbox[key] = o
			e.deliverLocked(o)
			e.retryLocked(key, o)
		}
		return gateway.SendResult{WAMessageID: id, Timestamp: now}, nil
	}
	if !peer {
		e.scheduleReceiptsLocked(id, to.JID, phone, env.voice())
		return gateway.SendResult{WAMessageID: id, Timestamp: now, RecipientLID: recipientLID(to)}, nil
	}
	// The server has accepted the message; the peer's receipts say whether
	// its phone got it, and until one does the message is offered again.
	o := &outgoing{to: phone, env: env}
	e.outbox[id] = o
	e.deliverLocked(o)
	e.retryLocked(id, o)
	return gateway.SendResult{WAMessageID: id, Timestamp: now, RecipientLID: recipientLID(to)}, nil
}

// groupCopy is the outbox key of a group message's copy for one member.
func groupCopy(id, phone string) string { return id + "|" + phone }

// groupPeers lists the members of a group the account is in that are the
// tenant's other sandbox sessions, whose phones get its messages over the
// network. None when the group is not one of the sandbox's (or the account
// is not in it): such a message gets timed receipts, as to any number.
func (e *Engine) groupPeers(ctx context.Context, jid string) ([]string, error) {
	if e.opts.Network == nil {
		return nil, nil
	}
	me, err := e.me()
	if err != nil {
		return nil, nil // Send reports the lost connection
	}
	g, err := e.group(ctx, jid, me)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for p := range g.Members {
		if p == me {
			continue
		}
		peer, err := e.peer(ctx, p)
		if err != nil {
			return nil, err
		}
		if peer {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// peer reports whether phone is one of the tenant's sandbox sessions, whose
// messages go over the network.
func (e *Engine) peer(ctx context.Context, phone string) (bool, error) {
	if e.opts.Network == nil || phone == "" || NotOnWhatsApp(phone) {
		return false, nil
	}
	return e.opts.Directory.Holds(ctx, e.cfg.UserID, phone)
}

// deliverLocked hands a waiting message to the network once the lock is released.
func (e *Engine) deliverLocked(o *outgoing) {
	to, env := o.to, o.env
	e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, to, env) })
}

// retryLocked offers a message again after RetryDelay while no receipt has
// acknowledged it, MaxRetries times; after that it waits for the peer to
// come back online.
func (e *Engine) retryLocked(id string, o *outgoing) {
	if o.tries >= e.opts.MaxRetries {
		return
	}
	e.afterLocked(e.opts.RetryDelay, func() {
		if e.outbox[id] != o {
			return
		}
		o.tries++
		e.deliverLocked(o)
		e.retryLocked(id, o)
	})
}

// publishLocked runs a network call once the lock is released (a bus may
// call back into the engine); a failure is only logged, since what was not
// acknowledged is offered again.
func (e *Engine) publishLocked(call func(ctx context.Context) error) {
	ctx := e.hctx
	e.afterUnlock = append(e.afterUnlock, func() {
		if err := call(ctx); err != nil {
			e.log.Warn("sandbox network", "error", err)
		}
	})
}

// scheduleReceiptsLocked plays a sent message's receipts: failed for a
// number not on WhatsApp, else delivered then read (played for a voice note).
func (e *Engine) scheduleReceiptsLocked(id, chat, phone string, voice bool) {
	if e.opts.DeliveryDelay < 0 {
		return
	}
	receipt := func(st gateway.MessageStatus, reason string) gateway.EvReceipt {
		return gateway.EvReceipt{WAMessageIDs: []string{id}, Chat: chat, Status: st, Reason: reason, At: time.Now().UTC()}
	}
	if phone != "" && NotOnWhatsApp(phone) {
		e.afterLocked(e.opts.DeliveryDelay, func() {
			e.offerLocked(receipt(gateway.MessageFailed, NotOnWhatsAppReason), 0, nil)
		})
		return
	}
	e.afterLocked(e.opts.DeliveryDelay, func() {
		// The recipient reads what it has; the read follows the stored delivery.
		e.offerLocked(receipt(gateway.MessageDelivered, ""), 0, func() {
			if e.opts.ReadDelay < 0 {
				return
			}
			e.afterLocked(e.opts.ReadDelay, func() {
				e.offerLocked(receipt(readStatus(voice), ""), 0, nil)
			})
		})
	})
}

// readStatus is what a recipient's reading makes of a message: read, or
// played for a voice note.
func readStatus(voice bool) gateway.MessageStatus {
	if voice {
		return gateway.MessagePlayed
	}
	return gateway.MessageRead
}

// receive handles an envelope from the network. A message becomes
// EvInbound and is acknowledged to its sender once stored: "delivered",
// then "read" ("played") after ReadDelay. A receipt moves the message it
// acknowledges forward. An announcement that a peer is back offers again
// what waits for it.
func (e *Engine) receive(gen uint64, env Envelope) {
	var vote *gateway.EvPollVote
	if env.Kind == KindMessage && env.Type == gateway.TypePollVote {
		// Opened before taking the lock: it reads the poll from the store.
		vote = e.openVote(env)
	}
	e.mu.Lock()
	defer e.unlock()
	if e.gen != gen || !e.connected {
		return
	}
	switch env.Kind {
	case KindMessage:
		if env.Group == "" && e.blocked[env.FromPhone] {
			// WhatsApp does not deliver a blocked user's direct messages:
			// no event, no receipt, the message stays "sent" at the sender.
			return
		}
		var ev gateway.EngineEvent = gateway.EvInbound{Message: inboundOf(env)}
		if env.Type == gateway.TypePollVote {
			if vote == nil {
				return // not readable here: WhatsApp's phone drops it too
			}
			ev = *vote
		}
		e.lastSeen = time.Now()
		from := env.FromPhone
		if gateway.IsChannelJID(env.Chat) {
			e.offerLocked(ev, 0, nil) // channel posts have no receipts
			return
		}
		group := env.Group
		e.offerLocked(ev, 0, func() {
			e.acknowledgeLocked(from, group, env.ID, gateway.MessageDelivered)
			switch {
			case e.opts.ReadDelay == 0:
				e.acknowledgeLocked(from, group, env.ID, readStatus(env.voice()))
			case e.opts.ReadDelay > 0:
				e.afterLocked(e.opts.ReadDelay, func() { e.acknowledgeLocked(from, group, env.ID, readStatus(env.voice())) })
			}
		})
	case KindReceipt:
		e.lastSeen = time.Now()
		r := gateway.EvReceipt{WAMessageIDs: []string{env.ID}, Chat: env.FromPhone + "@" + gateway.ServerUser,
			Status: env.Status, At: time.Now().UTC()}
		if env.Group != "" {
			// One member's receipt of a group message.
			delete(e.outbox, groupCopy(env.ID, env.FromPhone))
			r.Chat, r.Participant, r.ParticipantPhone, r.ParticipantLID = env.Group, env.FromPhone+"@"+gateway.ServerUser, env.FromPhone, env.FromLID
		} else {
			delete(e.outbox, env.ID)
			delete(e.outbox, statusKey(env.ID, env.FromPhone))
		}
		e.offerLocked(r, 0, nil)
	case KindGroup:
		e.lastSeen = time.Now()
		e.receiveGroupLocked(env)
	case KindPresence:
		e.offerLocked(presenceOf(env), 0, nil)
	case KindCall:
		e.lastSeen = time.Now()
		e.receiveCallLocked(env)
	case KindProfile:
		if env.FromPhone != e.phone {
			e.offerLocked(gateway.EvContactUpdate{Data: gateway.ContactUpdateData{Contact: env.FromPhone + "@" + gateway.ServerUser,
				Change: env.Change, Value: env.Text}}, 0, nil)
		}
	case KindOnline:
		for _, o := range e.outbox {
			if o.to == env.FromPhone {
				e.deliverLocked(o)
			}
		}
	}
}

// acknowledgeLocked sends a receipt for message id (sent to group, when
// not "") to the peer that sent it.
func (e *Engine) acknowledgeLocked(to, group, id string, st gateway.MessageStatus) {
	env := Envelope{Kind: KindReceipt, ID: id, FromPhone: e.phone, FromLID: e.lid, Group: group, Status: st, Timestamp: time.Now().UTC()}
	e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, to, env) })
}

// offerLocked queues ev for the handler. When the handler does not persist
// it, the engine offers it again after RetryDelay, MaxRetries times in all,
// as WhatsApp redelivers what was not acknowledged; stored runs under the
// lock once the handler has persisted it.
func (e *Engine) offerLocked(ev gateway.EngineEvent, attempt int, stored func()) {
	gen := e.gen
	e.emitLocked(ev, func(err error) {
		e.mu.Lock()
		defer e.unlock()
		if e.gen != gen {
			return
		}
		if err == nil {
			if stored != nil {
				stored()
			}
			return
		}
		kind, ids := describe(ev)
		if attempt+1 >= e.opts.MaxRetries {
			e.log.Error("sandbox event dropped after retries",
				"event", kind, "wa_message_ids", ids, "error", err)
			return
		}
		e.log.Warn("sandbox event not persisted; offering it again",
			"event", kind, "wa_message_ids", ids, "error", err)
		e.afterLocked(e.opts.RetryDelay, func() { e.offerLocked(ev, attempt+1, stored) })
	})
}

// describe names an offered event and its messages for the logs.
func describe(ev gateway.EngineEvent) (string, []string) {
	switch ev := ev.(type) {
	case gateway.EvInbound:
		return "inbound", []string{ev.Message.WAMessageID}
	case gateway.EvReceipt:
		return "receipt " + string(ev.Status), ev.WAMessageIDs
	}
	return fmt.Sprintf("%T", ev), nil
}

func inboundOf(env Envelope) *gateway.InboundMessage {
	sender := env.FromPhone + "@" + gateway.ServerUser
	in := &gateway.InboundMessage{
		WAMessageID: env.ID,
		Chat:        sender,
		Sender:      sender,
		SenderPhone: env.FromPhone,
		SenderLID:   env.FromLID,
		PushName:    env.PushName,
		Type:        env.Type,
		Text:        env.Text,
		Location:    env.Location,
		Contact:     env.Contact,
		ReplyTo:     env.ReplyTo,
		Target:      env.Target,
		Reaction:    env.Reaction,
		Mentions:    env.Mentions,
		ViewOnce:    env.ViewOnce,
		Forwarded:   env.Forwarded,
		LinkPreview: env.LinkPreview,
		Poll:        env.Poll,
		Secret:      env.Secret,
		StatusStyle: env.StatusStyle,
		Timestamp:   env.Timestamp,
	}
	switch {
	case env.Group != "":
		in.Chat, in.IsGroup = env.Group, true
	case env.Chat == gateway.StatusJID:
		// A contact's status post: the chat is status@broadcast.
		in.Chat = gateway.StatusJID
	case gateway.IsChannelJID(env.Chat):
		// A channel's post comes from the channel, not from its admin.
		in.Chat, in.Sender, in.SenderPhone, in.SenderLID, in.PushName = env.Chat, env.Chat, "", "", ""
	}
	if env.Media != nil {
		md := *env.Media
		md.Data = env.MediaData
		in.Media = &md
		if in.Text == "" {
			in.Text = md.Caption
		}
	}
	return in
}

// CheckNumbers reports which numbers are on WhatsApp: all but those ending
// in 0000. CodeValidation for a malformed number, CodeUnavailable when not
// connected.
func (e *Engine) CheckNumbers(_ context.Context, phones []string) ([]gateway.NumberCheck, error) {
	if err := e.requireConnected(); err != nil {
		return nil, err
	}
	out := make([]gateway.NumberCheck, 0, len(phones))
	for _, raw := range phones {
		p, err := gateway.NormalizePhone(raw)
		if err != nil {
			return nil, err
		}
		c := gateway.NumberCheck{Phone: p, OnWA: !NotOnWhatsApp(p)}
		if c.OnWA {
			c.JID = p + "@" + gateway.ServerUser
		}
		out = append(out, c)
	}
	return out, nil
}

// MarkRead accepts read receipts for a chat. The sandbox's peers play their
// receipts on timers, so there is nothing more to send.
func (e *Engine) MarkRead(_ context.Context, r gateway.ReadReceipt) error {
	if _, err := gateway.ParseRecipient(r.Chat); err != nil {
		return err
	}
	if len(r.WAMessageIDs) == 0 {
		return gateway.ValidationError(map[string]string{"message_ids": "Give at least one message id."})
	}
	return e.requireConnected()
}

// SetTyping accepts a typing indicator for a chat; nobody watches it in the sandbox.
func (e *Engine) SetTyping(_ context.Context, chat string, _, _ bool) error {
	if _, err := gateway.ParseRecipient(chat); err != nil {
		return err
	}
	return e.requireConnected()
}

func (e *Engine) requireConnected() error {
	e.mu.Lock()
	defer e.unlock()
	if !e.connected {
		return errNotConnected()
	}
	return nil
}

// validate checks an outbound message as WhatsApp would refuse it, and
// returns its parsed recipient. Errors are CodeValidation naming the fields.
func validate(m *gateway.OutboundMessage) (gateway.Recipient, error) {
	if m == nil {
		return gateway.Recipient{}, gateway.Errorf(gateway.CodeValidation, "The message is empty.")
	}
	to, err := gateway.ParseRecipient(m.To)
	if err != nil {
		return gateway.Recipient{}, gateway.ValidationError(map[string]string{"recipient": gateway.ErrorMessage(err)})
	}
	f := map[string]string{}
	needText := func() {
		switch {
		case strings.TrimSpace(m.Text) == "":
			f["message"] = "The text is empty."
		case utf8.RuneCountInString(m.Text) > MaxTextLength:
			f["message"] = "The text is longer than 65,536 characters."
		}
	}
	needTarget := func() {
		if m.Target == "" {
			f["target"] = "Give the id of the message this applies to."
		}
	}
	switch m.Type {
	case gateway.TypeText:
		needText()
	case gateway.TypeImage, gateway.TypeVideo, gateway.TypeAudio, gateway.TypeDocument, gateway.TypeSticker:
		validateMedia(m.Type, m.Media, f)
	case gateway.TypeLocation:
		validateLocation(m.Location, f)
	case gateway.TypeContact:
		validateContact(m.Contact, f)
	case gateway.TypeReaction:
		needTarget()
		if utf8.RuneCountInString(m.Reaction) > 16 {
			f["reaction"] = "A reaction is one emoji."
		}
	case gateway.TypeEdit:
		needTarget()
		needText()
	case gateway.TypeRevoke:
		needTarget()
	case gateway.TypePoll:
		validatePoll(m, f)
	case gateway.TypePollVote:
		needTarget()
	default:
		f["message_type"] = "The message type is not supported."
	}
	validateOptions(m, f)
	validateStatus(m, to, f)
	if len(f) > 0 {
		return gateway.Recipient{}, gateway.ValidationError(f)
	}
	return to, nil
}

// validateOptions checks mentions, view-once and the link preview as the
// whatsmeow engine does (mention_all's group is read by Send).
func validateOptions(m *gateway.OutboundMessage, f map[string]string) {
	for i, j := range m.Mentions {
		r, err := gateway.ParseRecipient(j)
		if err != nil || r.IsGroup() {
			f[fmt.Sprintf("mentions[%d]", i)] = "A mention is a user's number or JID."
		}
	}
	if m.MentionAll && !strings.HasSuffix(m.To, "@"+gateway.ServerGroup) {
		f["mention_all"] = "Only a group's participants can all be mentioned."
	}
	if m.ViewOnce && m.Type != gateway.TypeImage && m.Type != gateway.TypeVideo && m.Type != gateway.TypeAudio {
		f["view_once"] = "Only an image, video or audio can be view-once."
	}
	if lp := m.LinkPreview; lp != nil {
		if m.Type != gateway.TypeText {
			f["link_preview"] = "A link preview goes on a text message."
		} else if lp.URL == "" || !strings.Contains(m.Text, lp.URL) {
			f["link_preview.url"] = "The preview's URL must appear in the text."
		}
	}
}

func validateMedia(t gateway.MessageType, md *gateway.Media, f map[string]string) {
	if md == nil || (md.URL == "" && len(md.Data) == 0) {
		f["media"] = "Give the media as a URL or as data."
		return
	}
	if md.URL != "" && len(md.Data) == 0 {
		u, err := url.Parse(md.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f["media.url"] = "The media URL must be an absolute http or https URL."
		}
	}
	if md.Voice && t != gateway.TypeAudio {
		f["media.voice"] = "Only audio can be a voice note."
	}
	if utf8.RuneCountInString(md.Caption) > MaxTextLength {
		f["media.caption"] = "The caption is longer than 65,536 characters."
	}
}

func validateLocation(l *gateway.Location, f map[string]string) {
	if l == nil {
		f["location"] = "Give the location's latitude and longitude."
		return
	}
	if math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 {
		f["location.latitude"] = "The latitude must be between -90 and 90."
	}
	if math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180 {
		f["location.longitude"] = "The longitude must be between -180 and 180."
	}
}

func validateContact(c *gateway.Contact, f map[string]string) {
	if c == nil {
		f["contact"] = "Give the contact's name and phone number."
		return
	}
	if strings.TrimSpace(c.Name) == "" {
		f["contact.name"] = "The contact's name is empty."
	}
	switch {
	case c.Phone != "":
		if _, err := gateway.NormalizePhone(c.Phone); err != nil {
			f["contact.phone"] = gateway.ErrorMessage(err)
		}
	case c.VCard == "":
		f["contact.phone"] = "Give the contact's phone number or a vCard."
	}
}

// groupMentions adds every other member of the group to mentions, for a
// mention_all; a group the session's number is not in is refused, as
// WhatsApp refuses to list its participants.
func (e *Engine) groupMentions(ctx context.Context, to gateway.Recipient, mentions []string) ([]string, error) {
	g, me, err := e.myGroup(ctx, to.JID)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.ValidationError(map[string]string{"mention_all": "The session's number is not in this group, so its participants cannot be mentioned."})
	}
	if err != nil {
		return nil, err
	}
	out := slices.Clone(mentions)
	for p := range g.Members {
		if jid := p + "@" + gateway.ServerUser; p != me && !slices.Contains(out, jid) {
			out = append(out, jid)
		}
	}
	slices.Sort(out[len(mentions):])
	return out, nil
}

// recipientLID is the LID WhatsApp has for a recipient: the derived one
// of a number on WhatsApp, the LID itself when sent to one, none for a
// group or a number not on WhatsApp.
func recipientLID(to gateway.Recipient) string {
	switch {
	case to.Server == gateway.ServerLID:
		return to.JID
	case to.Phone() != "" && !NotOnWhatsApp(to.Phone()):
		return derivedLID(to.Phone())
	}
	return ""
}
