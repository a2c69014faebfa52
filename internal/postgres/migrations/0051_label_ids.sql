-- The last label id the gateway handed out per session, so two label
-- creates at once never pick the same id: NextLabelID raises it in one
-- statement (one past the larger of it and the highest numeric id stored,
-- since the phone creates labels too).
CREATE TABLE label_ids (
    session_id UUID NOT NULL PRIMARY KEY,
    user_id    UUID NOT NULL,
    last_id    BIGINT NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);
