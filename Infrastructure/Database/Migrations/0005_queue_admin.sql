-- Operating the job queues (Infrastructure/Jobs/QueueAdministration.cs, the dashboard at /admin/queues).

-- When a job's latest attempt failed (its handler threw or its lease expired), so the dashboard can count the
-- jobs that failed in the last minutes. Null for a job that never failed; a nullable column without a default
-- is added without rewriting the table.
ALTER TABLE jobs ADD COLUMN last_failed_at timestamptz;
-- Partial: a job that never failed (most of them) costs this index nothing.
CREATE INDEX jobs_last_failed_idx ON jobs (queue, last_failed_at) WHERE last_failed_at IS NOT NULL;

-- A paused queue: no instance claims its jobs while its row exists (JobTable.ClaimAsync checks this table in
-- the claim statement itself). Jobs already running finish; enqueues go on and wait.
CREATE TABLE job_queue_pauses (
    queue      text        PRIMARY KEY,
    paused_at  timestamptz NOT NULL DEFAULT now(),
    paused_by  text        NOT NULL
);
