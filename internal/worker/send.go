package worker

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/outbound"
)

// sendBatch is how many queued messages one store read takes.
const sendBatch = 50

// sendLoop drains the queue on every nudge (the API's POST /v1/send, a
// Connected event, an auto-reply) and every QueuePoll, until ctx ends. One
// goroutine sends, so a session's messages leave in the order they were
// queued. The poll is the safety net for nudges that never arrived.
//
// Scheduled messages join the queue here too: before each drain the loop
// queues the session's scheduled messages that are due, and sets a timer
// for the next one, so a scheduled send leaves on time without polling.
// The schedule lives in the store, so it survives restarts: a worker that
// starts (or reconnects) after a due time sends the message then.
func (w *Worker) sendLoop(ctx context.Context) {
	var poll <-chan time.Time // nil: never
	if w.cfg.QueuePoll > 0 {
		t := time.NewTicker(w.cfg.QueuePoll)
		defer t.Stop()
		poll = t.C
	}
	due := time.NewTimer(time.Hour)
	due.Stop()
	defer due.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.nudge:
		case <-poll:
		case <-due.C:
		}
		if next, ok := w.releaseDue(ctx); ok {
			due.Reset(max(next.Sub(w.now()), 0))
		}
		w.drain(ctx)
	}
}

// releaseDue queues the session's scheduled messages that are due and
// returns when the next one is, ok false when none is scheduled (or the
// store failed: the retry nudges again).
func (w *Worker) releaseDue(ctx context.Context) (next time.Time, ok bool) {
	n, at, err := w.cfg.Store.ReleaseScheduled(ctx, w.cfg.SessionID, w.now())
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("release scheduled messages", "error", err)
			w.retryLater()
		}
		return time.Time{}, false
	}
	if n > 0 {
		w.log.Info("scheduled messages due", "count", n)
	}
	if at == nil {
		return time.Time{}, false
	}
	return *at, true
}

type sendOutcome int

const (
	sendDone       sendOutcome = iota // the message moved to sent or failed
	sendStop                          // not connected or shutting down: leave the queue for the next Connected
	sendRetryLater                    // the store failed: try again after RetryDelay
)

// drain sends queued messages, oldest first, until the queue is empty or
// the engine cannot send.
func (w *Worker) drain(ctx context.Context) {
	w.mu.Lock()
	connected := w.state == gateway.SessionConnected && w.engine != nil
	w.mu.Unlock()
	if !connected {
		return // the next Connected nudges again
	}
	seen := make(map[string]bool)
	for ctx.Err() == nil {
		msgs, err := w.cfg.Store.QueuedMessages(ctx, w.cfg.SessionID, sendBatch)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("read send queue", "error", err)
				w.retryLater()
			}
			return
		}
		w.setQueueDepth(len(msgs))
		if len(msgs) == 0 {
			return
		}
		if w.cfg.Pacer == nil && w.cfg.TypingPreroll <= 0 {
			if !w.sendBatch(ctx, msgs, seen) {
				return
			}
			continue
		}
		for i, m := range msgs {
			if seen[m.ID] {
				// Still queued after being handled: the store did not move
				// it. Stop rather than spin; a later nudge tries again.
				w.log.Error("message still queued after sending", "message_id", m.ID)
				w.retryLater()
				return
			}
			seen[m.ID] = true
			if w.cfg.Pacer != nil {
				if err := w.cfg.Pacer.Wait(ctx, m); err != nil {
					return
				}
			}
			if err := w.typingPreroll(ctx, m); err != nil {
				return
			}
			switch w.sendOne(ctx, m) {
			case sendStop:
				return
			case sendRetryLater:
				w.retryLater()
				return
			}
			w.setQueueDepth(len(msgs) - i - 1)
		}
	}
}

