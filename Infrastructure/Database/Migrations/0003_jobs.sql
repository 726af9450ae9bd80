-- Durable background jobs (Infrastructure/Jobs). A job is enqueued in the caller's transaction, claimed
-- with FOR UPDATE SKIP LOCKED under a lease, and ends completed or dead.
--   waiting   enqueued, never attempted
--   active    leased by lease_owner until lease_expires_at (renewed while the handler runs)
--   failed    an attempt failed; the job runs again at run_at (backoff)
--   completed the handler returned; pruned after Jobs:CompletedRetention
--   dead      max_attempts used up; last_error says why; kept until an operator removes it
CREATE TABLE jobs (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue             text        NOT NULL,
    type              text        NOT NULL,
    payload           jsonb       NOT NULL,
    state             text        NOT NULL DEFAULT 'waiting'
                                  CHECK (state IN ('waiting', 'active', 'completed', 'failed', 'dead')),
    attempts          integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts      integer     NOT NULL CHECK (max_attempts >= 1),
    run_at            timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    CHECK ((state = 'active') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Claiming: the runnable jobs of one queue, oldest due first. Partial, so finished jobs cost it nothing.
CREATE INDEX jobs_claim_idx ON jobs (queue, run_at, id) WHERE state IN ('waiting', 'failed');
-- Lease rescue: active jobs whose worker stopped renewing.
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE state = 'active';
-- Pruning completed jobs after the retention.
CREATE INDEX jobs_completed_idx ON jobs (finished_at) WHERE state = 'completed';
-- Admin views: a queue's jobs in one state, newest first.
CREATE INDEX jobs_queue_state_created_idx ON jobs (queue, state, created_at DESC);
