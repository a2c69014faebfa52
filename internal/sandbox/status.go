package sandbox

import (
	"context"
	"fmt"
	"slices"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Status posts in the sandbox. A post goes to the account's contacts (the
// tenant's other sandbox accounts, as Contacts lists them), or to the
// audience the send names, skipping anyone either side has blocked, as
// WhatsApp does. Each viewer's engine emits it as an inbound message of
// the chat status@broadcast and answers with receipts (delivered, then
// read once "viewed"), which move the post forward at the sender. A post
// that reaches no sandbox peer but names numbers outside the network gets
// the timed receipts any message to such numbers gets.

// validateStatus checks what a status post may carry, as the whatsmeow
// engine does.
func validateStatus(m *gateway.OutboundMessage, to gateway.Recipient, f map[string]string) {
	if !to.IsStatus() {
		if len(m.StatusAudience) > 0 {
			f["status_audience"] = "status_audience goes with a status post (recipient status@broadcast)."
		}
		if !m.StatusStyle.IsZero() {
			f["status_style"] = "status_style goes with a text status post (recipient status@broadcast)."
		}
		return
	}
	if !gateway.StatusTypes[m.Type] {
		f["message_type"] = "A status post is text, image or video."
	}
	if m.ReplyTo != "" || len(m.Mentions) > 0 || m.MentionAll || m.ViewOnce {
		f["recipient"] = "A status post cannot quote, mention or be view-once."
	}
	for i, a := range m.StatusAudience {
		if r, err := gateway.ParseRecipient(a); err != nil || (r.Server != gateway.ServerUser && r.Server != gateway.ServerLID) {
			f[fmt.Sprintf("status_audience[%d]", i)] = "A status is shown to people: give phone numbers or user JIDs."
		}
	}
	if !m.StatusStyle.IsZero() {
		if m.Type != gateway.TypeText {
			f["status_style"] = "Only a text status has a background colour and a font."
		}
		st := *m.StatusStyle
		st.Check("status_style", f)
	}
}

// statusAudience returns the sandbox phones that see a status post of the
// account, and whether it names numbers outside the sandbox network.
func (e *Engine) statusAudience(ctx context.Context, m *gateway.OutboundMessage) ([]string, bool, error) {
	me, err := e.me()
	if err != nil {
		return nil, false, err
	}
	as, err := e.accounts(ctx)
	if err != nil {
		return nil, false, err
	}
	byLID := make(map[string]string, len(as))
	for p, a := range as {
		byLID[a.LID] = p
	}
	var named []string
	outside := false
	if len(m.StatusAudience) == 0 {
		for p := range as {
			named = append(named, p)
		}
	}
	for _, j := range m.StatusAudience {
		r, err := gateway.ParseRecipient(j)
		if err != nil {
			continue
		}
		p := r.Phone()
		if r.Server == gateway.ServerLID {
			p = byLID[r.JID]
		}
		if _, ok := as[p]; !ok {
			outside = true
			continue
		}
		named = append(named, p)
	}
	mine := as[me]
	e.mu.Lock()
	blocked := e.blocked
	e.mu.Unlock()
	var out []string
	for _, p := range named {
		if p == me || blocked[p] || slices.Contains(out, p) || (as[p] != nil && as[p].blocks(me)) || (mine != nil && mine.blocks(p)) {
			continue
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out, outside, nil
}

// postStatusLocked hands a status post to each viewer, offered again
// until each acknowledges it (outbox keys are id:phone, one per viewer).
func (e *Engine) postStatusLocked(id string, env Envelope, viewers []string, outside bool) {
	env.Chat = gateway.StatusJID
	for _, p := range viewers {
		o := &outgoing{to: p, env: env}
		key := statusKey(id, p)
		e.outbox[key] = o
		e.deliverLocked(o)
		e.retryLocked(key, o)
	}
	if len(viewers) == 0 && outside {
		e.scheduleReceiptsLocked(id, gateway.StatusJID, "", false)
	}
}

// statusKey is the outbox key of a status post waiting for one viewer.
func statusKey(id, phone string) string { return id + ":" + phone }
