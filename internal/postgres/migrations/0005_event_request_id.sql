-- The id of the API request whose work wrote the event (empty when none),
-- carried into webhook deliveries.
ALTER TABLE events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
