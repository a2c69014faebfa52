-- A user's token version: every JWT carries the version it was issued at,
-- and one older than the user's is refused. A password reset, a password
-- change and a suspension raise it, which revokes every earlier token.
-- Existing users start at 0, as do tokens issued before the claim existed,
-- so nobody is logged out by this migration.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
