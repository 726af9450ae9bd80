namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Counts <c>queue_jobs_total{status="enqueued"}</c> for jobs enqueued in a caller's transaction, once
/// that transaction has committed. Npgsql gives no commit callback and the caller owns the transaction, so
/// the enqueue records the transaction's id (<c>pg_current_xact_id()</c>) and this counter asks PostgreSQL
/// for its fate (<c>pg_xact_status</c>) every second: committed jobs are counted (those still present, so a
/// rolled-back savepoint's are not), a rolled-back transaction is forgotten, one in progress is asked again.
/// Only the instance that enqueued counts, so the fleet's sum counts each job once; counting when a
/// notification arrives would count once per listening instance, and counting before commit would count
/// rolled-back jobs.
/// </summary>
public sealed class EnqueuedJobsCounter(JobTable table, QueueMetrics metrics) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, List<long>> _pending = [];
    // Two overlapping passes would both count the same committed transaction: the second waits for the first.
    private readonly SemaphoreSlim _onePass = new(1, 1);

    internal void Track(long transactionId, long[] jobIds)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(transactionId, out var ids))
            {
                _pending[transactionId] = ids = [];
            }
            ids.AddRange(jobIds);
        }
    }

    /// <summary>Counts the jobs of enqueue transactions that have committed since the last call.</summary>
    public async Task CountCommittedAsync(CancellationToken cancellationToken)
    {
        await _onePass.WaitAsync(cancellationToken);
        try
        {
            await CountOnceAsync(cancellationToken);
        }
        finally
        {
            _onePass.Release();
        }
    }

    public void Dispose() => _onePass.Dispose();

    private async Task CountOnceAsync(CancellationToken cancellationToken)
    {
        long[] transactions;
        lock (_lock)
        {
            transactions = [.. _pending.Keys];
        }
        if (transactions.Length == 0)
        {
            return;
        }

        var (committed, ended) = await table.ReadEnqueueOutcomesAsync(transactions, JobIdsOf, cancellationToken);
        lock (_lock)
        {
            foreach (var transactionId in ended)
            {
                _pending.Remove(transactionId);
            }
        }
        foreach (var (queue, jobs) in committed)
        {
            metrics.CountEnqueued(queue, jobs);
        }
    }

    private List<long> JobIdsOf(long transactionId)
    {
        lock (_lock)
        {
            return _pending.TryGetValue(transactionId, out var ids) ? [.. ids] : [];
        }
    }
}
