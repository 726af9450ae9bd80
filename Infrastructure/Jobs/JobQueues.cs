using Dapper;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// The jobs engine's public surface for code that reads or acts on the queues from outside it (the queue
/// dashboard): which queues this service runs, and how to wake a queue's workers after making its jobs
/// runnable. The states are <see cref="JobStates"/>; the tables are <c>jobs</c> and <c>job_queue_pauses</c>
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
}
