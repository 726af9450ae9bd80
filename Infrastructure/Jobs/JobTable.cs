using Dapper;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>A job a worker has leased: what it needs to run it and to decide what a failure means.</summary>
public sealed record ClaimedJob(long Id, string Type, string Payload, int Attempts, int MaxAttempts, string? TraceParent = null);

/// <summary>
/// How one attempt ended, as the worker reports it to <see cref="JobTable.RecordOutcomesAsync"/>; <paramref name="TraceId"/>
/// is the attempt's trace when it was recorded (sampled), the exemplar of its duration.
/// </summary>
public sealed record JobOutcome(long JobId, string Queue, string State, string? Error, TimeSpan RetryDelay, TimeSpan Duration, string? TraceId = null);

/// <summary>
/// A job whose lease expired and that went back to the queue (or died, out of attempts): who held it, and when
/// its lease ran out.
/// </summary>
public sealed record RescuedJob(long Id, string Queue, string Type, string State, int Attempts, string LeaseOwner, DateTime LeaseExpiredAt);

/// <summary>
/// Every statement the job machinery runs on the <c>jobs</c> table (0003_jobs.sql); an operator's statements
/// are the queue dashboard's (Features/Admin/Queues/QueueDashboardData.cs), over <see cref="JobQueues"/>. Statements that change a leased job check the lease owner, so a
/// worker that lost its lease can never overwrite what the job's new worker recorded.
/// Enqueues run in the caller's transaction; everything else on <see cref="JobBookkeepingDatabase"/>.
/// </summary>
public sealed class JobTable(JobBookkeepingDatabase bookkeeping)
{
    private readonly NpgsqlDataSource _database = bookkeeping.DataSource;

    /// <summary>The LISTEN/NOTIFY channel; the payload is the queue name.</summary>
    public const string Channel = "jobs";

