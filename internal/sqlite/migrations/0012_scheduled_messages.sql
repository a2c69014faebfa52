-- Scheduled sends: a message accepted with send_at waits with status
-- scheduled until then; its session's worker queues it once due. The
-- partial index holds only the scheduled messages, so finding what is due
-- (and when the next one is) costs nothing for the rest of the log.
ALTER TABLE messages ADD COLUMN send_at INTEGER;
CREATE INDEX messages_scheduled ON messages (session_id, send_at) WHERE status = 'scheduled';
