using Dapper;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// The jobs engine's public surface for code that reads or acts on the queues from outside it (the queue
/// dashboard, account deletion): which queues this service runs, how to wake a queue's workers after making its
/// jobs runnable, and how to remove a user's jobs. The states are <see cref="JobStates"/>; the tables are <c>jobs</c> and <c>job_queue_pauses</c>
/// (Infrastructure/Database/Migrations). Claiming, leases and outcomes stay inside the engine.
/// </summary>
public sealed class JobQueues(JobTypeRegistry types)
{
    /// <summary>The queues of the job types this instance knows.</summary>
    public IReadOnlyList<string> Names => types.Queues;

    public bool Exists(string queue) => types.Queues.Contains(queue, StringComparer.Ordinal);

    /// <summary>
    /// Wakes the queue's workers on every instance once (and if) the transaction commits, so jobs it made
    /// runnable (retried, or in a resumed queue) start without waiting for a poll.
    /// </summary>
    public static async Task WakeWorkersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string queue, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_notify(@Channel, @Queue)", new { JobTable.Channel, Queue = queue }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Deletes, in the caller's transaction, every job whose payload names the user (<c>{"userId": ...}</c>, as every
    /// payload about one user does) and that no worker holds: waiting, failed (to be retried), dead and completed
    /// ones, so neither a queued email nor a payload with the user's address outlives the account. A job a worker
    /// holds now (active) is left to its handler, which finds the user gone. Returns how many were deleted.
    /// </summary>
    public static Task<int> DeleteJobsOfUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM jobs
            WHERE payload ? 'userId' AND payload ->> 'userId' = @UserId AND state <> @Active
            """,
            new { UserId = userId.ToString(), Active = JobStates.Active },
            transaction,
            cancellationToken: cancellationToken));
}
