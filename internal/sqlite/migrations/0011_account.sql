-- Account operations: the audit log of every write an API call made on a
-- session's WhatsApp account (create a group, add participants…), with the
-- request as given and how it ended.
CREATE TABLE account_operations (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    op         TEXT NOT NULL,
    request    TEXT NOT NULL DEFAULT '{}',
    result     TEXT NOT NULL,
    error_code TEXT NOT NULL DEFAULT '',
    error      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    FOREIGN KEY (session_id, user_id) REFERENCES sessions (id, user_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX account_operations_session ON account_operations (user_id, session_id, created_at);

-- The sandbox's simulated groups, shared by a tenant's sandbox sessions in
-- every process (the state WhatsApp's servers keep for real groups).
-- version makes each change a compare-and-set.
CREATE TABLE sandbox_groups (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    jid        TEXT NOT NULL,
    data       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, jid)
) STRICT;
