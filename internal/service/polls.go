package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Poll limits, as WhatsApp's clients apply them.
const (
	maxPollQuestion = 255
	maxPollOption   = 100
)

// checkPoll validates a poll's question and answers and returns it
// trimmed; nil with fields set when it is not valid.
func checkPoll(p *gateway.Poll, fields map[string]string) *gateway.Poll {
	if p == nil {
		fields["poll"] = "Give the poll: {question, options, multiple_answers}."
		return nil
	}
	n := len(fields)
	out := &gateway.Poll{Question: strings.TrimSpace(p.Question), MultipleAnswers: p.MultipleAnswers}
	switch q := out.Question; {
	case q == "":
		fields["poll.question"] = "Give the poll's question."
	case utf8.RuneCountInString(q) > maxPollQuestion:
		fields["poll.question"] = fmt.Sprintf("The question must be at most %d characters.", maxPollQuestion)
	}
	if len(p.Options) < gateway.MinPollOptions || len(p.Options) > gateway.MaxPollOptions {
		fields["poll.options"] = fmt.Sprintf("Give %d to %d answers.", gateway.MinPollOptions, gateway.MaxPollOptions)
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		o = strings.TrimSpace(o)
		field := fmt.Sprintf("poll.options[%d]", i)
		switch {
		case o == "":
			fields[field] = "An answer cannot be empty."
		case utf8.RuneCountInString(o) > maxPollOption:
			fields[field] = fmt.Sprintf("An answer must be at most %d characters.", maxPollOption)
		case seen[o]:
			// Votes name answers by the hash of their text: two equal
			// answers could not be told apart.
			fields[field] = "Each answer must be different."
		}
		seen[o] = true
		out.Options = append(out.Options, o)
	}
	if len(fields) > n {
		return nil
	}
	return out
}

// checkVote finds the poll a poll_vote is for (the caller's message id,
// or a WhatsApp id of a poll of the session), checks the answers chosen
// against it and returns the poll's WhatsApp id and the answers in the
// poll's order.
func (s *Service) checkVote(ctx context.Context, userID, sessionID string, rcpt gateway.Recipient, target string, votes []string) (string, []string, error) {
	var (
		poll *gateway.Message
		err  error
	)
	if _, perr := uuid.Parse(target); perr == nil {
		poll, err = s.messages.MessageByID(ctx, userID, target)
	} else if l, ok := s.messages.(interface {
		MessageByWAID(ctx context.Context, sessionID, waMessageID string) (*gateway.Message, error)
	}); ok {
		poll, err = l.MessageByWAID(ctx, sessionID, target)
	} else {
		err = gateway.NotFound("Message")
	}
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return "", nil, gateway.ValidationError(map[string]string{"target": "No poll with this id in this session."})
	}
	if err != nil {
		return "", nil, err
	}
	p, err := gateway.ParsePayload(poll.Payload)
	if err != nil {
		return "", nil, err
	}
	switch {
	case poll.Type != gateway.TypePoll || p.Poll == nil:
		return "", nil, gateway.ValidationError(map[string]string{"target": "The message is not a poll."})
	case poll.SessionID != sessionID:
		return "", nil, gateway.ValidationError(map[string]string{"target": "The poll belongs to another session."})
	case poll.WAMessageID == "" || poll.Status == gateway.MessageQueued || poll.Status == gateway.MessageScheduled ||
		poll.Status == gateway.MessageFailed || poll.Status == gateway.MessageCanceled:
		return "", nil, gateway.ValidationError(map[string]string{"target": "The poll has not been sent; a vote goes on a sent or received poll."})
	case poll.Chat != rcpt.JID:
		return "", nil, gateway.ValidationError(map[string]string{"recipient": "A vote goes to the poll's chat, " + poll.Chat + "."})
	}
	chosen := map[string]bool{}
	for i, v := range votes {
		if !containsString(p.Poll.Options, v) {
			return "", nil, gateway.ValidationError(map[string]string{fmt.Sprintf("votes[%d]", i): "Not an answer of the poll; answers: " + strings.Join(p.Poll.Options, ", ") + "."})
		}
		chosen[v] = true
	}
	if len(chosen) > 1 && !p.Poll.MultipleAnswers {
		return "", nil, gateway.ValidationError(map[string]string{"votes": "The poll takes one answer."})
	}
	out := []string{}
	for _, o := range p.Poll.Options {
		if chosen[o] {
			out = append(out, o)
		}
	}
	return poll.WAMessageID, out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PollTally returns one of the caller's polls (sent or received) with the
// current vote of every voter and the count of each answer.
func (s *Service) PollTally(ctx context.Context, userID, id string) (*gateway.PollTally, error) {
	m, p, err := s.messageAndPayload(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if m.Type != gateway.TypePoll || p.Poll == nil {
		return nil, gateway.Errorf(gateway.CodeNotFound, "The message is not a poll.")
	}
	votes, err := s.polls.PollVotes(ctx, userID, m.ID)
	if err != nil {
		return nil, err
	}
	t := &gateway.PollTally{MessageID: m.ID, Question: p.Poll.Question, MultipleAnswers: p.Poll.MultipleAnswers, Votes: votes}
	if t.Votes == nil {
		t.Votes = []*gateway.PollVote{}
	}
	index := map[string]int{}
	for i, o := range p.Poll.Options {
		index[o] = i
		t.Options = append(t.Options, gateway.PollOptionTally{Name: o, Voters: []string{}})
	}
	for _, v := range votes {
		if len(v.Options) > 0 {
			t.Voters++
		}
		for _, o := range v.Options {
			if i, ok := index[o]; ok {
				t.Options[i].Votes++
				t.Options[i].Voters = append(t.Options[i].Voters, v.Voter)
			}
		}
	}
	return t, nil
}
