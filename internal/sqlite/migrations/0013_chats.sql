-- Chats and history sync.
--
-- history marks the messages history sync brought in after pairing (the
-- account's past, not traffic through the gateway): they are shown in a
-- chat's history, never announced as new messages, and left out of the
-- analytics rollups, usage and quotas. The rollup triggers of 0003 are
-- recreated below with that condition, unchanged otherwise.
ALTER TABLE messages ADD COLUMN history INTEGER NOT NULL DEFAULT 0;

-- A chat's history, newest first, by cursor (created_at, id).
CREATE INDEX messages_chat ON messages (session_id, chat, created_at, id);

-- The session's chats. The trigger below keeps the last message and the
-- unread count with every message stored, in the same statement; chat
-- actions change the flags. muted_until is in microseconds, -1 forever.
-- cleared_at is when the chat was deleted: messages up to it are hidden,
-- and the chat is listed again once a newer one arrives.
CREATE TABLE chats (
    user_id         TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    jid             TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    is_group        INTEGER NOT NULL DEFAULT 0,
    last_message_id TEXT,
    last_message_at INTEGER NOT NULL DEFAULT 0,
    unread_count    INTEGER NOT NULL DEFAULT 0,
    marked_unread   INTEGER NOT NULL DEFAULT 0,
    archived        INTEGER NOT NULL DEFAULT 0,
    pinned_at       INTEGER,
    muted_until     INTEGER,
    cleared_at      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, jid),
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX chats_list ON chats (user_id, session_id, archived, last_message_at);

-- Reactions, edits and revokes change no chat's last message.
CREATE TRIGGER messages_chat AFTER INSERT ON messages
    WHEN NEW.chat <> '' AND NEW.type NOT IN ('reaction', 'edit', 'revoke') BEGIN
    INSERT INTO chats (user_id, session_id, jid, is_group, last_message_id, last_message_at, unread_count)
        VALUES (NEW.user_id, NEW.session_id, NEW.chat, NEW.is_group, NEW.id, NEW.created_at,
            CASE WHEN NEW.direction = 'inbound' AND NEW.history = 0 THEN 1 ELSE 0 END)
        ON CONFLICT (session_id, jid) DO UPDATE SET
            last_message_id = CASE WHEN excluded.last_message_at >= chats.last_message_at
                THEN excluded.last_message_id ELSE chats.last_message_id END,
            last_message_at = MAX(chats.last_message_at, excluded.last_message_at),
            unread_count = chats.unread_count + excluded.unread_count;
END;

-- The chats of the messages stored before this migration.
INSERT INTO chats (user_id, session_id, jid, is_group, last_message_id, last_message_at)
    SELECT user_id, session_id, chat, is_group, id, MAX(created_at) FROM messages
    WHERE chat <> '' AND type NOT IN ('reaction', 'edit', 'revoke') GROUP BY session_id, chat;

DROP TRIGGER messages_rollup_insert;
DROP TRIGGER messages_rollup_status;
DROP TRIGGER messages_rollup_delivered;
DROP TRIGGER messages_rollup_delete;

CREATE TRIGGER messages_rollup_insert AFTER INSERT ON messages WHEN NEW.history = 0 BEGIN
    INSERT INTO message_hourly (session_id, user_id, hour, direction, status, n)
        VALUES (NEW.session_id, NEW.user_id, NEW.created_at / 3600000000, NEW.direction, NEW.status, 1)
        ON CONFLICT (session_id, hour, direction, status) DO UPDATE SET n = n + 1;
    INSERT INTO message_latency_daily (session_id, user_id, day, bucket_ms, n)
        SELECT NEW.session_id, NEW.user_id, NEW.created_at / 86400000000, CASE
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END, 1
        WHERE NEW.direction = 'outbound' AND NEW.sent_at IS NOT NULL AND NEW.delivered_at IS NOT NULL
        ON CONFLICT (session_id, day, bucket_ms) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_rollup_status AFTER UPDATE OF status ON messages WHEN OLD.status <> NEW.status AND NEW.history = 0 BEGIN
    UPDATE message_hourly SET n = n - 1 WHERE session_id = OLD.session_id AND hour = OLD.created_at / 3600000000
        AND direction = OLD.direction AND status = OLD.status;
    INSERT INTO message_hourly (session_id, user_id, hour, direction, status, n)
        VALUES (NEW.session_id, NEW.user_id, NEW.created_at / 3600000000, NEW.direction, NEW.status, 1)
        ON CONFLICT (session_id, hour, direction, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_rollup_delivered AFTER UPDATE OF delivered_at ON messages
    WHEN OLD.delivered_at IS NULL AND NEW.delivered_at IS NOT NULL AND NEW.sent_at IS NOT NULL AND NEW.direction = 'outbound'
    AND NEW.history = 0 BEGIN
    INSERT INTO message_latency_daily (session_id, user_id, day, bucket_ms, n)
        VALUES (NEW.session_id, NEW.user_id, NEW.created_at / 86400000000, CASE
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END, 1)
        ON CONFLICT (session_id, day, bucket_ms) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER messages_rollup_delete AFTER DELETE ON messages WHEN OLD.history = 0 BEGIN
    UPDATE message_hourly SET n = n - 1 WHERE session_id = OLD.session_id AND hour = OLD.created_at / 3600000000
        AND direction = OLD.direction AND status = OLD.status;
    UPDATE message_latency_daily SET n = n - 1 WHERE OLD.direction = 'outbound' AND OLD.sent_at IS NOT NULL
        AND OLD.delivered_at IS NOT NULL AND session_id = OLD.session_id AND day = OLD.created_at / 86400000000
        AND bucket_ms = CASE
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END;
END;
