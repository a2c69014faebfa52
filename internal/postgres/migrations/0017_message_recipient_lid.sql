-- The recipient's LID of a sent message, as the engine learnt it when
-- sending (WhatsApp addresses users by LID more and more).
ALTER TABLE messages ADD COLUMN recipient_lid TEXT NOT NULL DEFAULT '';
