-- History sync stores thousands of messages per transaction, mostly in a
-- handful of chats: the per-row trigger updated each chat once per message.
-- History messages are left to StoreHistory, which updates each chat of a
-- batch once from the rows it inserted (the same last message and no
-- unread count); live messages keep the trigger.
DROP TRIGGER messages_chat;

CREATE TRIGGER messages_chat AFTER INSERT ON messages
    WHEN NEW.chat <> '' AND NEW.type NOT IN ('reaction', 'edit', 'revoke') AND NEW.history = 0 BEGIN
    INSERT INTO chats (user_id, session_id, jid, is_group, last_message_id, last_message_at, unread_count)
        VALUES (NEW.user_id, NEW.session_id, NEW.chat, NEW.is_group, NEW.id, NEW.created_at,
            CASE WHEN NEW.direction = 'inbound' THEN 1 ELSE 0 END)
        ON CONFLICT (session_id, jid) DO UPDATE SET
            last_message_id = CASE WHEN excluded.last_message_at >= chats.last_message_at
                THEN excluded.last_message_id ELSE chats.last_message_id END,
            last_message_at = MAX(chats.last_message_at, excluded.last_message_at),
            unread_count = chats.unread_count + excluded.unread_count;
END;
