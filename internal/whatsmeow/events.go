package whatsmeow

import (
	"fmt"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Status reasons the engine reports.
const (
	reasonDropped       = "The connection to WhatsApp dropped; reconnecting."
	reasonPairingClosed = "The pairing connection to WhatsApp closed; reconnecting for new QR codes."
	reasonOutdated      = "WhatsApp rejected this client version as outdated (405); set WHATSAPP_WEB_VERSION to the current WhatsApp Web version and restart the session."
)

// onEvent is whatsmeow's event handler for client cli. Its answer is
// whatsmeow's success status: false for a message or receipt means "not
// stored", so no ack or receipt goes out and WhatsApp delivers it again.
func (e *Engine) onEvent(cli *wa.Client, evt any) bool {
	e.mu.Lock()
	if e.cli != cli {
		e.mu.Unlock()
		return false
	}
	gen, active := e.gen, e.active
	e.lastActive = time.Now()
	e.mu.Unlock()
	if !active {
		switch evt.(type) {
		case *events.Message, *events.Receipt:
			return false
		}
		return true
	}

	switch v := evt.(type) {
	case *events.QR:
		e.startQR(gen, v.Codes)
		return true

	case *events.QRScannedWithoutMultidevice:
		return e.emit(gen, gateway.EvPairError{Reason: "The phone scanned the code without multi-device; update WhatsApp on the phone and scan again."})

	case *events.PairSuccess:
		e.mu.Lock()
		e.stopQRLocked()
		e.jid = v.ID
		e.mu.Unlock()
		ok := e.emit(gen, gateway.EvPaired{
			JID: v.ID.String(), LID: nonEmpty(v.LID), Phone: v.ID.User, PushName: cli.Store.PushName, Platform: v.Platform,
		})
		if e.opts.HistoryDays <= 0 {
			// No history is kept: the session says so.
			e.emit(gen, gateway.EvHistorySync{Off: true, Done: true})
		}
		return ok

	case *events.PairError:
		e.log.Warn("whatsapp pairing failed", "error", v.Error)
		return e.emit(gen, gateway.EvPairError{Reason: "WhatsApp could not complete the pairing; scan a new code."})

	case *events.Connected:
		e.mu.Lock()
		e.stopQRLocked()
		e.failures, e.socketUp, e.online = 0, true, true
		e.kaFailSince = time.Time{}
		if cli.Store.ID != nil {
			e.jid = *cli.Store.ID
		}
		e.pushName = cli.Store.PushName
		ev := gateway.EvConnected{JID: e.jid.String(), Phone: e.jid.User, PushName: e.pushName}
		e.startWatchdogLocked(gen)
		renew := e.hctx != nil && (e.presence != "" || len(e.subscribed) > 0)
		hctx := e.hctx
		e.mu.Unlock()
		if renew {
			go e.renewPresence(hctx, cli)
		}
		// Grey ticks for recipients without marking this device "online",
		// which would silence the phone's own notifications.
		cli.SetForceActiveDeliveryReceipts(true)
		return e.emit(gen, ev)

	case *events.PushNameSetting:
		e.mu.Lock()
		name := cli.Store.PushName
		changed := e.online && name != "" && name != e.pushName
		e.pushName = name
		ev := gateway.EvConnected{JID: e.jid.String(), Phone: e.jid.User, PushName: name}
		e.mu.Unlock()
		if changed {
			return e.emit(gen, ev)
		}
		return true

	case *events.Disconnected:
		e.mu.Lock()
		e.stopQRLocked()
		e.socketUp, e.online = false, false
		paired := cli.Store.ID != nil
		e.mu.Unlock()
		if !paired {
			// whatsmeow never reconnects an unpaired client: the engine does.
			e.emit(gen, gateway.EvDisconnected{Reason: reasonPairingClosed, Reconnecting: true})
			e.mu.Lock()
			e.failures++
			delay := e.backoffLocked(e.failures)
			e.mu.Unlock()
			e.dialAfter(gen, delay)
			return true
		}
		// whatsmeow reconnects by itself; a failure comes back through AutoReconnectHook.
		return e.emit(gen, gateway.EvDisconnected{Reason: reasonDropped, Reconnecting: true})

	case *events.KeepAliveTimeout:
		e.mu.Lock()
		if e.kaFailSince.IsZero() {
			e.kaFailSince = time.Now()
			if !v.LastSuccess.IsZero() && v.LastSuccess.Before(e.kaFailSince) {
				e.kaFailSince = v.LastSuccess
			}
		}
		e.mu.Unlock()
		e.log.Info("whatsapp keepalive failed", "errors", v.ErrorCount)
		return true

	case *events.KeepAliveRestored:
		e.mu.Lock()
		e.kaFailSince = time.Time{}
		e.mu.Unlock()
		return true

	case *events.LoggedOut:
		// whatsmeow has deleted the device from the store already.
		e.mu.Lock()
		e.deleted, e.jid, e.pushName = true, types.EmptyJID, ""
		e.mu.Unlock()
		e.stop(gen)
		reason := "WhatsApp logged the device out; pair the session again."
		if v.OnConnect {
			reason = fmt.Sprintf("WhatsApp logged the device out (%s); pair the session again.", v.Reason)
		}
		return e.emit(gen, gateway.EvLoggedOut{Reason: reason})

	case *events.StreamReplaced:
		e.mu.Lock()
		e.replaced = true
		e.mu.Unlock()
		e.stop(gen)
		return e.emit(gen, gateway.EvStreamReplaced{})

	case *events.TemporaryBan:
		until := time.Now().Add(v.Expire).UTC()
		e.mu.Lock()
		e.bannedUntil = until
		e.socketUp, e.online = false, false
		e.stopQRLocked()
		e.mu.Unlock()
		ok := e.emit(gen, gateway.EvTemporaryBan{
			Reason: fmt.Sprintf("WhatsApp banned the number temporarily (%d: %s).", int(v.Code), v.Code), Until: until,
		})
		if v.Expire > 0 {
			e.dialAfter(gen, v.Expire) // not before the ban ends
		} else {
			e.stop(gen)
		}
		return ok

	case *events.ClientOutdated:
		e.stop(gen)
		return e.emit(gen, gateway.EvConnectFailure{Reason: reasonOutdated, Permanent: true})

	case *events.ConnectFailure:
		e.mu.Lock()
		e.socketUp, e.online = false, false
		e.failures++
		delay := e.backoffLocked(e.failures)
		e.mu.Unlock()
		ok := e.emit(gen, gateway.EvConnectFailure{
			Reason: fmt.Sprintf("WhatsApp refused the connection (%s); retrying in %s.", v.Reason, delay.Round(time.Second)),
		})
		e.dialAfter(gen, delay)
		return ok

	case *events.Message:
		if notif := v.Message.GetProtocolMessage().GetHistorySyncNotification(); notif != nil {
			return e.onHistoryNotification(gen, cli, notif)
		}
		if v.Message.GetPollUpdateMessage() != nil {
			ev := e.pollVote(cli, v)
			if ev == nil {
				return true // unreadable: acknowledged, as a phone would drop it
			}
			return e.emit(gen, *ev)
		}
		in := e.inbound(cli, v)
		if in == nil {
			return true
		}
		if !e.emit(gen, gateway.EvInbound{Message: in}) {
			return false
		}
		e.downloadLater(gen, cli, v, in)
		return true

	case *events.Receipt:
		r, ok := mapReceipt(v)
		if !ok {
			return true
		}
		return e.emit(gen, r)

	case *events.MediaRetry:
		e.onMediaRetry(cli, v)
		return true

	case *events.GroupInfo:
		for _, ev := range groupEvents(v, ownJID(cli)) {
			if !e.emit(gen, ev) {
				return false
			}
		}
		return true

	case *events.JoinedGroup:
		ev := joinedEvent(v, ownJID(cli))
		if d := ev.(gateway.EvGroupUpdate).Data; d.Actor != "" && d.Actor == ownJID(cli).String() {
			return true // a group this account created: its operation recorded the event
		}
		return e.emit(gen, ev)

	case *events.Archive, *events.Pin, *events.Mute, *events.MarkChatAsRead, *events.DeleteChat:
		if ev, ok := chatEvent(v); ok {
			return e.emit(gen, ev)
		}
		return true

	case *events.LabelEdit, *events.LabelAssociationChat, *events.LabelAssociationMessage:
		if ev, ok := labelEvent(v); ok {
			return e.emit(gen, ev)
		}
		return true

	case *events.Presence:
		return e.emit(gen, presenceEvent(v))

	case *events.CallOffer, *events.CallOfferNotice, *events.CallAccept, *events.CallReject, *events.CallTerminate:
		ev, ok := callEvent(&e.calls, v, ownJID(cli), time.Now())
		if !ok {
			return true
		}
		return e.emit(gen, ev)

	case *events.PushName, *events.BusinessName, *events.UserAbout, *events.Picture, *events.Contact, *events.Blocklist:
		evs, _ := contactEvents(v, ownJID(cli))
		for _, ev := range evs {
			if !e.emit(gen, ev) {
				return false
			}
		}
		return true

	case *events.UndecryptableMessage:
		e.log.Warn("whatsapp message could not be decrypted; whatsmeow asked the sender to retry",
			"wa_message_id", v.Info.ID, "unavailable", v.IsUnavailable)
		return true
	}
	return true
}

// emit hands one event to the worker's handler, one at a time, unless the
// engine moved on to another generation, and reports whether it was stored.
func (e *Engine) emit(gen uint64, ev gateway.EngineEvent) bool {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	e.mu.Lock()
	current, ctx := e.gen == gen, e.hctx
	e.mu.Unlock()
	if !current || ctx == nil {
		return false
	}
	if err := e.cfg.Handler(ctx, ev); err != nil {
		e.log.Warn("whatsapp event not stored; not acknowledging it", "event", fmt.Sprintf("%T", ev), "error", err)
		return false
	}
	return true
}

// startQR shows the pairing codes one after the other (the first for 60 s,
// the others for 20 s, as WhatsApp Web does), then reports the timeout and
// closes the pairing socket. The engine rotates the codes itself rather than
// through whatsmeow's QR channel, whose event handler cannot be removed
// after a failed Connect and so would pile up with every retry.
func (e *Engine) startQR(gen uint64, codes []string) {
	e.mu.Lock()
	if e.gen != gen {
		e.mu.Unlock()
		return
	}
	e.stopQRLocked()
	stop := make(chan struct{})
	e.qrStop = stop
	e.mu.Unlock()
	go func() {
		for i, code := range codes {
			ttl := qrNextTTL
			if i == 0 {
				ttl = qrFirstTTL
			}
			e.mu.Lock()
			stillOn := e.qrStop == stop
			e.mu.Unlock()
			if !stillOn {
				return
			}
			e.emit(gen, gateway.EvQR{Code: code, ExpiresAt: time.Now().Add(ttl).UTC()})
			expired := make(chan struct{})
			t := time.AfterFunc(ttl, func() { close(expired) })
			select {
			case <-expired:
			case <-stop:
				t.Stop()
				return
			}
		}
		e.mu.Lock()
		if e.qrStop != stop || e.gen != gen {
			e.mu.Unlock()
			return
		}
		e.qrStop = nil
		cli := e.cli
		e.mu.Unlock()
		e.emit(gen, gateway.EvQRTimeout{})
		e.stop(gen)
		cli.Disconnect()
	}()
}

func (e *Engine) stopQRLocked() {
	if e.qrStop != nil {
		close(e.qrStop)
		e.qrStop = nil
	}
}

// mapReceipt turns a receipt into EvReceipt. Delivered is the empty type;
// receipts about this account's own reading (read-self), other devices
// (sender), retries and inactive devices move no message and are dropped.
func mapReceipt(r *events.Receipt) (gateway.EvReceipt, bool) {
	ev := gateway.EvReceipt{WAMessageIDs: r.MessageIDs, Chat: nonEmpty(r.Chat.ToNonAD()), At: r.Timestamp}
	switch r.Type {
	case types.ReceiptTypeDelivered:
		ev.Status = gateway.MessageDelivered
	case types.ReceiptTypeRead:
		ev.Status = gateway.MessageRead
	case types.ReceiptTypePlayed:
		ev.Status = gateway.MessagePlayed
	case types.ReceiptTypeServerError:
		ev.Status = gateway.MessageFailed
		ev.Reason = "WhatsApp's server reported an error delivering the message."
	default:
		return gateway.EvReceipt{}, false
	}
	if len(ev.WAMessageIDs) == 0 {
		return gateway.EvReceipt{}, false
	}
	if r.IsGroup && r.Chat.Server == types.GroupServer && !r.Sender.IsEmpty() {
		// In a group each participant acknowledges for themself: Sender
		// is the participant, SenderAlt their other address.
		p, alt := r.Sender.ToNonAD(), r.SenderAlt.ToNonAD()
		ev.Participant = p.String()
		for _, j := range []types.JID{p, alt} {
			switch j.Server {
			case types.DefaultUserServer:
				ev.ParticipantPhone = j.User
			case types.HiddenUserServer:
				ev.ParticipantLID = j.String()
			}
		}
	}
	return ev, true
}

func nonEmpty(j types.JID) string {
	if j.IsEmpty() {
		return ""
	}
	return j.String()
}
