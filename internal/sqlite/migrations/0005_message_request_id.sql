-- The id of the API request that sent a message, in a column of its own:
-- every status change of the message carries it into its event, and
-- reading it from the payload meant reading the whole payload (inline
-- media included) on every receipt. Earlier messages kept it in the payload.
ALTER TABLE messages ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
UPDATE messages SET request_id = json_extract(payload, '$.request_id')
    WHERE CASE WHEN json_valid(payload) THEN json_type(payload, '$.request_id') = 'text' ELSE 0 END;
