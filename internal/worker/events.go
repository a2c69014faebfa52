package worker

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/whatsapp-saas/gateway/internal/atomicfile"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// Status reasons the worker writes itself.
const (
	reasonQRTimeout = "The QR code expired before it was scanned; ask for the QR code again for a new one."
	reasonLoggedOut = "The device was logged out."
	reasonBanned    = "WhatsApp banned the number temporarily."
)

// handle is the engine's event handler: it persists each event with its
// events in one transaction and returns an error when that failed, so the
// engine does not acknowledge what was not stored.
func (w *Worker) handle(ctx context.Context, ev gateway.EngineEvent) error {
	switch ev := ev.(type) {
	case gateway.EvQR:
		w.mu.Lock()
		w.qr = &instanceapi.QR{Code: ev.Code, ExpiresAt: ev.ExpiresAt.UTC()}
		first := w.state != gateway.SessionQRPending
		w.mu.Unlock()
		w.notifyChange()
		qrEvent := w.event(gateway.EventQR,
			gateway.QRData{SessionID: w.cfg.SessionID, Code: ev.Code, ExpiresAt: ev.ExpiresAt.UTC()})
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionQRPending}, first, qrEvent)

	case gateway.EvQRTimeout:
		w.clearQR()
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionDisconnected, StatusReason: reasonQRTimeout}, true)

	case gateway.EvPaired:
		w.clearQR()
		w.log.Info("device paired", "platform", ev.Platform)
		return w.setState(ctx, gateway.SessionState{Phone: ev.Phone, PushName: ev.PushName, DeviceJID: ev.JID}, false)

	case gateway.EvPairError:
		return w.setState(ctx, gateway.SessionState{StatusReason: "Pairing failed: " + ev.Reason}, true)

	case gateway.EvConnected:
		w.clearQR()
		now := w.now()
		err := w.setState(ctx, gateway.SessionState{
			Status: gateway.SessionConnected, Phone: ev.Phone, PushName: ev.PushName, DeviceJID: ev.JID, ConnectedAt: &now,
		}, true)
		if err != nil {
			return err
		}
		w.Nudge()
		return nil

	case gateway.EvDisconnected:
		st := gateway.SessionDisconnected
		if ev.Reconnecting {
			st = gateway.SessionReconnecting
		}
		return w.setState(ctx, gateway.SessionState{Status: st, StatusReason: ev.Reason}, true)

	case gateway.EvLoggedOut:
		w.clearQR()
		reason := ev.Reason
		if reason == "" {
			reason = reasonLoggedOut
		}
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionLoggedOut, StatusReason: reason, ClearDevice: true}, true)

	case gateway.EvTemporaryBan:
		reason := ev.Reason
		if reason == "" {
			reason = reasonBanned
		}
		until := ev.Until.UTC()
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionDisconnected, StatusReason: reason, BannedUntil: &until}, true)

	case gateway.EvStreamReplaced:
		w.mu.Lock()
		w.halted = true
		w.mu.Unlock()
		select {
		case w.halt <- struct{}{}:
		default:
		}
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionFailed, StatusReason: ReasonStreamReplaced}, true)

	case gateway.EvConnectFailure:
		return w.setState(ctx, gateway.SessionState{Status: gateway.SessionFailed, StatusReason: ev.Reason}, true)

	case gateway.EvReceipt:
		return w.handleReceipts(ctx, []gateway.EvReceipt{ev})

	case gateway.EvReceipts:
		return w.handleReceipts(ctx, ev.Receipts)

	case gateway.EvInbound:
		return w.handleInbound(ctx, ev.Message)

	case gateway.EvHistorySync:
		return w.handleHistory(ctx, ev)

	case gateway.EvPollVote:
		return w.handlePollVote(ctx, ev)

	case gateway.EvGroupUpdate:
		ev.Data.SessionID = w.cfg.SessionID
		return w.recordEvent(ctx, gateway.EventGroupUpdate, ev.Data)

	case gateway.EvGroupParticipants:
		ev.Data.SessionID = w.cfg.SessionID
		return w.recordEvent(ctx, gateway.EventGroupParticipants, ev.Data)

	case gateway.EvContactUpdate:
		ev.Data.SessionID = w.cfg.SessionID
		return w.recordEvent(ctx, gateway.EventContactUpdate, ev.Data)

	case gateway.EvPresence:
		ev.Data.SessionID = w.cfg.SessionID
		return w.recordEvent(ctx, gateway.EventPresence, ev.Data)

	case gateway.EvCall:
		return w.handleCall(ctx, ev.Data)

	case gateway.EvChatUpdate:
		// Stored when it changes the chat (the echo of this gateway's own
		// action changes nothing); announced unless replayed by a full sync.
		var events []*gateway.Event
		if !ev.FromSync {
			events = append(events, w.event(gateway.EventChatUpdate, gateway.ChatUpdateData{
				SessionID: w.cfg.SessionID, Chat: ev.Change.Chat, Action: ev.Change.Action, MuteUntil: ev.Change.MuteUntil,
				Source: gateway.ChangeByDevice}))
		}
		if ev.Change.At.IsZero() {
			ev.Change.At = w.now()
		}
		_, err := w.cfg.Store.ApplyChatChange(ctx, w.cfg.UserID, w.cfg.SessionID, ev.Change, events...)
		return err

	case gateway.EvLabelUpdate:
		// As a chat change: stored when it changes something (the echo of
		// this gateway's own label operation changes nothing), announced
		// unless replayed by a full sync.
		var events []*gateway.Event
		if !ev.FromSync {
			events = append(events, w.event(gateway.EventLabelUpdate,
				gateway.LabelUpdate(w.cfg.SessionID, gateway.ChangeByDevice, ev.Change, false)))
		}
		if ev.Change.At.IsZero() {
			ev.Change.At = w.now()
		}
		_, err := w.cfg.Store.ApplyLabelChange(ctx, w.cfg.UserID, w.cfg.SessionID, ev.Change, events...)
		return err
	}
	w.log.Warn("unknown engine event", "event", fmt.Sprintf("%T", ev))
	return nil
}

