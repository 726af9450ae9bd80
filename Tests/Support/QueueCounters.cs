using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Infrastructure.Jobs;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// One queue's metrics as a scrape shows them: <c>queue_jobs_total</c> per status, the guide's two counters,
/// and the attempts the duration histogram observed.
/// </summary>
public sealed record QueueCounts(double Enqueued, double Completed, double Failed, double Dead, double CompletedTotal, double FailedTotal, double TimedAttempts)
{
    public static QueueCounts Read(IReadOnlyList<MetricSample> scrape, string queue) => new(
        scrape.Value("queue_jobs_total", ("queue", queue), ("status", "enqueued")),
        scrape.Value("queue_jobs_total", ("queue", queue), ("status", "completed")),
        scrape.Value("queue_jobs_total", ("queue", queue), ("status", "failed")),
        scrape.Value("queue_jobs_total", ("queue", queue), ("status", "dead")),
        scrape.Value("queue_jobs_completed_total", ("queue", queue)),
        scrape.Value("queue_jobs_failed_total", ("queue", queue)),
        scrape.Value("queue_job_duration_seconds_count", ("queue", queue)));

    public static QueueCounts operator -(QueueCounts after, QueueCounts before)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(before);
        return new(after.Enqueued - before.Enqueued, after.Completed - before.Completed, after.Failed - before.Failed, after.Dead - before.Dead,
            after.CompletedTotal - before.CompletedTotal, after.FailedTotal - before.FailedTotal, after.TimedAttempts - before.TimedAttempts);
    }
}

/// <summary>
/// How a queue's metrics moved since it was created. The prometheus-net registry is shared by every host in the
/// test process, so tests compare deltas, and each test's jobs are all finished before it reads them.
/// </summary>
public sealed class QueueCounters
{
    private readonly ServiceHost _host;
    private readonly string _queue;
    private QueueCounts _before = null!;

    private QueueCounters(ServiceHost host, string queue)
    {
        _host = host;
        _queue = queue;
    }

    /// <summary>
    /// Takes the baseline once the host has counted the enqueues it still had pending: an earlier test's enqueue,
    /// counted a second after its commit, must not land in this test's delta.
    /// </summary>
    public static async Task<QueueCounters> StartAsync(ServiceHost host, string queue)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.Services.GetRequiredService<EnqueuedJobsCounter>().CountCommittedAsync(CancellationToken.None);
        var counters = new QueueCounters(host, queue);
        counters._before = await counters.ReadAsync();
        return counters;
    }

    /// <summary>The counts when this started: a baseline to add deltas to.</summary>
    public QueueCounts Before => _before;

    public async Task<QueueCounts> DeltaAsync() => await ReadAsync() - _before;

    /// <summary>
    /// The delta once it has reached <paramref name="expected"/> in every count that only grows (metrics move
    /// just after the commit that a test sees in the table), so a caller can then assert it is exactly that.
    /// </summary>
    public Task<QueueCounts> DeltaWhenReachedAsync(QueueCounts expected) =>
        Eventually.UntilAsync(DeltaAsync, d =>
            d.Enqueued >= expected.Enqueued && d.Completed >= expected.Completed && d.Failed >= expected.Failed && d.Dead >= expected.Dead &&
            d.CompletedTotal >= expected.CompletedTotal && d.FailedTotal >= expected.FailedTotal && d.TimedAttempts >= expected.TimedAttempts,
            $"the {_queue} queue metrics to move by {expected}");

    private async Task<QueueCounts> ReadAsync()
    {
        using var client = _host.CreateSocketClient();
        return QueueCounts.Read(await MetricsText.ScrapeAsync(client), _queue);
    }
}
