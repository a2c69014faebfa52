package sandbox

import (
	"context"
	"math"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxTextLength is the longest text WhatsApp accepts, in characters.
const MaxTextLength = 65536

// Send validates m, "sends" it and returns the server's acceptance; the
// receipts follow as events. CodeValidation for bad content, CodeUnavailable
// when the engine is not connected (the message may be retried).
func (e *Engine) Send(ctx context.Context, m *gateway.OutboundMessage) (gateway.SendResult, error) {
	to, err := validate(m)
	if err != nil {
		return gateway.SendResult{}, err
	}
	e.mu.Lock()
	if !e.connected {
		e.mu.Unlock()
		return gateway.SendResult{}, gateway.Errorf(gateway.CodeUnavailable, "The sandbox session is not connected.")
	}
	id := m.WAMessageID
	if id == "" {
		id = gateway.NewWAMessageID()
	}
	now := e.opts.Now().UTC()
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
		Timestamp: now,
	}
	if m.Media != nil {
		md := *m.Media
		md.Data, md.Path = nil, ""
		env.Media = &md
		env.MediaData = m.Media.Data
	}
	phone := to.Phone()
	e.scheduleReceiptsLocked(id, to.JID, phone, m.Type == gateway.TypeAudio && m.Media != nil && m.Media.Voice)
	network := e.opts.Network
	e.mu.Unlock()

	// The server has accepted the message; whether the recipient's phone
	// gets it is the receipts' business, so a network hiccup is only logged.
	if network != nil && phone != "" && !NotOnWhatsApp(phone) {
		if err := network.Deliver(ctx, phone, env); err != nil {
			e.log.Warn("sandbox network deliver", "session_id", e.cfg.SessionID, "error", err)
		}
	}
	return gateway.SendResult{WAMessageID: id, Timestamp: now}, nil
}

// scheduleReceiptsLocked plays a sent message's receipts: failed for a
// number not on WhatsApp, else delivered then read (played for a voice note).
func (e *Engine) scheduleReceiptsLocked(id, chat, phone string, voice bool) {
	if e.opts.DeliveryDelay < 0 {
		return
	}
	receipt := func(st gateway.MessageStatus, reason string) gateway.EvReceipt {
		return gateway.EvReceipt{WAMessageIDs: []string{id}, Chat: chat, Status: st, Reason: reason, At: e.opts.Now().UTC()}
	}
	if phone != "" && NotOnWhatsApp(phone) {
		e.afterLocked(e.opts.DeliveryDelay, func() {
			e.emitLocked(receipt(gateway.MessageFailed, NotOnWhatsAppReason), nil)
		})
		return
	}
	e.afterLocked(e.opts.DeliveryDelay, func() {
		e.emitLocked(receipt(gateway.MessageDelivered, ""), nil)
		if e.opts.ReadDelay < 0 {
			return
		}
		e.afterLocked(e.opts.ReadDelay, func() {
			st := gateway.MessageRead
			if voice {
				st = gateway.MessagePlayed
			}
			e.emitLocked(receipt(st, ""), nil)
		})
	})
}

// receive turns an envelope from the network into EvInbound. When the
// handler does not persist it, the engine offers it again later, as
// WhatsApp redelivers what was not acknowledged.
func (e *Engine) receive(gen uint64, env Envelope) {
	e.mu.Lock()
	defer e.unlock()
	if e.gen != gen || !e.connected {
		return
	}
	e.lastSeen = e.opts.Now()
	e.offerLocked(inboundOf(env), 0)
}

func (e *Engine) offerLocked(in *gateway.InboundMessage, attempt int) {
	gen := e.gen
	e.emitLocked(gateway.EvInbound{Message: in}, func(err error) {
		if err == nil {
			return
		}
		e.mu.Lock()
		defer e.unlock()
		if e.gen != gen {
			return
		}
		if attempt+1 >= e.opts.MaxRetries {
			e.log.Error("sandbox inbound message dropped after retries", "session_id", e.cfg.SessionID,
				"wa_message_id", in.WAMessageID, "error", err)
			return
		}
		e.log.Warn("sandbox inbound message not persisted; offering it again", "session_id", e.cfg.SessionID,
			"wa_message_id", in.WAMessageID, "error", err)
		e.afterLocked(e.opts.RetryDelay, func() { e.offerLocked(in, attempt+1) })
	})
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
		Timestamp:   env.Timestamp,
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
		return gateway.Errorf(gateway.CodeUnavailable, "The sandbox session is not connected.")
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
	default:
		f["message_type"] = "The message type is not supported."
	}
	if len(f) > 0 {
		return gateway.Recipient{}, gateway.ValidationError(f)
	}
	return to, nil
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
