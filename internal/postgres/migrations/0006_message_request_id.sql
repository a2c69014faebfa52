-- The id of the API request that sent a message, in a column of its own:
-- every status change of the message carries it into its event, and
-- reading it from the payload meant reading the whole payload (inline
-- media included) on every receipt. Earlier messages kept it in the payload.
-- (The backfill leaves the rollups alone: their trigger acts on status and
-- delivery changes only.)
ALTER TABLE messages ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
UPDATE messages SET request_id = payload->>'request_id'
    WHERE payload ? 'request_id' AND jsonb_typeof(payload->'request_id') = 'string';
