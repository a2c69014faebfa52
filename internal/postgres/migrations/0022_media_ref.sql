-- History media: what the engine needs to download a history message's
-- file on its first request (whatsmeow: the media key, direct path and
-- hashes; the sandbox: which seeded file). Engine-opaque, never answered.
ALTER TABLE messages ADD COLUMN media_ref BYTEA;
