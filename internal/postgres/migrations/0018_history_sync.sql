-- History sync progress of a session: '' before pairing, then syncing,
-- done, or off (HISTORY_SYNC_DAYS=0); the counts of what was stored and
-- WhatsApp's own progress (0 to 100).
ALTER TABLE sessions ADD COLUMN history_status TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN history_chats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN history_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN history_progress INTEGER NOT NULL DEFAULT 0;
