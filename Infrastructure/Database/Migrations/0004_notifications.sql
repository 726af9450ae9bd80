-- In-app notifications (Features/Notifications), written by the notification job. The id comes from the
-- job's payload, so a job that runs twice (delivery is at-least-once) stores one row.
CREATE TABLE notifications (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text        NOT NULL,
    body        text        NOT NULL,
    data        jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);

-- A user's notifications, newest first, and their unread count.
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