    /// <summary>
    /// Inserts the jobs in the caller's transaction and notifies the workers, which PostgreSQL delivers only
    /// when (and if) that transaction commits, once per queue however many jobs it holds. Returns the new ids
    /// and the transaction's id, which tells later whether it committed. <paramref name="traceParent"/> is the
    /// W3C traceparent the jobs' runs continue (null outside a trace).
    /// </summary>
    public static async Task<(long[] Ids, long TransactionId)> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JobType type, string[] payloads, string? traceParent, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Id, long TransactionId)>(new CommandDefinition(
            """
            WITH inserted AS (
                INSERT INTO jobs (queue, type, payload, max_attempts, trace_parent)
                SELECT @Queue, @Type, p.payload::jsonb, @MaxAttempts, @TraceParent
                FROM unnest(@Payloads::text[]) WITH ORDINALITY AS p (payload, n)
                ORDER BY p.n
                RETURNING id
            )
            SELECT inserted.id, pg_current_xact_id()::text::bigint
            FROM inserted, pg_notify(@Channel, @Queue)
            ORDER BY inserted.id
            """,
            new { type.Queue, Type = type.Name, Payloads = payloads, type.Options.MaxAttempts, TraceParent = traceParent, Channel },
            transaction, cancellationToken: cancellationToken))).AsList();
        return (rows.Select(r => r.Id).ToArray(), rows.Count > 0 ? rows[0].TransactionId : 0);
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due jobs of one queue (and of the types this instance knows),
    /// oldest first, unless the queue is paused. SKIP LOCKED lets concurrent workers take disjoint batches
    /// without waiting on each other. The pause is read by the claim itself (a primary-key probe PostgreSQL
    /// runs once per statement, before touching any job), so every instance stops claiming the moment a pause
    /// commits, with no cache to go stale and no extra round trip.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(string queue, string[] types, int limit, string owner, TimeSpan lease)
    {
        await using var connection = await _database.OpenConnectionAsync();
        return (await connection.QueryAsync<ClaimedJob>(
            """
            WITH next AS (
                SELECT id FROM jobs
                WHERE queue = @Queue AND state IN ('waiting', 'failed') AND run_at <= now() AND type = ANY(@Types)
                  AND NOT EXISTS (SELECT 1 FROM job_queue_pauses WHERE job_queue_pauses.queue = @Queue)
                ORDER BY run_at, id
                LIMIT @Limit
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs AS j
            SET state = 'active', attempts = j.attempts + 1, lease_owner = @Owner,
                lease_expires_at = now() + make_interval(secs => @LeaseSeconds), started_at = now()
            FROM next
            WHERE j.id = next.id
            RETURNING j.id, j.type, j.payload::text AS payload, j.attempts, j.max_attempts, j.trace_parent AS TraceParent
            """,
            new { Queue = queue, Types = types, Limit = limit, Owner = owner, LeaseSeconds = lease.TotalSeconds })).AsList();
    }

    /// <summary>Records a batch of outcomes in one statement; returns the ids whose lease this owner still held.</summary>
    public async Task<HashSet<long>> RecordOutcomesAsync(string owner, IReadOnlyCollection<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var applied = await connection.QueryAsync<long>(new CommandDefinition(
            """
            UPDATE jobs AS j
            SET state = o.state,
                finished_at = CASE WHEN o.state = 'failed' THEN NULL ELSE now() END,
                run_at = CASE WHEN o.state = 'failed' THEN now() + make_interval(secs => o.retry_seconds) ELSE j.run_at END,
                last_error = COALESCE(o.error, j.last_error),
                last_failed_at = CASE WHEN o.state = 'completed' THEN j.last_failed_at ELSE now() END,
                lease_owner = NULL,
                lease_expires_at = NULL
            FROM unnest(@Ids::bigint[], @States::text[], @Errors::text[], @RetrySeconds::float8[]) AS o (id, state, error, retry_seconds)
            WHERE j.id = o.id AND j.state = 'active' AND j.lease_owner = @Owner
            RETURNING j.id
            """,
            new
            {
                Ids = outcomes.Select(o => o.JobId).ToArray(),
                States = outcomes.Select(o => o.State).ToArray(),
                Errors = outcomes.Select(o => o.Error).ToArray(),
                RetrySeconds = outcomes.Select(o => o.RetryDelay.TotalSeconds).ToArray(),
                Owner = owner,
            },
            cancellationToken: cancellationToken));
        return applied.ToHashSet();
    }

    /// <summary>
    /// Extends the leases of these jobs, the ones this owner's workers are running; returns the ids still leased
    /// to it. By id, never by owner: a job leased to this owner that no worker holds (its claim's answer was lost)
    /// must expire and be rescued, not be kept alive by the jobs that are running.
    /// </summary>
    public async Task<HashSet<long>> RenewLeasesAsync(string owner, IReadOnlyCollection<long> jobIds, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var renewed = await connection.QueryAsync<long>(new CommandDefinition(
            """
            UPDATE jobs SET lease_expires_at = now() + make_interval(secs => @LeaseSeconds)
            WHERE id = ANY(@Ids) AND state = 'active' AND lease_owner = @Owner
            RETURNING id
            """,
            new { Ids = jobIds.ToArray(), Owner = owner, LeaseSeconds = lease.TotalSeconds }, cancellationToken: cancellationToken));
        return renewed.ToHashSet();
    }

    /// <summary>
    /// Gives back every job this owner still holds (shutdown cut its handler off), due now, with the
    /// interrupted attempt not counted, and wakes the other instances so one takes them at once.
    /// </summary>
    public async Task<int> ReleaseLeasesAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var queues = (await connection.QueryAsync<string>(new CommandDefinition(
            """
            UPDATE jobs
            SET state = CASE WHEN attempts > 1 THEN 'failed' ELSE 'waiting' END,
                attempts = attempts - 1, run_at = now(), lease_owner = NULL, lease_expires_at = NULL
            WHERE state = 'active' AND lease_owner = @Owner
            RETURNING queue
            """,
            new { Owner = owner }, cancellationToken: cancellationToken))).AsList();
        await NotifyAsync(connection, queues, cancellationToken);
        return queues.Count;
    }

    /// <summary>
    /// Returns jobs whose lease expired (no worker renewed it: it died, hung, or never knew it held the job) to the queue as a failed attempt, or
    /// marks them dead when that was their last attempt. Safe to run on every instance at once.
    /// </summary>
    public async Task<IReadOnlyList<RescuedJob>> RescueExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var rescued = (await connection.QueryAsync<RescuedJob>(new CommandDefinition(
            """
            WITH expired AS (
                SELECT id, lease_owner, lease_expires_at FROM jobs
                WHERE state = 'active' AND lease_expires_at < now()
                ORDER BY lease_expires_at
                LIMIT 1000
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs AS j
            SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'failed' END,
                finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
                run_at = now(),
                last_error = format('The lease of %s expired during attempt %s without a renewal: that instance stopped, hung, '
                                    'or no longer held the job.', j.lease_owner, j.attempts),
                last_failed_at = now(),
                lease_owner = NULL,
                lease_expires_at = NULL
            FROM expired
            WHERE j.id = expired.id
            RETURNING j.id, j.queue, j.type, j.state, j.attempts, expired.lease_owner, expired.lease_expires_at AS lease_expired_at
            """,
            cancellationToken: cancellationToken))).AsList();
        await NotifyAsync(connection, rescued.Where(r => r.State == "failed").Select(r => r.Queue), cancellationToken);
        return rescued;
    }

    /// <summary>Deletes up to <paramref name="limit"/> completed jobs older than the retention; returns how many.</summary>
    public async Task<int> PruneCompletedAsync(TimeSpan retention, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM jobs WHERE id IN (
                SELECT id FROM jobs
                WHERE state = 'completed' AND finished_at < now() - make_interval(secs => @RetentionSeconds)
                LIMIT @Limit
            )
            """,
            new { RetentionSeconds = retention.TotalSeconds, Limit = limit }, cancellationToken: cancellationToken));
    }

    /// <summary>Jobs waiting to run per queue: never attempted, or failed and waiting for their retry.</summary>
    public async Task<Dictionary<string, long>> CountWaitingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Queue, long Jobs)>(new CommandDefinition(
            "SELECT queue, count(*) FROM jobs WHERE state IN ('waiting', 'failed') GROUP BY queue",
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Queue, r => r.Jobs, StringComparer.Ordinal);
    }

    /// <summary>
    /// Of these enqueue transactions, the ones that have ended: committed ones with how many of their jobs
    /// exist per queue (a job inserted in a rolled-back savepoint does not), and rolled-back ones.
    /// </summary>
    public async Task<(Dictionary<string, int> CommittedJobs, HashSet<long> Ended)> ReadEnqueueOutcomesAsync(
        IReadOnlyCollection<long> transactionIds, Func<long, IEnumerable<long>> jobIdsOf, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        var statuses = await connection.QueryAsync<(long TransactionId, string? Status)>(new CommandDefinition(
            "SELECT x, pg_xact_status(x::text::xid8) FROM unnest(@TransactionIds::bigint[]) AS x",
            new { TransactionIds = transactionIds.ToArray() }, cancellationToken: cancellationToken));

        // "in progress" stays pending; null means too old to know, which a pending entry never is in practice.
        var ended = statuses.Where(s => s.Status != "in progress").ToList();
        var committedJobIds = ended.Where(s => s.Status == "committed").SelectMany(s => jobIdsOf(s.TransactionId)).ToArray();
        var committed = committedJobIds.Length == 0
            ? []
            : (await connection.QueryAsync<(string Queue, int Jobs)>(new CommandDefinition(
                "SELECT queue, count(*)::int FROM jobs WHERE id = ANY(@Ids) GROUP BY queue",
                new { Ids = committedJobIds }, cancellationToken: cancellationToken))).ToDictionary(r => r.Queue, r => r.Jobs, StringComparer.Ordinal);
        return (committed, ended.Select(s => s.TransactionId).ToHashSet());
    }

    private static async Task NotifyAsync(NpgsqlConnection connection, IEnumerable<string> queues, CancellationToken cancellationToken)
    {
        var distinct = queues.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_notify(@Channel, q) FROM unnest(@Queues::text[]) AS q", new { Channel, Queues = distinct }, cancellationToken: cancellationToken));
        }
    }
}
