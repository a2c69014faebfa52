-- Chats and history sync.
--
-- history marks the messages history sync brought in after pairing (the
-- account's past, not traffic through the gateway): they are shown in a
-- chat's history, never announced as new messages, and left out of the
-- analytics rollups, usage and quotas. The rollup trigger of 0004 is split
-- below into one trigger per operation with that condition; the function
-- is unchanged.
ALTER TABLE messages ADD COLUMN history BOOLEAN NOT NULL DEFAULT FALSE;

-- A chat's history, newest first, by cursor (created_at, id).
CREATE INDEX messages_chat ON messages (session_id, chat, created_at, id);

-- The session's chats. The trigger below keeps the last message and the
-- unread count with every message stored, in the same transaction; chat
-- actions change the flags. muted_until is in microseconds, -1 forever.
-- cleared_at is when the chat was deleted: messages up to it are hidden,
-- and the chat is listed again once a newer one arrives.
CREATE TABLE chats (
    user_id         UUID NOT NULL,
    session_id      UUID NOT NULL,
    jid             TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    is_group        BOOLEAN NOT NULL DEFAULT FALSE,
    last_message_id UUID,
    last_message_at BIGINT NOT NULL DEFAULT 0,
    unread_count    INTEGER NOT NULL DEFAULT 0,
    marked_unread   BOOLEAN NOT NULL DEFAULT FALSE,
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    pinned_at       BIGINT,
    muted_until     BIGINT,
    cleared_at      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, jid),
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

CREATE INDEX chats_list ON chats (user_id, session_id, archived, last_message_at);

-- Reactions, edits and revokes change no chat's last message. Deferred to
-- the commit, as the rollup is (0004), so two sends to one chat do not
-- queue behind each other's chat row for a whole transaction.
CREATE FUNCTION messages_chat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chats AS c (user_id, session_id, jid, is_group, last_message_id, last_message_at, unread_count)
        VALUES (NEW.user_id, NEW.session_id, NEW.chat, NEW.is_group, NEW.id, NEW.created_at,
            CASE WHEN NEW.direction = 'inbound' AND NOT NEW.history THEN 1 ELSE 0 END)
        ON CONFLICT (session_id, jid) DO UPDATE SET
            last_message_id = CASE WHEN EXCLUDED.last_message_at >= c.last_message_at
                THEN EXCLUDED.last_message_id ELSE c.last_message_id END,
            last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
            unread_count = c.unread_count + EXCLUDED.unread_count;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER messages_chat AFTER INSERT ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.chat <> '' AND NEW.type NOT IN ('reaction', 'edit', 'revoke'))
    EXECUTE FUNCTION messages_chat();

-- The chats of the messages stored before this migration.
INSERT INTO chats (user_id, session_id, jid, is_group, last_message_id, last_message_at)
    SELECT DISTINCT ON (session_id, chat) user_id, session_id, chat, is_group, id, created_at FROM messages
    WHERE chat <> '' AND type NOT IN ('reaction', 'edit', 'revoke')
    ORDER BY session_id, chat, created_at DESC, id DESC;

DROP TRIGGER messages_rollup ON messages;

CREATE CONSTRAINT TRIGGER messages_rollup_insert AFTER INSERT ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NOT NEW.history) EXECUTE FUNCTION messages_rollup();

CREATE CONSTRAINT TRIGGER messages_rollup_update AFTER UPDATE ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NOT NEW.history) EXECUTE FUNCTION messages_rollup();

CREATE CONSTRAINT TRIGGER messages_rollup_delete AFTER DELETE ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NOT OLD.history) EXECUTE FUNCTION messages_rollup();
