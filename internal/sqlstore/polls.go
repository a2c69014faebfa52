package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

const pollVoteCols = `id, user_id, session_id, poll_message_id, voter, voter_phone, voter_lid, options, wa_message_id, voted_at`

// RecordPollVote stores v as its voter's current vote on the poll, in one
// upsert guarded by the vote's time (a redelivered or older vote changes
// nothing), and the events of build in the same transaction. The insert
// reads the poll message by id and tenant, so a vote never lands on
// another tenant's poll: CodeNotFound then.
func (s *Store) RecordPollVote(ctx context.Context, v *gateway.PollVote, build func(*gateway.PollVote) []*gateway.Event) (bool, error) {
	if !isUUID(v.UserID) || !isUUID(v.PollMessageID) {
		return false, gateway.NotFound("Poll")
	}
	if v.Voter == "" {
		return false, gateway.ValidationError(map[string]string{"voter": "A vote needs its voter."})
	}
	if v.Options == nil {
		v.Options = []string{}
	}
	opts, err := json.Marshal(v.Options)
	if err != nil {
		return false, gateway.WrapError(err, gateway.CodeInternal, "The vote could not be stored.")
	}
	v.ID = newID(v.ID)
	v.VotedAt = stamp(v.VotedAt)
	stored := false
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var sessionID, waID string
		err := tx.QueryRowContext(ctx, s.q(`SELECT session_id, COALESCE(wa_message_id, '') FROM messages WHERE id = ? AND user_id = ? AND type = ?`),
			v.PollMessageID, v.UserID, string(gateway.TypePoll)).Scan(&sessionID, &waID)
		if err != nil {
			return s.fail(err, "record poll vote", "Poll", "")
		}
		v.SessionID, v.PollWAMessageID = sessionID, waID
		ok, err := changed(tx.ExecContext(ctx, s.q(`INSERT INTO poll_votes (`+pollVoteCols+`, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (poll_message_id, voter) DO UPDATE SET options = excluded.options,
				voter_phone = excluded.voter_phone, voter_lid = excluded.voter_lid,
				wa_message_id = excluded.wa_message_id, voted_at = excluded.voted_at
			WHERE poll_votes.voted_at < excluded.voted_at`),
			v.ID, v.UserID, sessionID, v.PollMessageID, v.Voter, v.VoterPhone, v.VoterLID, string(opts), v.WAMessageID,
			micros(v.VotedAt), micros(now())))
		if err != nil || !ok {
			return err
		}
		stored = true
		if build == nil {
			return nil
		}
		return s.insertNewEvents(ctx, tx, v.UserID, build(v))
	})
	if err != nil {
		return false, s.fail(err, "record poll vote", "Poll", "")
	}
	return stored, nil
}

// PollVotes lists the current votes of a tenant's poll, oldest first.
func (s *Store) PollVotes(ctx context.Context, userID, pollMessageID string) ([]*gateway.PollVote, error) {
	if !isUUID(userID) || !isUUID(pollMessageID) {
		return nil, nil
	}
	list, err := queryAll(ctx, s, `SELECT v.id, v.user_id, v.session_id, v.poll_message_id, v.voter, v.voter_phone, v.voter_lid,
		v.options, v.wa_message_id, v.voted_at, COALESCE(m.wa_message_id, '')
		FROM poll_votes v JOIN messages m ON m.id = v.poll_message_id
		WHERE v.user_id = ? AND v.poll_message_id = ? ORDER BY v.voted_at, v.voter`,
		[]any{userID, pollMessageID}, scanPollVote)
	return list, s.fail(err, "poll votes", "Poll", "")
}

func scanPollVote(sc scanner) (*gateway.PollVote, error) {
	var (
		v       gateway.PollVote
		opts    string
		votedAt int64
	)
	if err := sc.Scan(&v.ID, &v.UserID, &v.SessionID, &v.PollMessageID, &v.Voter, &v.VoterPhone, &v.VoterLID, &opts,
		&v.WAMessageID, &votedAt, &v.PollWAMessageID); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(opts), &v.Options); err != nil {
		return nil, err
	}
	v.VotedAt = fromMicros(votedAt)
	return &v, nil
}
