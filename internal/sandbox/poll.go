package sandbox

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Polls in the sandbox work as on WhatsApp: a poll travels with its
// message secret; a vote travels encrypted (AES-GCM, with a key derived
// from the poll's secret, the poll, its sender and the voter:
// gateway.EncryptPollVote), naming the chosen answers by the SHA-256 of
// their text; the receiving session opens it with the secret it stored
// with the poll.

// validatePoll checks a poll as WhatsApp would refuse it.
func validatePoll(m *gateway.OutboundMessage, f map[string]string) {
	p := m.Poll
	switch {
	case p == nil || p.Question == "":
		f["poll.question"] = "Give the poll's question."
	case len(p.Options) < gateway.MinPollOptions || len(p.Options) > gateway.MaxPollOptions:
		f["poll.options"] = "Give 2 to 12 answers."
	case len(m.Secret) != gateway.PollSecretSize:
		f["poll"] = "The poll has no message secret."
	}
}

type sealedVote struct{ payload, iv []byte }

// sealVote encrypts a poll_vote for the poll m.Target, read from the
// session's stored messages (with its secret). CodeValidation when the
// poll is not known here or has no secret.
func (e *Engine) sealVote(ctx context.Context, m *gateway.OutboundMessage) (*sealedVote, error) {
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	poll, sender := e.pollOf(ctx, m.Target, me)
	if poll == nil {
		return nil, gateway.ValidationError(map[string]string{"target": "The poll is not known to this session, so a vote on it cannot be encrypted."})
	}
	p, err := gateway.ParsePayload(poll.Payload)
	if err != nil || p.Poll == nil {
		return nil, gateway.ValidationError(map[string]string{"target": "The message voted on is not a poll."})
	}
	hashes := make([][]byte, 0, len(m.Votes))
	for _, v := range m.Votes {
		hashes = append(hashes, gateway.PollOptionHash(v))
	}
	payload, iv, err := gateway.EncryptPollVote(poll.Secret, m.Target, sender, me+"@"+gateway.ServerUser, hashes)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The vote could not be encrypted.")
	}
	return &sealedVote{payload: payload, iv: iv}, nil
}

// pollOf returns the stored poll with WhatsApp id id and the JID of who
// sent it (this account for its own polls); nil when it is not stored or
// has no secret.
func (e *Engine) pollOf(ctx context.Context, id, me string) (*gateway.Message, string) {
	if e.cfg.LookupMessage == nil || id == "" {
		return nil, ""
	}
	poll, err := e.cfg.LookupMessage(ctx, id)
	if err != nil || poll.Type != gateway.TypePoll || len(poll.Secret) == 0 {
		return nil, ""
	}
	sender := poll.Sender
	if poll.Direction == gateway.DirectionOutbound {
		sender = me + "@" + gateway.ServerUser
	}
	return poll, sender
}

// openVote decrypts a received vote with the stored poll's secret and
// returns it as an event naming the chosen answers; nil when the poll is
// not stored here or the vote does not open (tampered, or for another poll).
func (e *Engine) openVote(env Envelope) *gateway.EvPollVote {
	e.mu.Lock()
	me, ctx := e.phone, e.hctx
	e.unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	poll, sender := e.pollOf(ctx, env.Target, me)
	if poll == nil {
		e.log.Info("sandbox vote on an unknown poll", "wa_message_id", env.Target)
		return nil
	}
	voter := env.FromPhone + "@" + gateway.ServerUser
	hashes, err := gateway.DecryptPollVote(poll.Secret, env.Target, sender, voter, env.VotePayload, env.VoteIV)
	if err != nil {
		e.log.Warn("sandbox vote does not decrypt", "wa_message_id", env.Target, "error", err)
		return nil
	}
	p, err := gateway.ParsePayload(poll.Payload)
	if err != nil || p.Poll == nil {
		return nil
	}
	return &gateway.EvPollVote{
		PollWAMessageID: env.Target, Chat: voter, Voter: voter, VoterPhone: env.FromPhone, VoterLID: env.FromLID,
		Options: gateway.PollAnswers(p.Poll.Options, hashes), WAMessageID: env.ID, Timestamp: env.Timestamp,
	}
}
