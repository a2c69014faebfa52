-- Polls: a poll's message secret (every vote on it is encrypted with it),
-- kept beside the message and never answered; and each voter's current
-- vote on a poll, replaced by a later vote of the same voter.
ALTER TABLE messages ADD COLUMN secret BLOB;

CREATE TABLE poll_votes (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    poll_message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    voter           TEXT NOT NULL,
    voter_phone     TEXT NOT NULL DEFAULT '',
    voter_lid       TEXT NOT NULL DEFAULT '',
    options         TEXT NOT NULL,
    wa_message_id   TEXT NOT NULL DEFAULT '',
    voted_at        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (poll_message_id, voter)
) STRICT;

CREATE INDEX poll_votes_user ON poll_votes (user_id, poll_message_id, voted_at);
