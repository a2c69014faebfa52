-- The rollup trigger of 0003 updates one row per (session, hour, direction,
-- status) for every message written, and a plain AFTER trigger keeps that
-- row locked from the message's insert to the end of the transaction, so
-- every send and receipt of a session queued behind the one before it.
-- As a deferred constraint trigger it runs at commit, holding the row only
-- for the commit itself. The rollups stay exact: the same function, the same
-- rows, only later in the same transaction.
DROP TRIGGER messages_rollup ON messages;

CREATE CONSTRAINT TRIGGER messages_rollup AFTER INSERT OR UPDATE OR DELETE ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION messages_rollup();
