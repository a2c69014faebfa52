-- The sandbox's simulated WhatsApp accounts, one per number a tenant's
-- sandbox session paired as: names, about text, picture, privacy settings,
-- block list and presence, the state WhatsApp's servers keep for real
-- accounts. Shared by the tenant's sandbox sessions in every process;
-- version makes each change a compare-and-set.
CREATE TABLE sandbox_accounts (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    phone      TEXT NOT NULL,
    data       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, phone)
);
