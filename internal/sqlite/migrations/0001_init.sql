-- The gateway's schema for SQLite. Times are unix microseconds (UTC), JSON is
-- TEXT, booleans are 0/1. Keep it the same logical schema as PostgreSQL's.

CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    price_cents INTEGER NOT NULL DEFAULT 0,
    currency    TEXT NOT NULL DEFAULT '',
    limits      TEXT NOT NULL DEFAULT '{}',
    features    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE, -- lower-cased by the store
    name           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    plan_id        TEXT NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX users_created ON users (created_at);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    engine        TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    webhook_url   TEXT NOT NULL DEFAULT '',
    settings      TEXT NOT NULL DEFAULT '{}',
    phone         TEXT NOT NULL DEFAULT '',
    push_name     TEXT NOT NULL DEFAULT '',
    device_jid    TEXT NOT NULL DEFAULT '',
    banned_until  INTEGER,
    connected_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- The parent key of the tenant-checked foreign keys below: a row that
    -- names a session must name its tenant too.
    UNIQUE (id, user_id)
) STRICT;

CREATE INDEX sessions_user_created ON sessions (user_id, created_at);
CREATE INDEX sessions_engine_phone ON sessions (engine, phone);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL DEFAULT '[]',
    session_id   TEXT,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_user_created ON api_keys (user_id, created_at);

CREATE TABLE instances (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    driver     TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    port       INTEGER NOT NULL DEFAULT 0,
    job_id     TEXT NOT NULL DEFAULT '',
    alloc_id   TEXT NOT NULL DEFAULT '',
    restarts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    started_at INTEGER,
    stopped_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX instances_session ON instances (session_id);
CREATE INDEX instances_user_created ON instances (user_id, created_at);
-- At most one live instance per session: two live WhatsApp connections for
-- one device make WhatsApp drop both.
CREATE UNIQUE INDEX instances_one_live ON instances (session_id)
    WHERE status IN ('pending', 'starting', 'running', 'restarting');

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    direction     TEXT NOT NULL,
    type          TEXT NOT NULL,
    recipient     TEXT NOT NULL DEFAULT '',
    sender        TEXT NOT NULL DEFAULT '',
    sender_phone  TEXT NOT NULL DEFAULT '',
    sender_lid    TEXT NOT NULL DEFAULT '',
    chat          TEXT NOT NULL DEFAULT '',
    is_group      INTEGER NOT NULL DEFAULT 0,
    body          TEXT NOT NULL DEFAULT '',
    payload       TEXT,
    reply_to      TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    status_rank   INTEGER NOT NULL,
    wa_message_id TEXT,
    error         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    delivered_at  INTEGER,
    read_at       INTEGER,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
) STRICT;

-- Lists and analytics of a tenant (the extra columns make counts index-only).
CREATE INDEX messages_user_created ON messages (user_id, created_at, direction, status);
-- The send queue of a session, oldest first.
CREATE INDEX messages_session_status ON messages (session_id, status, created_at);
-- Inbound deduplication and receipt lookup by WhatsApp id.
CREATE UNIQUE INDEX messages_session_wa ON messages (session_id, wa_message_id, direction);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    session_id TEXT,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX events_user_seq ON events (user_id, seq);
CREATE INDEX events_user_created ON events (user_id, created_at);

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',
    headers    TEXT NOT NULL DEFAULT '{}',
    active     INTEGER NOT NULL DEFAULT 1,
    secret     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX webhooks_user_created ON webhooks (user_id, created_at);
CREATE INDEX webhooks_session ON webhooks (session_id);
