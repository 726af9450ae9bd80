-- Idempotency-Key (IETF httpapi draft) of POST /api/admin/notifications (Features/Notifications): the first
-- answer to a key, replayed to retries of the same request for 24 hours. Keys belong to the caller who sent
-- them, so two administrators never see each other's answers. Rows past expires_at are deleted by housekeeping.
CREATE TABLE notification_idempotency_keys (
    user_id      uuid        NOT NULL,
    key          text        NOT NULL,
    fingerprint  bytea       NOT NULL,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX notification_idempotency_keys_expires_at_idx ON notification_idempotency_keys (expires_at);
