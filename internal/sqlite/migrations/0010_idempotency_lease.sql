-- A claim on an Idempotency-Key names the request that holds it and how
-- long its owner is known to be alive (renewed while it runs), so a claim
-- whose gateway died mid-request is resolved instead of blocking the key
-- for a day: to the messages the request stored, or released.
ALTER TABLE idempotency_keys ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
-- Finding what a cut request stored: its messages by request id.
CREATE INDEX messages_request ON messages (user_id, request_id) WHERE request_id <> '';
