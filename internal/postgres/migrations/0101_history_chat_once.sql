-- History sync stores thousands of messages per transaction, mostly in a
-- handful of chats: the per-row trigger upserted the same chat row once per
-- message, each a new row version the next had to walk past (10,000
-- messages took about 10 s). History messages are left to StoreHistory,
-- which updates each chat of a batch once from the rows it inserted (the
-- same last message and no unread count); live messages keep the trigger.
DROP TRIGGER messages_chat ON messages;

CREATE CONSTRAINT TRIGGER messages_chat AFTER INSERT ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.chat <> '' AND NEW.type NOT IN ('reaction', 'edit', 'revoke') AND NOT NEW.history)
    EXECUTE FUNCTION messages_chat();
