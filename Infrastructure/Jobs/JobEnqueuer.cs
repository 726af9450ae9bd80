using System.Text.Json;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Enqueues jobs. The transactional overloads write the job in the caller's transaction, so the job exists
/// exactly when the caller's other writes do: a rolled-back registration leaves no welcome email behind.
/// Features wrap this in their own small public type (<c>EmailJobs</c>, <c>NotificationJobs</c>).
/// </summary>
public sealed class JobEnqueuer(JobTypeRegistry types, EnqueuedJobsCounter enqueued, NpgsqlDataSource database, QueueMetrics metrics)
{
    /// <summary>Enqueues one job in the caller's transaction; it becomes visible to workers when that commits.</summary>
    public async Task<long> EnqueueAsync<TPayload>(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TPayload payload, CancellationToken cancellationToken) =>
        (await EnqueueManyAsync(connection, transaction, [payload], cancellationToken))[0];

    /// <summary>Enqueues several jobs of one type in the caller's transaction with one statement.</summary>
    public async Task<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<TPayload> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(payloads);
        var type = types.ForPayload<TPayload>();
        if (payloads.Count == 0)
        {
            return [];
        }
        var (ids, transactionId) = await JobTable.InsertAsync(connection, transaction, type, Serialize(payloads), cancellationToken);
        // Only the caller knows when its transaction ends; the counter asks PostgreSQL shortly after.
        enqueued.Track(transactionId, ids);
        return ids;
    }

    /// <summary>Enqueues one job in a transaction of its own, for callers with nothing else to write.</summary>
    public async Task<long> EnqueueAsync<TPayload>(TPayload payload, CancellationToken cancellationToken)
    {
        var type = types.ForPayload<TPayload>();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (ids, _) = await JobTable.InsertAsync(connection, transaction, type, Serialize([payload]), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.CountEnqueued(type.Queue, ids.Length);
        return ids[0];
    }

    private static string[] Serialize<TPayload>(IReadOnlyCollection<TPayload> payloads) =>
        payloads.Select(p => JsonSerializer.Serialize(p, JobType.PayloadJson)).ToArray();
}
