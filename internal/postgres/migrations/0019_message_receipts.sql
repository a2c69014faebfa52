-- Receipts of group messages: each participant's delivered, read and
-- played times of a message the session sent to a group.
CREATE TABLE message_receipts (
    message_id        UUID NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id           UUID NOT NULL,
    participant       TEXT NOT NULL,
    participant_phone TEXT NOT NULL DEFAULT '',
    participant_lid   TEXT NOT NULL DEFAULT '',
    delivered_at      BIGINT,
    read_at           BIGINT,
    played_at         BIGINT,
    PRIMARY KEY (message_id, participant)
);