// event is an event of the session.
func (w *Worker) event(typ string, data any) *gateway.Event {
	return gateway.NewEvent(w.cfg.UserID, w.cfg.SessionID, typ, data)
}

// recordEvent stores one account event of the session.
func (w *Worker) recordEvent(ctx context.Context, typ string, data any) error {
	return w.cfg.Store.RecordAccountEvents(ctx, w.cfg.UserID, w.cfg.SessionID, w.event(typ, data))
}

func (w *Worker) clearQR() {
	w.mu.Lock()
	had := w.qr != nil
	w.qr = nil
	w.mu.Unlock()
	if had {
		w.notifyChange()
	}
}

// statusEvents builds the message.status event of a message that moved at
// at, carrying the request id of the call that sent it.
func (w *Worker) statusEvents(at time.Time) func(m *gateway.Message) []*gateway.Event {
	return func(m *gateway.Message) []*gateway.Event {
		ev := w.event(gateway.EventMessageStatus, gateway.MessageStatusData{
			MessageID:   m.ID,
			WAMessageID: m.WAMessageID,
			SessionID:   m.SessionID,
			Recipient:   m.Recipient,
			Status:      m.Status,
			Error:       m.Error,
			At:          at,
		})
		ev.RequestID = m.RequestID
		return []*gateway.Event{ev}
	}
}

// handleReceipts stores receipts, every message each names, in one
// transaction: a message.status event per message moved, at its receipt's
// time. A receipt for a message this gateway did not send (sent from the
// phone, say) moves nothing.
func (w *Worker) handleReceipts(ctx context.Context, receipts []gateway.EvReceipt) error {
	type moved struct {
		waID   string
		status gateway.MessageStatus
	}
	var updates []gateway.MessageStatusUpdate
	times := map[moved]time.Time{}
	for _, ev := range receipts {
		at := w.receiptTime(ev)
		for _, id := range ev.WAMessageIDs {
			updates = append(updates, gateway.MessageStatusUpdate{
				SessionID: w.cfg.SessionID, WAMessageID: id, Status: ev.Status, Error: ev.Reason, At: at,
			})
			if _, ok := times[moved{id, ev.Status}]; !ok {
				times[moved{id, ev.Status}] = at
			}
		}
	}
	if len(updates) == 0 {
		return nil
	}
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	// A group participant's receipts are kept each with its event (rare:
	// only receipts naming their participant), then the statuses together.
	for _, ev := range receipts {
		for _, id := range ev.WAMessageIDs {
			if err := w.storeGroupReceipt(ctx, ev, id, w.receiptTime(ev)); err != nil {
				return err
			}
		}
	}
	_, err := w.cfg.Store.UpdateMessageStatuses(ctx, updates, func(m *gateway.Message) []*gateway.Event {
		// The message moved to the status of the first update naming it with that status.
		return w.statusEvents(times[moved{m.WAMessageID, m.Status}])(m)
	})
	if err != nil {
		return fmt.Errorf("store %d receipts: %w", len(updates), err)
	}
	return nil
}

