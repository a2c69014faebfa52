-- The SaaS layer (issue 6) for PostgreSQL: subscriptions and their history, plan
-- overage prices, the admin audit log, quota counters, usage thresholds,
-- idempotency records, one-time user tokens and analytics indexes. Keep it
-- the same logical schema as PostgreSQL's.

ALTER TABLE plans ADD COLUMN overage JSONB NOT NULL DEFAULT '{}';

CREATE TABLE subscriptions (
    user_id              UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    plan_id              TEXT NOT NULL,
    status               TEXT NOT NULL,
    current_period_start BIGINT NOT NULL,
    current_period_end   BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE subscription_changes (
    id           TEXT PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_plan_id TEXT NOT NULL,
    to_plan_id   TEXT NOT NULL,
    actor_id     TEXT,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE INDEX subscription_changes_user ON subscription_changes (user_id, created_at);

-- Admin actions. Actor and target are not foreign keys: the log outlives them.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    actor_id    TEXT NOT NULL,
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    details     JSONB,
    ip          TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_target ON audit_log (target_id, created_at);

-- Atomic per-period counters (messages accepted per month), initialised
-- from the stored messages on first use, so they can always be recomputed.
CREATE TABLE usage_counters (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period  TEXT NOT NULL,
    metric  TEXT NOT NULL,
    used    BIGINT NOT NULL,
    PRIMARY KEY (user_id, period, metric)
);

-- Usage thresholds already announced, so each is announced once per period.
CREATE TABLE usage_thresholds (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period     TEXT NOT NULL,
    metric     TEXT NOT NULL,
    threshold  INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, period, metric, threshold)
);

CREATE TABLE idempotency_keys (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    body        TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

CREATE TABLE user_tokens (
    hash       TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Analytics rollups, kept exact by triggers on messages in the same
-- transaction as every insert, status change and delete (so nothing in Go
-- can forget them), and rebuilt from the messages by this migration: the
-- messages of a tenant per session, UTC hour, direction and status, and the
-- delivery latencies (delivered_at - sent_at) of outbound messages per
-- session, UTC day and histogram bucket (the upper bound in ms; see
-- internal/sqlstore/usage.go). Counts can reach zero; rows are never negative.
CREATE TABLE message_hourly (
    session_id UUID NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL,
    hour       BIGINT NOT NULL, -- created_at / 3600000000
    direction  TEXT NOT NULL,
    status     TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (session_id, hour, direction, status)
);

-- n stays out of the indexes here (not in SQLite's): an indexed n would make
-- every count update a non-HOT update, bloating table and index under MVCC.
CREATE INDEX message_hourly_user ON message_hourly (user_id, hour, direction, status);

CREATE TABLE message_latency_daily (
    session_id UUID NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL,
    day        BIGINT NOT NULL, -- created_at / 86400000000
    bucket_ms  BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (session_id, day, bucket_ms)
);

CREATE INDEX message_latency_daily_user ON message_latency_daily (user_id, day, bucket_ms);

INSERT INTO message_hourly (session_id, user_id, hour, direction, status, n)
    SELECT session_id, user_id, created_at / 3600000000, direction, status, COUNT(*) FROM messages
    WHERE 1 = 1 GROUP BY session_id, user_id, created_at / 3600000000, direction, status;

INSERT INTO message_latency_daily (session_id, user_id, day, bucket_ms, n)
    SELECT session_id, user_id, created_at / 86400000000, CASE
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END, COUNT(*) FROM messages m
    WHERE direction = 'outbound' AND sent_at IS NOT NULL AND delivered_at IS NOT NULL
    GROUP BY session_id, user_id, created_at / 86400000000, CASE
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN m.delivered_at > m.sent_at THEN m.delivered_at - m.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END;

CREATE FUNCTION messages_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.status <> NEW.status) THEN
        UPDATE message_hourly SET n = n - 1 WHERE session_id = OLD.session_id AND hour = OLD.created_at / 3600000000
            AND direction = OLD.direction AND status = OLD.status;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.status <> NEW.status) THEN
        INSERT INTO message_hourly (session_id, user_id, hour, direction, status, n)
            VALUES (NEW.session_id, NEW.user_id, NEW.created_at / 3600000000, NEW.direction, NEW.status, 1)
            ON CONFLICT (session_id, hour, direction, status) DO UPDATE SET n = message_hourly.n + 1;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.direction = 'outbound' AND OLD.sent_at IS NOT NULL AND OLD.delivered_at IS NOT NULL THEN
            UPDATE message_latency_daily SET n = n - 1 WHERE session_id = OLD.session_id
                AND day = OLD.created_at / 86400000000 AND bucket_ms = CASE
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN OLD.delivered_at > OLD.sent_at THEN OLD.delivered_at - OLD.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END;
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.direction = 'outbound' AND NEW.sent_at IS NOT NULL AND NEW.delivered_at IS NOT NULL
        AND (TG_OP = 'INSERT' OR OLD.delivered_at IS NULL) THEN
        INSERT INTO message_latency_daily (session_id, user_id, day, bucket_ms, n)
            VALUES (NEW.session_id, NEW.user_id, NEW.created_at / 86400000000, CASE
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 1000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000 + 1) * 10
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 10000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 100000 + 1) * 100
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 120000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 1000000 + 1) * 1000
        WHEN (CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) < 3600000000 THEN ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 10000000 + 1) * 10000
        ELSE ((CASE WHEN NEW.delivered_at > NEW.sent_at THEN NEW.delivered_at - NEW.sent_at ELSE 0 END) / 60000000 + 1) * 60000 END, 1)
            ON CONFLICT (session_id, day, bucket_ms) DO UPDATE SET n = message_latency_daily.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_rollup AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_rollup();

CREATE INDEX users_plan ON users (plan_id);
CREATE INDEX instances_user_stopped ON instances (user_id, stopped_at);
