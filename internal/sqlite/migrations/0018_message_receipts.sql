-- Receipts of group messages: each participant's delivered, read and
-- played times of a message the session sent to a group.
CREATE TABLE message_receipts (
    message_id        TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL,
    participant       TEXT NOT NULL,
    participant_phone TEXT NOT NULL DEFAULT '',
    participant_lid   TEXT NOT NULL DEFAULT '',
    delivered_at      INTEGER,
    read_at           INTEGER,
    played_at         INTEGER,
    PRIMARY KEY (message_id, participant)
) STRICT;
