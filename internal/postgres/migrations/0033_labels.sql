-- Labels (WhatsApp Business) of a session's account, and the chats and
-- messages carrying them. label_id is WhatsApp's own id (a small number as
-- text). A chat or message is named by its JID (and WhatsApp message id),
-- not by a row of ours: the phone labels chats and messages the gateway
-- may not have stored.
CREATE TABLE labels (
    user_id    UUID NOT NULL,
    session_id UUID NOT NULL,
    label_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    color      INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, label_id),
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

CREATE TABLE label_chats (
    session_id UUID NOT NULL,
    label_id   TEXT NOT NULL,
    chat       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, label_id, chat),
    FOREIGN KEY (session_id, label_id) REFERENCES labels (session_id, label_id) ON DELETE CASCADE
);

CREATE INDEX label_chats_chat ON label_chats (session_id, chat);

CREATE TABLE label_messages (
    session_id    UUID NOT NULL,
    label_id      TEXT NOT NULL,
    chat          TEXT NOT NULL,
    wa_message_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (session_id, label_id, chat, wa_message_id),
    FOREIGN KEY (session_id, label_id) REFERENCES labels (session_id, label_id) ON DELETE CASCADE
);
