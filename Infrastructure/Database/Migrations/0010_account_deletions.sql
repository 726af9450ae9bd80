-- Account deletion (Features/Users/AccountDeletion.cs). The audit of deletions: who deleted which account and
-- when, by ids only, so it keeps no personal data of the deleted account (no email, no name). by: 'self' (the
-- user, password re-entered) or 'admin' (an administrator, whose id is actor_id). No foreign keys: the deleted
-- account is gone by design, and an administrator's rows stay after that administrator's own deletion.
CREATE TABLE account_deletions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid        NOT NULL,
    actor_id    uuid        NOT NULL,
    by          text        NOT NULL CHECK (by IN ('self', 'admin')),
    deleted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX account_deletions_deleted_at_idx ON account_deletions (deleted_at DESC);

-- The jobs whose payload names a user ({"userId": ...}: the emails, notification deliveries), found by that id
-- when the user's account is deleted, without reading every job. NULL for the others, which the index skips.
CREATE INDEX jobs_payload_user_id_idx ON jobs ((payload ->> 'userId')) WHERE payload ? 'userId';
