using System.Diagnostics;
using System.Text.Json;
using MinimalBackend.Infrastructure.Tracing;
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
        using var span = StartEnqueueSpan(type, payloads.Count);
        var (ids, transactionId) = await JobTable.InsertAsync(connection, transaction, type, Serialize(payloads), ServiceTraces.CurrentTraceParent(), cancellationToken);
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
        using var span = StartEnqueueSpan(type, 1);
        var (ids, _) = await JobTable.InsertAsync(connection, transaction, type, Serialize([payload]), ServiceTraces.CurrentTraceParent(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.CountEnqueued(type.Queue, ids.Length);
        return ids[0];
    }

    /// <summary>
    /// The producer span the jobs' runs are children of (OpenTelemetry messaging conventions: "send" to a
    /// destination); the INSERT is its child. Null when nothing listens, and the jobs continue the current span.
    /// </summary>
    private static Activity? StartEnqueueSpan(JobType type, int jobs)
    {
        var span = ServiceTraces.Source.StartActivity($"enqueue {type.Name}", ActivityKind.Producer);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("messaging.system", "minimal_backend_jobs");
            span.SetTag("messaging.operation.type", "send");
            span.SetTag("messaging.destination.name", type.Queue);
            span.SetTag("messaging.batch.message_count", jobs);
            span.SetTag("job.type", type.Name);
        }
        return span;
    }

    private static string[] Serialize<TPayload>(IReadOnlyCollection<TPayload> payloads) =>
        payloads.Select(p => JsonSerializer.Serialize(p, JobType.PayloadJson)).ToArray();
}
