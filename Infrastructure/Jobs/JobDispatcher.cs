using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Runs the jobs of every known queue in this instance, at least once each: a <see cref="QueueWorker"/> per
/// queue claims and runs them, the <see cref="JobOutcomeWriter"/> records how they ended, and the leases of the
/// jobs the workers hold are renewed by id every third of <see cref="JobsOptions.LeaseDuration"/>. A lease expires
/// when nobody here holds its job any more (the instance died or hung, or a claim committed but its answer was
/// lost), one lease duration after its last renewal, whatever else the instance is doing.
/// On shutdown it stops claiming, waits for the running handlers until the host's shutdown timeout
/// (<c>HostOptions.ShutdownTimeout</c>, 30 s by default), then cancels the stragglers and releases their
/// leases, so another instance takes them at once instead of after the lease.
/// </summary>
public sealed partial class JobDispatcher(
    JobTypeRegistry types, JobTable table, IServiceScopeFactory scopes, IOptions<JobsOptions> options, QueueMetrics metrics,
    TimeProvider time, ILogger<JobDispatcher> logger)
    : IHostedService, IDisposable
{
    private readonly JobsOptions _options = options.Value;
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _stopRunning = new();
    private readonly CancellationTokenSource _stopRenewing = new();
    private Dictionary<string, QueueWorker> _workers = new(StringComparer.Ordinal);
    private JobOutcomeWriter? _outcomes;
    private Task _claiming = Task.CompletedTask;
    private Task _recording = Task.CompletedTask;
    private Task _renewing = Task.CompletedTask;
    private readonly Lock _stopLock = new();
    private Task? _stopping;

    /// <summary>This instance's name on the leases it takes: host, process and a random part, unique per host.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A job of this queue may be due: the queue's worker claims now rather than at the next poll.</summary>
    public void Wake(string queue)
    {
        if (_workers.TryGetValue(queue, out var worker))
        {
            worker.Wake();
        }
    }

    public void WakeAll()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Wake();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Initialize(types.Queues);
        if (!_options.RunJobs)
        {
            LogNotRunning(logger);
            return Task.CompletedTask;
        }

        _outcomes = new JobOutcomeWriter(table, Owner, metrics, logger);
        _workers = types.Queues.ToDictionary(
            queue => queue,
            queue => new QueueWorker(queue, types, table, _outcomes, scopes, Owner, _options, logger),
            StringComparer.Ordinal);
        _outcomes.OnFinished((outcome, recorded) => _workers[outcome.Queue].Finished(outcome, recorded));

        _recording = Task.Run(() => _outcomes.RunAsync(_stopRunning.Token), CancellationToken.None);
        _claiming = Task.WhenAll(_workers.Values.Select(worker =>
            Task.Run(() => worker.ClaimLoopAsync(_stopClaiming.Token, _stopRunning.Token), CancellationToken.None)));
        _renewing = Task.Run(() => RenewLeasesAsync(_stopRenewing.Token), CancellationToken.None);
        var queues = string.Join(", ", _workers.Values.Select(w => $"{w.Queue} ({_options.ForQueue(w.Queue).Concurrency})"));
        LogRunning(logger, Owner, queues);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops once: a host can call this twice (WebApplication.RunAsync stops the host it runs when another
    /// caller already is), and the second caller waits for the same stop rather than starting another.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stopping ??= StopOnceAsync(cancellationToken);
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        if (_outcomes is null)
        {
            return;
        }
        // The host cancels this token when its shutdown timeout runs out: that is when running jobs are cut off.
        using var shutdownTimeout = cancellationToken.Register(_stopRunning.Cancel);

        _stopClaiming.Cancel();
        await _claiming;
        var running = Task.WhenAll(_workers.Values.Select(w => w.WhenRunningJobsFinish()));
        try
        {
            await running.WaitAsync(_stopRunning.Token);
        }
        catch (OperationCanceledException)
        {
            LogCutOff(logger, _workers.Values.Sum(w => w.Held));
        }
        // The last outcomes are written even when the timeout ran out: each one spares a job a second run.
        _outcomes.Complete();
        await _recording;

        if (_workers.Values.Any(w => w.Held > 0))
        {
            await ReleaseLeasesAsync();
        }
        await _stopRenewing.CancelAsync();
        await _renewing;
    }

    private async Task ReleaseLeasesAsync()
    {
        try
        {
            // The shutdown timeout may be spent already; this is one short statement, given a few seconds of its own.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var released = await table.ReleaseLeasesAsync(Owner, timeout.Token);
            LogReleased(logger, released);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            LogReleaseFailed(logger, e);
        }
    }

    private async Task RenewLeasesAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.LeaseDuration / 3, time);
        var reportedLost = new HashSet<long>();
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var held = _workers.Values.SelectMany(w => w.HeldJobIds).ToHashSet();
                reportedLost.IntersectWith(held);
                if (held.Count == 0)
                {
                    continue;
                }
                try
                {
                    var renewed = await table.RenewLeasesAsync(Owner, held, _options.LeaseDuration, stop);
                    foreach (var id in held.Where(id => !renewed.Contains(id) && reportedLost.Add(id)))
                    {
                        LogLeaseNotRenewed(logger, id);
                    }
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    // Retried at the next tick whatever the cause: a renewal loop that ended would let the leases
                    // of running jobs expire, and other instances run them a second time.
                    LogRenewFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped after the last lease was recorded or released.
        }
    }

    public void Dispose()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Dispose();
        }
        _stopClaiming.Dispose();
        _stopRunning.Dispose();
        _stopRenewing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Running jobs as {Owner}; queues (concurrency): {Queues}")]
    private static partial void LogRunning(ILogger logger, string owner, string queues);

    [LoggerMessage(Level = LogLevel.Information, Message = "Jobs:RunJobs is false: this instance enqueues jobs but runs none")]
    private static partial void LogNotRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shutdown timeout ran out with {Jobs} jobs unfinished; cancelling them and releasing their leases")]
    private static partial void LogCutOff(ILogger logger, int jobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released the leases of {Jobs} unfinished jobs for other instances")]
    private static partial void LogReleased(ILogger logger, int jobs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the leases of unfinished jobs: they run again once the leases expire")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is still running here but is no longer leased to this instance: its lease expired " +
        "before a renewal (the database was unreachable for longer than Jobs:LeaseDuration, or this instance stalled) and it was rescued; " +
        "it may run elsewhere at the same time, and this attempt's outcome will be dropped")]
    private static partial void LogLeaseNotRenewed(ILogger logger, long jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the leases of running jobs; trying again")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
