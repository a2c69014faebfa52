package whatsmeow

import (
	"context"
	"errors"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/outbound"
)

// refs is what a message needs to know about the messages it refers to,
// read from the session's stored messages: who sent the quoted message
// (and its text), and who sent the message a reaction is for.
type refs struct {
	quoteSender types.JID
	quoted      *waE2E.Message
	// targetSender is the reacted message's sender; EmptyJID means "mine".
	targetSender types.JID
	targetKnown  bool
	// members are the group's participants, for a mention_all.
	members []types.JID
	// poll is the poll a vote is for, as whatsmeow names a message.
	poll *types.MessageInfo
}

// groupReader reads a group's participants (*whatsmeow.Client).
type groupReader interface {
	GetGroupInfo(ctx context.Context, jid types.JID) (*types.GroupInfo, error)
}

// groupMembers asks WhatsApp for the participants of the group out is sent
// to, for a mention_all: at send time, so the mention reaches who is in
// the group now. CodeValidation for a recipient that is not a group,
// CodeUnavailable when WhatsApp does not answer (the send is retried).
func groupMembers(ctx context.Context, g groupReader, out *gateway.OutboundMessage) ([]types.JID, error) {
	to, err := toJID(out.To)
	if err != nil || to.Server != types.GroupServer {
		return nil, gateway.ValidationError(map[string]string{"mention_all": "Only a group's participants can all be mentioned."})
	}
	info, err := g.GetGroupInfo(ctx, to)
	if err != nil {
		if errors.Is(err, wa.ErrNotInGroup) || errors.Is(err, wa.ErrGroupNotFound) {
			return nil, gateway.WrapError(err, gateway.CodeValidation, "This account is not in the group, so it cannot mention its participants.")
		}
		return nil, offlineError(err, "The group's participants could not be read to mention them all.")
	}
	members := make([]types.JID, 0, len(info.Participants))
	for _, p := range info.Participants {
		members = append(members, p.JID.ToNonAD())
	}
	return members, nil
}

// lookupTimeout bounds a store lookup made for a send or a retry.
const lookupTimeout = 5 * time.Second

// lookup returns the session's stored message with a WhatsApp id, nil when
// unknown or when the store cannot look it up.
func (e *Engine) lookup(ctx context.Context, waID string) *gateway.Message {
	if waID == "" || e.cfg.LookupMessage == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	m, err := e.cfg.LookupMessage(ctx, waID)
	if err != nil {
		if !gateway.IsCode(err, gateway.CodeNotFound) {
			e.log.Warn("look up referenced message", "wa_message_id", waID, "error", err)
		}
		return nil
	}
	return m
}

// senderOf is the JID that sent a stored message: this device's account
// for outbound messages, the stored sender for received ones.
func (e *Engine) senderOf(m *gateway.Message) (types.JID, bool) {
	if m.Direction == gateway.DirectionOutbound {
		e.mu.Lock()
		own := e.jid.ToNonAD()
		e.mu.Unlock()
		return own, !own.IsEmpty()
	}
	j, err := types.ParseJID(m.Sender)
	if err != nil || j.User == "" {
		return types.EmptyJID, false
	}
	return j.ToNonAD(), true
}

// refsOf reads the messages out refers to.
func (e *Engine) refsOf(ctx context.Context, out *gateway.OutboundMessage) refs {
	var r refs
	if q := e.lookup(ctx, out.ReplyTo); q != nil {
		if s, ok := e.senderOf(q); ok {
			r.quoteSender = s
		}
		if q.Type == gateway.TypeText && q.Body != "" {
			r.quoted = &waE2E.Message{Conversation: proto.String(q.Body)}
		}
	}
	if out.Type == gateway.TypePollVote {
		if p := e.lookup(ctx, out.Target); p != nil && p.Type == gateway.TypePoll {
			if s, ok := e.senderOf(p); ok {
				if chat, err := toJID(p.Chat); err == nil {
					r.poll = &types.MessageInfo{ID: types.MessageID(p.WAMessageID),
						MessageSource: types.MessageSource{Chat: chat, Sender: s, IsFromMe: p.Direction == gateway.DirectionOutbound}}
				}
			}
		}
	}
	if out.Type == gateway.TypeReaction {
		if t := e.lookup(ctx, out.Target); t != nil {
			if t.Direction == gateway.DirectionOutbound {
				r.targetSender, r.targetKnown = types.EmptyJID, true
			} else if s, ok := e.senderOf(t); ok {
				r.targetSender, r.targetKnown = s, true
			}
		}
	}
	return r
}

// messageForRetry rebuilds a sent message for a recipient whose device
// could not decrypt it and asked again after whatsmeow's in-memory cache
// of recent sends was lost (a restart). Media is not uploaded again here
// (this runs in whatsmeow's event loop): only content without media is
// rebuilt; nil otherwise, and whatsmeow then cannot answer the retry.
func (e *Engine) messageForRetry(id types.MessageID) *waE2E.Message {
	e.mu.Lock()
	ctx, cli := e.hctx, e.cli
	e.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	m := e.lookup(ctx, string(id))
	if m == nil || m.Direction != gateway.DirectionOutbound {
		return nil
	}
	out, err := outbound.FromStored(m)
	if err != nil || out.Media != nil {
		return nil
	}
	// The group's members are not looked up here: a mention_all goes
	// again with the mentions it names.
	out.MentionAll = false
	_, msg, err := buildMessage(ctx, cli, noUpload{}, noFetch{}, 0, out, e.refsOf(ctx, out))
	if err != nil {
		return nil
	}
	return msg
}

type noUpload struct{}

func (noUpload) Upload(context.Context, []byte, wa.MediaType) (wa.UploadResponse, error) {
	return wa.UploadResponse{}, errNoUpload
}

type noFetch struct{}

func (noFetch) Fetch(context.Context, string, int64) ([]byte, string, error) {
	return nil, "", errNoUpload
}

var errNoUpload = gateway.Errorf(gateway.CodeUnavailable, "Media is not uploaded again for a retry.")
