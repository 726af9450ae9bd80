using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record JobRow(long Id, string Queue, string Type, string State, int Attempts, int MaxAttempts, string? LastError,
    string? LeaseOwner, DateTime RunAt, DateTime? FinishedAt);

/// <summary>
/// A job row written straight into the table, in any state, for tests of what operators see. Times are relative to
/// the database's clock; <see cref="RunIn"/> in the future keeps a failed job from being retried meanwhile. An active
/// job's lease runs out <see cref="LeaseExpiresIn"/> from now (an hour by default).
/// </summary>
public sealed record NewJobRow(
    string Queue, string Type, string State, string Payload = "{}", int Attempts = 0, int MaxAttempts = 3, string? LastError = null,
    TimeSpan? CreatedAgo = null, TimeSpan? FinishedAgo = null, TimeSpan? FailedAgo = null, TimeSpan? RunIn = null, string? LeaseOwner = null,
    TimeSpan? LeaseExpiresIn = null);

/// <summary>The jobs table as an operator sees it, for the rows a test made.</summary>
public static class JobRows
{
    /// <summary>
    /// Inserts jobs as they would be after their history: started and finished times that fit their state, and an
    /// active job leased for an hour by <see cref="NewJobRow.LeaseOwner"/> (another instance, by default), so no
    /// worker of the test touches it (unless <see cref="NewJobRow.LeaseExpiresIn"/> says otherwise). Returns the ids in order.
    /// </summary>
    public static async Task<long[]> InsertAsync(string connectionString, params NewJobRow[] jobs)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var ids = new List<long>();
        foreach (var job in jobs)
        {
            var started = job.State is "waiting" ? (TimeSpan?)null : (job.FinishedAgo ?? TimeSpan.Zero) + TimeSpan.FromSeconds(1);
            ids.Add(await connection.QuerySingleAsync<long>(
                """
                INSERT INTO jobs (queue, type, payload, state, attempts, max_attempts, last_error, created_at, run_at, started_at, finished_at,
                                  last_failed_at, lease_owner, lease_expires_at)
                VALUES (@Queue, @Type, @Payload::jsonb, @State, @Attempts, @MaxAttempts, @LastError,
                        now() - make_interval(secs => @CreatedAgo), now() + make_interval(secs => @RunIn),
                        now() - make_interval(secs => @StartedAgo), now() - make_interval(secs => @FinishedAgo),
                        now() - make_interval(secs => @FailedAgo),
                        CASE WHEN @State = 'active' THEN @LeaseOwner END, CASE WHEN @State = 'active' THEN now() + make_interval(secs => @LeaseExpiresIn) END)
                RETURNING id
                """,
                new
                {
                    job.Queue,
                    job.Type,
                    job.Payload,
                    job.State,
                    job.Attempts,
                    job.MaxAttempts,
                    job.LastError,
                    CreatedAgo = (job.CreatedAgo ?? TimeSpan.FromMinutes(1)).TotalSeconds,
                    RunIn = (job.RunIn ?? TimeSpan.Zero).TotalSeconds,
                    StartedAgo = started?.TotalSeconds,
                    FinishedAgo = job.State is "completed" or "dead" ? (job.FinishedAgo ?? TimeSpan.Zero).TotalSeconds : (double?)null,
                    FailedAgo = job.FailedAgo?.TotalSeconds,
                    LeaseOwner = job.LeaseOwner ?? "another-instance:1:00000000",
                    LeaseExpiresIn = (job.LeaseExpiresIn ?? TimeSpan.FromHours(1)).TotalSeconds,
                }));
        }
        return [.. ids];
    }

    public static async Task<IReadOnlyList<JobRow>> ReadAsync(string connectionString, IEnumerable<long> ids)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<JobRow>(
            """
            SELECT id, queue, type, state, attempts, max_attempts, last_error, lease_owner, run_at, finished_at
            FROM jobs WHERE id = ANY(@Ids) ORDER BY id
            """,
            new { Ids = ids.ToArray() })).AsList();
    }

    public static async Task<JobRow> ReadAsync(string connectionString, long id) => (await ReadAsync(connectionString, [id])).Single();

    /// <summary>
    /// Waits until every job enqueued so far whose payload names the user (a registration's welcome and confirmation
    /// emails) is finished: their handlers write rows and hold connections while they run.
    /// </summary>
    public static async Task WaitUntilJobsOfUserFinishedAsync(string connectionString, Guid userId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var ids = (await connection.QueryAsync<long>("SELECT id FROM jobs WHERE payload ->> 'userId' = @Id::text", new { Id = userId })).AsList();
        await WaitUntilFinishedAsync(connectionString, ids);
    }

    /// <summary>Waits until every one of these jobs is in a final state (completed or dead) and returns them.</summary>
    public static Task<IReadOnlyList<JobRow>> WaitUntilFinishedAsync(string connectionString, IReadOnlyCollection<long> ids) =>
        Eventually.UntilAsync(
            () => ReadAsync(connectionString, ids),
            rows => rows.Count == ids.Count && rows.All(r => r.State is "completed" or "dead"),
            $"{ids.Count} jobs to finish");
}