// receiptTime is when a receipt says it happened, or now when it does not.
func (w *Worker) receiptTime(ev gateway.EvReceipt) time.Time {
	if ev.At.IsZero() {
		return w.now()
	}
	return ev.At.UTC().Truncate(time.Microsecond)
}

// storeGroupReceipt keeps a group participant's receipt of one of the
// session's sent messages, with its receipt event, when the receipt names
// its participant; a receipt for a message this gateway did not send is
// dropped, as handleReceipts drops its status.
func (w *Worker) storeGroupReceipt(ctx context.Context, ev gateway.EvReceipt, waID string, at time.Time) error {
	switch {
	case ev.Participant == "":
		return nil
	case ev.Status != gateway.MessageDelivered && ev.Status != gateway.MessageRead && ev.Status != gateway.MessagePlayed:
		return nil
	}
	r := gateway.GroupReceipt{UserID: w.cfg.UserID, SessionID: w.cfg.SessionID, WAMessageID: waID, Participant: ev.Participant,
		ParticipantPhone: ev.ParticipantPhone, ParticipantLID: ev.ParticipantLID, Status: ev.Status, At: at}
	_, err := w.cfg.Store.RecordGroupReceipt(ctx, r, func(m *gateway.Message, r gateway.GroupReceipt) []*gateway.Event {
		e := w.event(gateway.EventReceipt, gateway.ReceiptData{
			SessionID: w.cfg.SessionID, MessageID: m.ID, WAMessageID: m.WAMessageID, Chat: m.Chat, Participant: r.Participant,
			ParticipantPhone: r.ParticipantPhone, ParticipantLID: r.ParticipantLID, Status: r.Status, At: r.At})
		e.RequestID = m.RequestID
		return []*gateway.Event{e}
	})
	if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
		return fmt.Errorf("store %s receipt of %s: %w", ev.Status, ev.Participant, err)
	}
	return nil
}

// handlePollVote stores a decrypted vote as its voter's current vote on the
// poll, with a poll.vote event, in one transaction. A vote on a poll this
// gateway does not hold (sent before the session was paired, say) is
// acknowledged and dropped: there is nothing to count it against.
func (w *Worker) handlePollVote(ctx context.Context, ev gateway.EvPollVote) error {
	l, ok := w.cfg.Store.(waLookup)
	if !ok {
		return nil
	}
	poll, err := l.MessageByWAID(ctx, w.cfg.SessionID, ev.PollWAMessageID)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		w.log.Info("vote on an unknown poll", "wa_message_id", ev.PollWAMessageID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up poll: %w", err)
	}
	at := ev.Timestamp.UTC().Truncate(time.Microsecond)
	if ev.Timestamp.IsZero() {
		at = w.now()
	}
	options := ev.Options
	if options == nil {
		options = []string{}
	}
	v := &gateway.PollVote{UserID: w.cfg.UserID, PollMessageID: poll.ID, Voter: ev.Voter, VoterPhone: ev.VoterPhone,
		VoterLID: ev.VoterLID, Options: options, WAMessageID: ev.WAMessageID, VotedAt: at}
	_, err = w.cfg.Store.RecordPollVote(ctx, v, func(v *gateway.PollVote) []*gateway.Event {
		return []*gateway.Event{w.event(gateway.EventPollVote, gateway.PollVoteData{
			MessageID: poll.ID, WAMessageID: poll.WAMessageID, SessionID: w.cfg.SessionID, Chat: poll.Chat,
			Voter: v.Voter, VoterPhone: v.VoterPhone, VoterLID: v.VoterLID, Options: v.Options, At: v.VotedAt,
		})}
	})
	switch {
	case gateway.IsCode(err, gateway.CodeNotFound):
		return nil // not a poll after all
	case err != nil:
		return fmt.Errorf("store poll vote: %w", err)
	}
	return nil
}

func (w *Worker) handleInbound(ctx context.Context, in *gateway.InboundMessage) error {
	if in == nil {
		return nil
	}
	if err := w.storeMedia(in); err != nil {
		return err
	}
	m, err := w.messageOf(in, w.now())
	if err != nil {
		return err
	}
	err = w.cfg.Store.CreateMessage(ctx, m, w.event(gateway.MessageEventType(m), m))
	switch {
	case gateway.IsCode(err, gateway.CodeConflict):
		return nil // a redelivery of what is already stored
	case err != nil:
		return fmt.Errorf("store inbound message: %w", err)
	}
	w.autoReply(ctx, m)
	return nil
}

