using Dapper;
using MinimalBackend.Infrastructure.Jobs;
using Npgsql;

namespace MinimalBackend.Features.Admin.Queues;

/// <summary>What a retry found: no such job (<see cref="StateBefore"/> null), a job it retried, or one in a state that cannot be retried.</summary>
public sealed record JobRetryResult(string? StateBefore, bool Retried);

/// <summary>
/// The queue dashboard's SQL: what an operator reads of the job queues (counts per state, recent throughput
/// and failures, job lists and details) and does to them (retries, deletions, pauses), on the jobs engine's
/// tables through its public surface (<see cref="JobQueues"/>, <see cref="JobStates"/>); claiming, leases and
/// outcomes stay in the engine. Writes run on the service's durable data source, not the engine's bookkeeping
/// one: an operator's action must survive a database crash. A change that makes jobs runnable wakes the
/// queue's workers, so they claim them at once.
/// </summary>
public sealed class QueueDashboardData(JobQueues queues, NpgsqlDataSource database)
{
    /// <summary>
    /// Counts stop at this many jobs per queue and state: counting costs one index entry per job, and a
    /// dashboard refreshing every few seconds must stay cheap with millions of completed jobs kept.
    /// </summary>
    // REVIEW: if operators need exact counts of huge tables, keep per-queue counters updated by the job statements instead.
    public const int CountLimit = 10_000;

    /// <summary>The window of the summaries' <c>completedLast5Minutes</c> and <c>failedLast5Minutes</c>.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(5);

    private const int DeleteBatch = 5000;

    /// <summary>A retried job: waiting as if new, due now.</summary>
    private const string RetriedColumns = "state = 'waiting', attempts = 0, run_at = now(), finished_at = NULL";

    public async Task<IReadOnlyList<QueueSummary>> ReadQueuesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT q.queue, s.state,
                   (SELECT count(*) FROM (SELECT 1 FROM jobs j WHERE j.queue = q.queue AND j.state = s.state LIMIT @CountLimit) AS capped) AS jobs
            FROM unnest(@Queues::text[]) AS q (queue), unnest(@States::text[]) AS s (state);