// sendBatch sends one read of the queue without pacing and stores their
// "sent" together, in one transaction (UpdateMessageStatuses), and reports
// whether draining goes on. sendMu is held from the first send to that
// write, so no receipt of these messages is stored before their "sent".
func (w *Worker) sendBatch(ctx context.Context, msgs []*gateway.Message, seen map[string]bool) bool {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	var sent []gateway.MessageStatusUpdate
	outcome := sendDone
	for i, m := range msgs {
		if seen[m.ID] {
			w.log.Error("message still queued after sending", "message_id", m.ID)
			outcome = sendRetryLater
			break
		}
		seen[m.ID] = true
		if outcome = w.sendLocked(ctx, m, &sent); outcome != sendDone {
			break
		}
		w.setQueueDepth(len(msgs) - i - 1)
	}
	// What WhatsApp took is stored even when the batch stopped early.
	if stored := w.storeSent(ctx, sent); stored != sendDone {
		outcome = stored
	}
	switch outcome {
	case sendStop:
		return false
	case sendRetryLater:
		w.retryLater()
		return false
	}
	return true
}

// storeSent writes the "sent" of messages WhatsApp took, in one transaction.
func (w *Worker) storeSent(ctx context.Context, sent []gateway.MessageStatusUpdate) sendOutcome {
	if len(sent) == 0 {
		return sendDone
	}
	_, err := w.cfg.Store.UpdateMessageStatuses(ctx, sent, func(m *gateway.Message) []*gateway.Event {
		at := w.now()
		if m.SentAt != nil {
			at = *m.SentAt
		}
		return w.statusEvents(at)(m)
	})
	if err != nil {
		// WhatsApp has them; the resends after the retry reuse their ids,
		// so each recipient sees each message once.
		w.log.Warn("store sent messages", "messages", len(sent), "error", err)
		return sendRetryLater
	}
	return sendDone
}

func (w *Worker) setQueueDepth(n int) {
	w.mu.Lock()
	flipped := (w.queueDepth == 0) != (n == 0)
	w.queueDepth = n
	w.mu.Unlock()
	if !flipped {
		return
	}
	if w.cfg.QueueChanged != nil {
		w.cfg.QueueChanged()
		return
	}
	w.notifyChange()
}

// retryLater nudges the send loop again after RetryDelay.
func (w *Worker) retryLater() { time.AfterFunc(w.cfg.RetryDelay, w.Nudge) }

// failureReason is the reason stored with a refused message: the error's
// public message, and for a validation error the sentence of each field,
// so the failed message says what was wrong rather than that something was.
func failureReason(err error) string {
	var e *gateway.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return gateway.ErrorMessage(err)
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + ": " + e.Fields[k]
	}
	return e.Message + " " + strings.Join(parts, " ")
}

// sendOne sends one queued message with its stored WhatsApp id (so a
// resend after a crash is deduplicated by WhatsApp) and stores the outcome.
func (w *Worker) sendOne(ctx context.Context, m *gateway.Message) sendOutcome {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	var sent []gateway.MessageStatusUpdate
	if out := w.sendLocked(ctx, m, &sent); out != sendDone {
		return out
	}
	return w.storeSent(ctx, sent)
}

// sendLocked sends m through the engine, with sendMu held, and appends its
// "sent" to sent for the caller to store; a refusal is stored at once.
func (w *Worker) sendLocked(ctx context.Context, m *gateway.Message, sent *[]gateway.MessageStatusUpdate) sendOutcome {
	out, err := outbound.FromStored(m)
	if err != nil {
		return w.markFailed(ctx, m, gateway.ErrorMessage(err))
	}
	eng := w.currentEngine()
	if eng == nil {
		return sendStop
	}
	// The link preview is made here, once, for whichever engine sends:
	// each gets the same card (its picture included) to carry.
	given := out.LinkPreview != nil
	w.cfg.LinkPreviews.Fill(ctx, out)
	res, err := eng.Send(ctx, out)
	switch {
	case err == nil:
	case gateway.IsCode(err, gateway.CodeUnavailable) || ctx.Err() != nil:
		return sendStop
	default:
		w.log.Info("send refused", "message_id", m.ID, "code", gateway.ErrorCode(err), "error", err)
		return w.markFailed(ctx, m, failureReason(err))
	}
	at := res.Timestamp.UTC().Truncate(time.Microsecond)
	if res.Timestamp.IsZero() {
		at = w.now()
	}
	id := res.WAMessageID
	if id == "" {
		id = m.WAMessageID
	}
	u := gateway.MessageStatusUpdate{ID: m.ID, WAMessageID: id, Status: gateway.MessageSent, At: at, RecipientLID: res.RecipientLID}
	if !given {
		u.LinkPreview = storedCard(out.LinkPreview)
	}
	if m.Type == gateway.TypePollVote {
		// Its own vote is counted once its sent is stored: not batched.
		if out := w.storeSent(ctx, []gateway.MessageStatusUpdate{u}); out != sendDone {
			return out
		}
		w.recordOwnVote(ctx, m, at)
		return sendDone
	}
	*sent = append(*sent, u)
	return sendDone
}

