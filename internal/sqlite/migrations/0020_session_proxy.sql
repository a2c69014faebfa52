-- A session's own proxy (http://, https:// or socks5://, credentials
-- included): '' uses the gateway's WHATSAPP_PROXY. Never answered.
ALTER TABLE sessions ADD COLUMN proxy TEXT NOT NULL DEFAULT '';