            SELECT q.queue AS name, p.paused_at, p.paused_by,
                   (SELECT count(*) FROM jobs j
                    WHERE j.state = 'completed' AND j.finished_at > now() - make_interval(secs => @WindowSeconds) AND j.queue = q.queue) AS completed_recently,
                   (SELECT count(*) FROM jobs j
                    WHERE j.queue = q.queue AND j.last_failed_at > now() - make_interval(secs => @WindowSeconds)) AS failed_recently,
                   (SELECT extract(epoch FROM now() - j.created_at)::float8 FROM jobs j
                    WHERE j.queue = q.queue AND j.state = 'waiting' ORDER BY j.created_at LIMIT 1) AS oldest_waiting_seconds
            FROM unnest(@Queues::text[]) AS q (queue)
            LEFT JOIN job_queue_pauses p ON p.queue = q.queue;
            """,
            new { Queues = queues.Names.ToArray(), States = JobStates.All.ToArray(), CountLimit, WindowSeconds = RecentWindow.TotalSeconds },
            cancellationToken: cancellationToken));
        var counts = (await results.ReadAsync<(string Queue, string State, long Jobs)>())
            .ToDictionary(c => (c.Queue, c.State), c => c.Jobs);
        var rows = await results.ReadAsync<(string Name, DateTime? PausedAt, string? PausedBy, long CompletedRecently, long FailedRecently, double? OldestWaitingSeconds)>();
        return rows.Select(q =>
        {
            long Count(string state) => counts.GetValueOrDefault((q.Name, state));
            return new QueueSummary(
                q.Name, q.PausedAt is not null, q.PausedAt, q.PausedBy,
                new JobCounts(Count(JobStates.Waiting), Count(JobStates.Active), Count(JobStates.Completed), Count(JobStates.Failed), Count(JobStates.Dead)),
                q.CompletedRecently, q.FailedRecently,
                q.OldestWaitingSeconds is { } age ? (long)Math.Floor(age) : null);
        }).ToList();
    }

    /// <summary>
    /// A page of one queue's jobs in one state, newest first (the order is total: created_at, then id), after the job
    /// <paramref name="afterId"/> (keyset paging on jobs_queue_state_created_idx; none: from the newest), with at most
    /// <paramref name="errorLength"/> characters of each last error, as stored (unmasked). A job deleted meanwhile ends the list.
    /// </summary>
    public async Task<IReadOnlyList<JobListItem>> ListJobsAsync(
        string queue, string state, long? afterId, int limit, int errorLength, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<JobListItem>(new CommandDefinition(
            """
            SELECT id, type, attempts, max_attempts, created_at, run_at, started_at, finished_at, left(last_error, @ErrorLength) AS last_error
            FROM jobs
            WHERE queue = @Queue AND state = @State
              AND (@AfterId::bigint IS NULL OR (created_at, id) < ((SELECT created_at FROM jobs WHERE id = @AfterId), @AfterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @Limit
            """,
            new { Queue = queue, State = state, AfterId = afterId, Limit = limit, ErrorLength = errorLength },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>One job of this queue as stored, its payload as JSON text; null when the queue has no job with this id.</summary>
    public async Task<StoredJob?> FindJobAsync(string queue, long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredJob>(new CommandDefinition(
            """
            SELECT id, queue, type, state, attempts, max_attempts, payload::text AS payload, created_at, run_at, started_at, finished_at,
                   last_failed_at, lease_owner, lease_expires_at, last_error
            FROM jobs WHERE id = @Id AND queue = @Queue
            """,
            new { Id = id, Queue = queue }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Puts a failed or dead job back to wait as if new: due now, with its attempts back to zero (a fresh set of
    /// its <c>max_attempts</c>) and its last error kept until the next attempt replaces it. A job in any other
    /// state is left alone: waiting and active ones will run anyway, a completed one ran.
    /// </summary>
    public async Task<JobRetryResult> RetryJobAsync(string queue, long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The row lock orders this against a worker's claim or outcome: the state read here is the one retried.
        var state = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT state FROM jobs WHERE id = @Id AND queue = @Queue FOR UPDATE", new { Id = id, Queue = queue }, transaction, cancellationToken: cancellationToken));
        if (state is not (JobStates.Failed or JobStates.Dead))
        {
            return new JobRetryResult(state, Retried: false);
        }
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE jobs SET {RetriedColumns} WHERE id = @Id", new { Id = id }, transaction, cancellationToken: cancellationToken));
        await JobQueues.WakeWorkersAsync(connection, transaction, queue, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new JobRetryResult(state, Retried: true);
    }

    /// <summary>Retries every dead job of the queue the way <see cref="RetryJobAsync"/> does; returns how many.</summary>
    public async Task<int> RetryDeadJobsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var retried = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE jobs SET {RetriedColumns} WHERE queue = @Queue AND state = 'dead'", new { Queue = queue }, transaction, cancellationToken: cancellationToken));
        if (retried > 0)
        {
            await JobQueues.WakeWorkersAsync(connection, transaction, queue, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return retried;
    }

    /// <summary>
    /// Deletes the queue's jobs that completed more than <paramref name="olderThan"/> ago (zero: every completed
    /// one), in batches so that no statement holds thousands of row locks for long; returns how many.
    /// </summary>
    public async Task<int> DeleteCompletedJobsAsync(string queue, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var total = 0;
        int deleted;
        do
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE queue = @Queue AND state = 'completed' AND finished_at <= now() - make_interval(secs => @OlderThanSeconds)
                    LIMIT @Batch
                )
                """,
                new { Queue = queue, OlderThanSeconds = olderThan.TotalSeconds, Batch = DeleteBatch }, cancellationToken: cancellationToken));
            total += deleted;
        }
        while (deleted == DeleteBatch);
        return total;
    }

    /// <summary>
    /// Pauses the queue for every instance: from the moment this commits, no claim takes its jobs (jobs already
    /// running finish). Returns the pause and whether this call made it (false: it was paused already, and the
    /// earlier pause stands).
    /// </summary>
    public async Task<(QueuePauseResponse Pause, bool Paused)> PauseAsync(string queue, string pausedBy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var made = await connection.QuerySingleOrDefaultAsync<QueuePauseResponse>(new CommandDefinition(
            """
            INSERT INTO job_queue_pauses (queue, paused_by) VALUES (@Queue, @PausedBy)
            ON CONFLICT (queue) DO NOTHING
            RETURNING queue, true AS paused, paused_at, paused_by
            """,
            new { Queue = queue, PausedBy = pausedBy }, cancellationToken: cancellationToken));
        if (made is not null)
        {
            return (made, true);
        }
        // Another statement, so it sees the pause that won the conflict even if it committed after the insert began.
        var existing = await connection.QuerySingleAsync<QueuePauseResponse>(new CommandDefinition(
            "SELECT queue, true AS paused, paused_at, paused_by FROM job_queue_pauses WHERE queue = @Queue", new { Queue = queue }, cancellationToken: cancellationToken));
        return (existing, false);
    }

    /// <summary>Resumes the queue and wakes its workers; returns false when it was not paused.</summary>
    public async Task<bool> ResumeAsync(string queue, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var resumed = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM job_queue_pauses WHERE queue = @Queue", new { Queue = queue }, transaction, cancellationToken: cancellationToken)) > 0;
        if (resumed)
        {
            await JobQueues.WakeWorkersAsync(connection, transaction, queue, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return resumed;
    }
}

/// <summary>A job as stored: its payload as JSON text, its last error whole and unmasked (<see cref="GetJobEndpoint"/> masks both).</summary>
public sealed record StoredJob(
    long Id, string Queue, string Type, string State, int Attempts, int MaxAttempts, string Payload,
    DateTime CreatedAt, DateTime RunAt, DateTime? StartedAt, DateTime? FinishedAt, DateTime? LastFailedAt,
    string? LeaseOwner, DateTime? LeaseExpiresAt, string? LastError);
