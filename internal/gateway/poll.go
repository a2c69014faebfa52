package gateway

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// Poll bounds: WhatsApp's clients offer 2 to 12 options.
const (
	MinPollOptions = 2
	MaxPollOptions = 12
	// PollSecretSize is the size of a poll's message secret.
	PollSecretSize = 32
)

// Poll is the content of a poll message.
type Poll struct {
	Question        string   `json:"question" desc:"The poll's question."`
	Options         []string `json:"options" desc:"The answers to choose from, 2 to 12, each different."`
	MultipleAnswers bool     `json:"multiple_answers,omitempty" desc:"true: a voter may choose several answers; false: one."`
}

// PollVote is one voter's current choice in a poll: a later vote of the
// same voter replaces it, and an empty Options withdraws it.
type PollVote struct {
	ID              string    `json:"-"`
	UserID          string    `json:"-"`
	SessionID       string    `json:"-"`
	PollMessageID   string    `json:"-"`
	PollWAMessageID string    `json:"-"`
	Voter           string    `json:"voter" desc:"The voter's WhatsApp id."`
	VoterPhone      string    `json:"voter_phone,omitempty" desc:"The voter's phone number, when WhatsApp tells it."`
	VoterLID        string    `json:"voter_lid,omitempty" desc:"The voter's LID, when WhatsApp uses one."`
	Options         []string  `json:"options" desc:"The answers chosen; empty when the voter withdrew their vote."`
	WAMessageID     string    `json:"wa_message_id,omitempty" desc:"The WhatsApp id of the vote message."`
	VotedAt         time.Time `json:"voted_at" desc:"When the voter voted (the vote's own time)."`
}

// PollVoteData is the data of a poll.vote event.
type PollVoteData struct {
	MessageID   string    `json:"message_id" desc:"The poll's message id in the gateway."`
	WAMessageID string    `json:"wa_message_id" desc:"The poll's WhatsApp id."`
	SessionID   string    `json:"session_id" desc:"The session the poll belongs to."`
	Chat        string    `json:"chat" desc:"The chat of the poll."`
	Voter       string    `json:"voter" desc:"The voter's WhatsApp id."`
	VoterPhone  string    `json:"voter_phone,omitempty" desc:"The voter's phone number, when known."`
	VoterLID    string    `json:"voter_lid,omitempty" desc:"The voter's LID, when known."`
	Options     []string  `json:"options" desc:"The answers the voter now chooses (empty: the vote was withdrawn)."`
	At          time.Time `json:"at" desc:"When the vote was cast."`
}

// PollTally is a poll with its current votes.
type PollTally struct {
	MessageID       string            `json:"message_id" desc:"The poll's message id."`
	Question        string            `json:"question" desc:"The poll's question."`
	MultipleAnswers bool              `json:"multiple_answers" desc:"Whether voters may choose several answers."`
	Options         []PollOptionTally `json:"options" desc:"Each answer with its votes, in the poll's order."`
	Voters          int               `json:"voters" desc:"How many people have a vote counted."`
	Votes           []*PollVote       `json:"votes" desc:"Each voter's current vote, oldest first."`
}

// PollOptionTally is one answer of a poll and who chose it.
type PollOptionTally struct {
	Name   string   `json:"name" desc:"The answer."`
	Votes  int      `json:"votes" desc:"How many voters chose it."`
	Voters []string `json:"voters" desc:"The WhatsApp ids of those voters."`
}

// PollStore keeps poll votes.
type PollStore interface {
	// RecordPollVote stores v as its voter's current vote in the poll (v.PollMessageID,
	// a message of v.UserID) unless a vote at least as recent is stored, and then
	// writes the events of build in the same transaction. It reports whether v was
	// stored. CodeNotFound when the poll message is absent or another tenant's.
	RecordPollVote(ctx context.Context, v *PollVote, build func(*PollVote) []*Event) (bool, error)
	// PollVotes lists the current votes of a tenant's poll, oldest first.
	PollVotes(ctx context.Context, userID, pollMessageID string) ([]*PollVote, error)
}

// NewPollSecret returns a new poll's message secret: the key every vote
// on the poll is encrypted with.
func NewPollSecret() []byte {
	b := make([]byte, PollSecretSize)
	if _, err := rand.Read(b); err != nil {
		panic("gateway: crypto/rand: " + err.Error())
	}
	return b
}

// PollOptionHash is how a vote names an answer: the SHA-256 of its text.
func PollOptionHash(option string) []byte {
	h := sha256.Sum256([]byte(option))
	return h[:]
}

// pollVoteKey derives the AES-256-GCM key and additional data of one
// voter's votes on one poll from the poll's secret, as WhatsApp does
// (HKDF-SHA256 over poll id, poll sender, voter and "Poll Vote"; the
// additional data is the poll id and the voter). JIDs are user JIDs
// without a device.
func pollVoteKey(secret []byte, pollID, pollSender, voter string) (cipher.AEAD, []byte, error) {
	info := pollID + pollSender + voter + "Poll Vote"
	key, err := hkdf.Key(sha256.New, secret, nil, info, 32)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return aead, []byte(pollID + "\x00" + voter), nil
}

// EncryptPollVote encrypts a vote (the hashes of the chosen answers) for
// the poll pollID sent by pollSender, as voter. The plaintext is the
// protobuf PollVoteMessage WhatsApp uses (field 1, repeated bytes).
func EncryptPollVote(secret []byte, pollID, pollSender, voter string, hashes [][]byte) (payload, iv []byte, err error) {
	aead, ad, err := pollVoteKey(secret, pollID, pollSender, voter)
	if err != nil {
		return nil, nil, err
	}
	var plain []byte
	for _, h := range hashes {
		if len(h) > 127 {
			return nil, nil, errors.New("poll option hash too long")
		}
		plain = append(plain, 0x0a, byte(len(h)))
		plain = append(plain, h...)
	}
	iv = make([]byte, aead.NonceSize())
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, err
	}
	return aead.Seal(nil, iv, plain, ad), iv, nil
}

// DecryptPollVote opens a vote sealed by EncryptPollVote (or by WhatsApp)
// and returns the hashes of the chosen answers.
func DecryptPollVote(secret []byte, pollID, pollSender, voter string, payload, iv []byte) ([][]byte, error) {
	aead, ad, err := pollVoteKey(secret, pollID, pollSender, voter)
	if err != nil {
		return nil, err
	}
	if len(iv) != aead.NonceSize() {
		return nil, errors.New("poll vote: bad iv")
	}
	plain, err := aead.Open(nil, iv, payload, ad)
	if err != nil {
		return nil, fmt.Errorf("poll vote: %w", err)
	}
	var out [][]byte
	for len(plain) > 0 {
		if len(plain) < 2 || plain[0] != 0x0a || plain[1] > 127 || int(plain[1]) > len(plain)-2 {
			return nil, errors.New("poll vote: malformed vote")
		}
		n := int(plain[1])
		out = append(out, plain[2:2+n])
		plain = plain[2+n:]
	}
	return out, nil
}

// PollAnswers maps the hashes of a vote to the poll's answers, in the
// poll's order; hashes of no answer are left out.
func PollAnswers(options []string, hashes [][]byte) []string {
	out := []string{}
	for _, o := range options {
		h := PollOptionHash(o)
		for _, x := range hashes {
			if string(x) == string(h) {
				out = append(out, o)
				break
			}
		}
	}
	return out
}
