-- Email confirmation and password reset (Features/Users/AccountTokens.cs). An account's address is confirmed when
-- its owner posts a token that was emailed to it; accounts created before this migration were never confirmed,
-- and stay unconfirmed until their owners confirm (or reset their password, which proves the mailbox as well).
ALTER TABLE users ADD COLUMN email_confirmed_at timestamptz;

-- The tokens of the emailed links, stored only as the SHA-256 of the random token the link carries. A token is
-- single use (used_at), expires (expires_at, set from the service's clock), and belongs to one purpose. Rows go
-- with their account.
CREATE TABLE account_tokens (
    token_hash  bytea       PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('email_confirmation', 'password_reset')),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX account_tokens_user_id_purpose_idx ON account_tokens (user_id, purpose);