// maxStoredThumbnail bounds the picture of a generated card kept in the
// sender's stored message (as whatsmeow bounds a received one): a card's
// JPEG is a few KiB to a few tens, and one past this keeps its
// thumbnail_url only.
const maxStoredThumbnail = 64 << 10

// storedCard is what the sender's message keeps of the card the gateway
// made and sent (nil: none made): the card as sent, its picture dropped
// when larger than maxStoredThumbnail.
func storedCard(lp *gateway.LinkPreview) *gateway.LinkPreview {
	if lp == nil {
		return nil
	}
	card := *lp
	if len(card.Thumbnail) > maxStoredThumbnail {
		card.Thumbnail = nil
	}
	return &card
}

// recordOwnVote counts the account's own sent vote in its copy of the
// poll, as a phone shows its own vote. WhatsApp does not echo it back, so
// nothing else would; a failure is logged (the vote itself has gone).
func (w *Worker) recordOwnVote(ctx context.Context, m *gateway.Message, at time.Time) {
	p, err := gateway.ParsePayload(m.Payload)
	if err != nil {
		return
	}
	w.mu.Lock()
	phone := ""
	if w.session != nil {
		phone = w.session.Phone
	}
	w.mu.Unlock()
	if phone == "" {
		return
	}
	votes := p.Votes
	if votes == nil {
		votes = []string{}
	}
	err = w.handlePollVote(ctx, gateway.EvPollVote{PollWAMessageID: p.Target, Chat: m.Chat, Voter: phone + "@" + gateway.ServerUser,
		VoterPhone: phone, Options: votes, WAMessageID: m.WAMessageID, Timestamp: at})
	if err != nil {
		w.log.Warn("record own poll vote", "message_id", m.ID, "error", err)
	}
}

func (w *Worker) markFailed(ctx context.Context, m *gateway.Message, reason string) sendOutcome {
	at := w.now()
	_, err := w.cfg.Store.UpdateMessageStatus(ctx, gateway.MessageStatusUpdate{
		ID: m.ID, Status: gateway.MessageFailed, Error: reason, At: at,
	}, w.statusEvents(at))
	if err != nil {
		w.log.Warn("store failed message", "message_id", m.ID, "error", err)
		return sendRetryLater
	}
	return sendDone
}

// typingPreroll shows "typing…" in a text's chat for TypingPreroll before
// it is sent. The indicator is best effort: a failure only skips it.
func (w *Worker) typingPreroll(ctx context.Context, m *gateway.Message) error {
	if w.cfg.TypingPreroll <= 0 || (m.Type != gateway.TypeText && m.Type != "") {
		return nil
	}
	eng := w.currentEngine()
	if eng == nil {
		return nil
	}
	chat := m.Recipient
	if chat == "" {
		chat = m.Chat
	}
	if err := eng.SetTyping(ctx, chat, true, false); err != nil {
		w.log.Debug("typing pre-roll", "message_id", m.ID, "error", err)
		return nil
	}
	t := time.NewTimer(w.cfg.TypingPreroll)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
