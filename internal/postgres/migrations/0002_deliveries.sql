-- Webhook deliveries (the outbox of issue 5) for PostgreSQL. Keep it the
-- same logical schema as SQLite's.

ALTER TABLE webhooks ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN previous_secret_expires_at BIGINT;
ALTER TABLE webhooks ADD COLUMN failing_since BIGINT;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';

-- Fan-out reads a tenant's active webhooks on every event write.
CREATE INDEX webhooks_user_active ON webhooks (user_id, active);

CREATE TABLE deliveries (
    id               UUID PRIMARY KEY,
    webhook_id       UUID NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    user_id          UUID NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    locked_until     BIGINT NOT NULL DEFAULT 0,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    last_latency_ms  BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);

-- What the dispatchers claim: due deliveries, oldest first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');
-- A webhook's delivery log, newest first.
CREATE INDEX deliveries_webhook_created ON deliveries (webhook_id, created_at);
CREATE INDEX deliveries_user_created ON deliveries (user_id, created_at);
CREATE INDEX deliveries_event ON deliveries (event_id);

CREATE TABLE delivery_attempts (
    id          UUID PRIMARY KEY,
    delivery_id UUID NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    latency_ms  BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, created_at);
