-- Account operations: the audit log of every write an API call made on a
-- session's WhatsApp account (create a group, add participants…), with the
-- request as given and how it ended.
CREATE TABLE account_operations (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL,
    session_id UUID NOT NULL,
    op         TEXT NOT NULL,
    request    JSONB NOT NULL DEFAULT '{}',
    result     TEXT NOT NULL,
    error_code TEXT NOT NULL DEFAULT '',
    error      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
);

CREATE INDEX account_operations_session ON account_operations (user_id, session_id, created_at);

-- The sandbox's simulated groups, shared by a tenant's sandbox sessions in
-- every process (the state WhatsApp's servers keep for real groups).
-- version makes each change a compare-and-set.
CREATE TABLE sandbox_groups (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    jid        TEXT NOT NULL,
    data       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, jid)
);