// messageOf builds the stored message of one an engine received (or one
// the account sent from another device: FromMe), created at now.
func (w *Worker) messageOf(in *gateway.InboundMessage, now time.Time) (*gateway.Message, error) {
	raw, err := PayloadFromInbound(in).Marshal()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	own := ""
	if w.session != nil && w.session.Phone != "" {
		own = w.session.Phone + "@" + gateway.ServerUser
	}
	w.mu.Unlock()
	m := &gateway.Message{
		ID:          gateway.NewRowID(),
		UserID:      w.cfg.UserID,
		SessionID:   w.cfg.SessionID,
		Direction:   gateway.DirectionInbound,
		Type:        in.Type,
		Recipient:   own,
		Sender:      in.Sender,
		SenderPhone: in.SenderPhone,
		SenderLID:   in.SenderLID,
		Chat:        in.Chat,
		IsGroup:     in.IsGroup,
		Body:        in.Text,
		Payload:     raw,
		ReplyTo:     in.ReplyTo,
		Status:      gateway.MessageReceived,
		WAMessageID: in.WAMessageID,
		Secret:      in.Secret,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if m.Type == "" {
		m.Type = gateway.TypeUnknown
	}
	if m.Recipient == "" {
		m.Recipient = m.Chat
	}
	if !in.Timestamp.IsZero() {
		ts := in.Timestamp.UTC().Truncate(time.Microsecond)
		m.SentAt = &ts
	}
	if in.FromMe {
		// Sent from the owner's phone: an outbound message this gateway did not queue.
		m.Direction, m.Status, m.Recipient = gateway.DirectionOutbound, gateway.MessageSent, m.Chat
	}
	return m, nil
}

// handleHistory stores one history sync batch: its messages dated as
// WhatsApp dated them and marked history (no message event: they are the
// account's past, not news), its chats, and the session's progress; the
// last batch writes the history.sync event.
func (w *Worker) handleHistory(ctx context.Context, ev gateway.EvHistorySync) error {
	b := gateway.HistoryBatch{Chats: ev.Chats, Progress: ev.Progress, Done: ev.Done, Off: ev.Off}
	for _, in := range ev.Messages {
		if in == nil || in.WAMessageID == "" || in.Chat == "" {
			continue
		}
		if err := w.storeMedia(in); err != nil {
			return err
		}
		// History media is referenced, not downloaded: its file goes
		// where received media goes, on its first request.
		var ref []byte
		if md := in.Media; md != nil && len(md.Ref) > 0 && md.Path == "" && w.cfg.MediaDir != "" {
			md.Path = gateway.MediaPath(w.cfg.SessionID, in.WAMessageID, md.MIMEType, md.FileName)
			ref = md.Ref
		}
		at := in.Timestamp
		if at.IsZero() {
			at = w.now()
		}
		m, err := w.messageOf(in, at.UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if m.Direction == gateway.DirectionOutbound {
			m.Recipient = m.Chat
		}
		m.History = true
		m.MediaRef = ref
		b.Messages = append(b.Messages, m)
	}
	h, err := w.cfg.Store.StoreHistory(ctx, w.cfg.UserID, w.cfg.SessionID, b, func(h gateway.HistorySync) []*gateway.Event {
		if !ev.Done {
			return nil
		}
		return []*gateway.Event{w.event(gateway.EventHistorySync,
			gateway.HistorySyncData{SessionID: w.cfg.SessionID, HistorySync: h})}
	})
	if err != nil {
		return fmt.Errorf("store history: %w", err)
	}
	w.notifyChange() // the session's history_sync changed
	w.log.Info("history sync batch stored", "status", h.Status, "chats", h.Chats, "messages", h.Messages, "progress", h.Progress)
	return nil
}

// autoReply queues the session's auto-reply to an inbound message, as the
// API queues a send, when the session's settings ask for it. It is best
// effort: the inbound message is already stored.
func (w *Worker) autoReply(ctx context.Context, in *gateway.Message) {
	if in.Direction != gateway.DirectionInbound || in.IsGroup {
		return
	}
	if t := gateway.MessageEventType(in); t == gateway.EventStatusPost || t == gateway.EventChannelMessage {
		return // a status post or a channel's post is not a conversation to answer
	}
	switch in.Type {
	case gateway.TypeReaction, gateway.TypeEdit, gateway.TypeRevoke:
		return
	}
	s, err := w.cfg.Store.SessionByID(ctx, w.cfg.UserID, w.cfg.SessionID)
	if err != nil {
		w.log.Warn("auto-reply: load session", "error", err)
		return
	}
	if !s.Settings.AutoReply {
		return
	}
	now := w.now()
	w.mu.Lock()
	last, seen := w.autoReplied[in.Chat]
	if seen && now.Sub(last) < w.cfg.AutoReplyCooldown {
		w.mu.Unlock()
		return
	}
	w.autoReplied[in.Chat] = now
	w.mu.Unlock()
	text := s.Settings.AutoReplyMessage
	if text == "" {
		text = DefaultAutoReplyMessage
	}
	if err := w.queueText(ctx, in.Chat, text); err != nil {
		w.log.Warn("auto-reply: queue message", "error", err)
	}
}

// queueText queues a text the worker sends by itself (an auto-reply), as
// the API queues a send: stored first, then sent by the paced send loop.
func (w *Worker) queueText(ctx context.Context, chat, text string) error {
	now := w.now()
	m := &gateway.Message{
		ID:          gateway.NewRowID(),
		UserID:      w.cfg.UserID,
		SessionID:   w.cfg.SessionID,
		Direction:   gateway.DirectionOutbound,
		Type:        gateway.TypeText,
		Recipient:   chat,
		Chat:        chat,
		Body:        text,
		Status:      gateway.MessageQueued,
		WAMessageID: gateway.NewWAMessageID(),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := w.cfg.Store.CreateMessage(ctx, m); err != nil {
		return err
	}
	w.Nudge()
	return nil
}

// handleCall stores a call event and, for a call ringing on a session
// whose settings say auto_reject_calls, rejects it at once: the reject is
// a second call event (by auto, auto_rejected), and the settings'
// auto_reject_message, when set, is queued to the caller as any send is.
// A failed rejection is logged, not retried: the offer is stored, and the
// call stops ringing by itself.
func (w *Worker) handleCall(ctx context.Context, d gateway.CallData) error {
	d.SessionID = w.cfg.SessionID
	if err := w.recordEvent(ctx, gateway.EventCall, d); err != nil {
		return err
	}
	if d.Action != gateway.CallOffer || d.FromMe {
		return nil
	}
	s, err := w.cfg.Store.SessionByID(ctx, w.cfg.UserID, w.cfg.SessionID)
	if err != nil {
		w.log.Warn("auto-reject: load session", "error", err)
		return nil
	}
	if !s.Settings.AutoRejectCalls {
		return nil
	}
	ce, ok := w.currentEngine().(gateway.CallEngine)
	if !ok {
		return nil
	}
	rejected, err := ce.RejectCall(ctx, d.CallID)
	if err != nil {
		w.log.Warn("auto-reject: reject call", "error", err)
		return nil
	}
	r := *rejected
	r.SessionID, r.By, r.AutoRejected = w.cfg.SessionID, gateway.RejectedByAuto, true
	if err := w.recordEvent(ctx, gateway.EventCall, r); err != nil {
		w.log.Warn("auto-reject: store the reject event", "error", err)
	}
	if text := s.Settings.AutoRejectMessage; text != "" {
		to := d.Caller
		if d.CallerPhone != "" {
			to = d.CallerPhone + "@" + gateway.ServerUser
		}
		if err := w.queueText(ctx, to, text); err != nil {
			w.log.Warn("auto-reject: queue message", "error", err)
		}
	}
	return nil
}

// storeMedia writes media an engine handed over as bytes under MediaDir
// (through a temporary file, so a reader never sees half a file) and
// records where. A redelivery writes the same path again.
func (w *Worker) storeMedia(in *gateway.InboundMessage) error {
	md := in.Media
	if w.cfg.MediaDir == "" || md == nil || len(md.Data) == 0 || md.Path != "" || in.WAMessageID == "" {
		return nil
	}
	rel := gateway.MediaPath(w.cfg.SessionID, in.WAMessageID, md.MIMEType, md.FileName)
	dest := filepath.Join(w.cfg.MediaDir, filepath.FromSlash(rel))
	if err := atomicfile.WriteBytes(dest, md.Data); err != nil {
		return err
	}
	md.Path = rel
	return nil
}
