-- The gateway's schema for PostgreSQL. Times are unix microseconds (UTC) in
-- BIGINT, as in SQLite, so one SQL text serves both; ids are UUIDs, JSON is
-- JSONB. Keep it the same logical schema as SQLite's.

CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    price_cents BIGINT NOT NULL DEFAULT 0,
    currency    TEXT NOT NULL DEFAULT '',
    limits      JSONB NOT NULL DEFAULT '{}',
    features    JSONB NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE, -- lower-cased by the store
    name           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    plan_id        TEXT NOT NULL DEFAULT '',
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash  TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE INDEX users_created ON users (created_at);

CREATE TABLE sessions (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    engine        TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    webhook_url   TEXT NOT NULL DEFAULT '',
    settings      JSONB NOT NULL DEFAULT '{}',
    phone         TEXT NOT NULL DEFAULT '',
    push_name     TEXT NOT NULL DEFAULT '',
    device_jid    TEXT NOT NULL DEFAULT '',
    banned_until  BIGINT,
    connected_at  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- The parent key of the tenant-checked foreign keys below: a row that
    -- names a session must name its tenant too.
    UNIQUE (id, user_id)
);

CREATE INDEX sessions_user_created ON sessions (user_id, created_at);
CREATE INDEX sessions_engine_phone ON sessions (engine, phone);

CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    scopes       JSONB NOT NULL DEFAULT '[]',
    session_id   UUID,
    last_used_at BIGINT,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT NOT NULL
);

CREATE INDEX api_keys_user_created ON api_keys (user_id, created_at);

CREATE TABLE instances (
    id         UUID PRIMARY KEY,
    session_id UUID NOT NULL,
    user_id    UUID NOT NULL,
    status     TEXT NOT NULL,
    driver     TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    port       INTEGER NOT NULL DEFAULT 0,
    job_id     TEXT NOT NULL DEFAULT '',
    alloc_id   TEXT NOT NULL DEFAULT '',
    restarts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    started_at BIGINT,
    stopped_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

CREATE INDEX instances_session ON instances (session_id);
CREATE INDEX instances_user_created ON instances (user_id, created_at);
-- At most one live instance per session: two live WhatsApp connections for
-- one device make WhatsApp drop both.
CREATE UNIQUE INDEX instances_one_live ON instances (session_id)
    WHERE status IN ('pending', 'starting', 'running', 'restarting');

CREATE TABLE messages (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL,
    session_id    UUID NOT NULL,
    direction     TEXT NOT NULL,
    type          TEXT NOT NULL,
    recipient     TEXT NOT NULL DEFAULT '',
    sender        TEXT NOT NULL DEFAULT '',
    sender_phone  TEXT NOT NULL DEFAULT '',
    sender_lid    TEXT NOT NULL DEFAULT '',
    chat          TEXT NOT NULL DEFAULT '',
    is_group      BOOLEAN NOT NULL DEFAULT FALSE,
    body          TEXT NOT NULL DEFAULT '',
    payload       JSONB,
    reply_to      TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    status_rank   INTEGER NOT NULL,
    wa_message_id TEXT,
    error         TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    delivered_at  BIGINT,
    read_at       BIGINT,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

-- Lists and analytics of a tenant (the extra columns make counts index-only).
CREATE INDEX messages_user_created ON messages (user_id, created_at, direction, status);
-- The send queue of a session, oldest first.
CREATE INDEX messages_session_status ON messages (session_id, status, created_at);
-- Inbound deduplication and receipt lookup by WhatsApp id.
CREATE UNIQUE INDEX messages_session_wa ON messages (session_id, wa_message_id, direction);

CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         UUID NOT NULL UNIQUE,
    user_id    UUID NOT NULL,
    session_id UUID,
    type       TEXT NOT NULL,
    data       JSONB NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX events_user_seq ON events (user_id, seq);
CREATE INDEX events_user_created ON events (user_id, created_at);

CREATE TABLE webhooks (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id UUID,
    url        TEXT NOT NULL,
    events     JSONB NOT NULL DEFAULT '[]',
    headers    JSONB NOT NULL DEFAULT '{}',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    secret     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

CREATE INDEX webhooks_user_created ON webhooks (user_id, created_at);
CREATE INDEX webhooks_session ON webhooks (session_id);
