package whatsmeow

import (
	"cmp"
	"time"

	"context"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// buildPoll builds a poll as whatsmeow's BuildPollCreation does, with the
// message secret chosen when the poll was accepted (so a resend after a
// crash keeps it, and votes on the first copy still open). whatsmeow keeps
// the secret of what it sends, to read the votes.
func buildPoll(out *gateway.OutboundMessage, fields map[string]string) *waE2E.Message {
	p := out.Poll
	switch {
	case p == nil || p.Question == "":
		fields["poll.question"] = "Give the poll's question."
	case len(p.Options) < gateway.MinPollOptions || len(p.Options) > gateway.MaxPollOptions:
		fields["poll.options"] = "Give 2 to 12 answers."
	case len(out.Secret) != gateway.PollSecretSize:
		fields["poll"] = "The poll has no message secret."
	}
	if len(fields) > 0 {
		return nil
	}
	selectable := uint32(1)
	if p.MultipleAnswers {
		selectable = 0 // any number
	}
	options := make([]*waE2E.PollCreationMessage_Option, len(p.Options))
	for i, o := range p.Options {
		options[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
	}
	return &waE2E.Message{
		PollCreationMessage: &waE2E.PollCreationMessage{
			Name: proto.String(p.Question), Options: options, SelectableOptionsCount: proto.Uint32(selectable),
		},
		MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: out.Secret},
	}
}

// pollCreation returns a message's poll, in any of WhatsApp's versions.
func pollCreation(m *waE2E.Message) *waE2E.PollCreationMessage {
	return cmp.Or(m.GetPollCreationMessage(), m.GetPollCreationMessageV2(), m.GetPollCreationMessageV3())
}

// voteDecrypter opens a poll vote with the poll's secret (*whatsmeow.Client).
type voteDecrypter interface {
	DecryptPollVote(ctx context.Context, vote *events.Message) (*waE2E.PollVoteMessage, error)
}

// pollVote decrypts a received vote (whatsmeow keeps the secret of every
// poll sent or received) and names the chosen answers from the stored
// poll; nil when it cannot be read or the poll is not stored.
func (e *Engine) pollVote(cli *wa.Client, v *events.Message) *gateway.EvPollVote {
	e.mu.Lock()
	ctx := e.hctx
	e.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	var lids lidMap
	if cli.Store != nil && cli.Store.LIDs != nil {
		lids = cli.Store.LIDs
	}
	return e.readVote(ctx, cli, lids, v)
}

func (e *Engine) readVote(ctx context.Context, d voteDecrypter, lids lidMap, v *events.Message) *gateway.EvPollVote {
	upd := v.Message.GetPollUpdateMessage()
	pollID := upd.GetPollCreationMessageKey().GetID()
	poll := e.lookup(ctx, pollID)
	if poll == nil || poll.Type != gateway.TypePoll {
		e.log.Info("vote on an unknown poll", "wa_message_id", pollID)
		return nil
	}
	p, err := gateway.ParsePayload(poll.Payload)
	if err != nil || p.Poll == nil {
		return nil
	}
	vote, err := d.DecryptPollVote(ctx, v)
	if err != nil {
		e.log.Warn("poll vote does not decrypt", "wa_message_id", pollID, "error", err)
		return nil
	}
	in := &gateway.InboundMessage{}
	fillSource(ctx, lids, v.Info, in)
	at := in.Timestamp
	if ms := upd.GetSenderTimestampMS(); ms > 0 {
		at = time.UnixMilli(ms).UTC()
	}
	return &gateway.EvPollVote{
		PollWAMessageID: pollID, Chat: in.Chat, Voter: in.Sender, VoterPhone: in.SenderPhone, VoterLID: in.SenderLID,
		Options: gateway.PollAnswers(p.Poll.Options, vote.GetSelectedOptions()), WAMessageID: in.WAMessageID, Timestamp: at,
	}
}
