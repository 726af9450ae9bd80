using Coravel;
using Coravel.Invocable;
using Coravel.Scheduling.Schedule.Interfaces;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Puts the jobs' housekeeping on Coravel's scheduler when the host starts. Coravel ticks once a second
/// (after the application has started) and runs each due task as an invocable from a fresh DI scope; each
/// task here gets a worker (thread) of its own, so a long prune never delays a poll, and PreventOverlapping
/// skips a tick while the previous run of the same task is still going. PreventOverlapping is per process;
/// across instances the statements themselves are safe to run concurrently.
/// </summary>
internal sealed class JobHousekeepingSchedule(IServiceProvider services, IOptions<JobsOptions> options, EnqueuedJobsCounter enqueued)
    : IHostedService
{
    private const string CoravelDefaultWorker = "_default";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var jobs = options.Value;
        services.UseScheduler(scheduler =>
        {
            if (jobs.RunJobs)
            {
                Schedule<PollJobQueues>(scheduler, "jobs-poll").EverySeconds(jobs.PollIntervalSeconds).PreventOverlapping("jobs-poll");
                Schedule<RescueExpiredJobLeases>(scheduler, "jobs-rescue").EverySeconds(jobs.PollIntervalSeconds).PreventOverlapping("jobs-rescue");
                Schedule<PruneCompletedJobs>(scheduler, "jobs-prune").EveryMinute().PreventOverlapping("jobs-prune");
            }
            Schedule<ReadQueueBacklog>(scheduler, "jobs-backlog").EverySeconds(jobs.WaitingGaugeSeconds).PreventOverlapping("jobs-backlog");
            Schedule<CountEnqueuedJobs>(scheduler, "jobs-enqueued").EverySecond().PreventOverlapping("jobs-enqueued");
            // OnWorker sticks to the scheduler: give later UseScheduler callers Coravel's default worker back.
            scheduler.OnWorker(CoravelDefaultWorker);
        });
        return Task.CompletedTask;
    }

    /// <summary>Counts the enqueues whose transactions committed since the last tick, so a graceful stop loses none.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await enqueued.CountCommittedAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the counter ends with the process anyway.
        }
    }

    private static IScheduleInterval Schedule<TTask>(IScheduler scheduler, string worker)
        where TTask : IInvocable => scheduler.OnWorker(worker).Schedule<TTask>();
}

/// <summary>A housekeeping task: a database error is logged and the next tick tries again.</summary>
internal abstract partial class JobHousekeepingTask(ILogger logger) : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        try
        {
            await RunAsync(CancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogFailed(logger, GetType().Name, e);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    protected abstract Task RunAsync(CancellationToken cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job housekeeping {Task} failed; it runs again at its next tick")]
    private static partial void LogFailed(ILogger logger, string task, Exception exception);
}

/// <summary>The polling fallback: every queue claims whatever is due, notified or not (retries coming due, lost notifications).</summary>
internal sealed class PollJobQueues(JobDispatcher dispatcher) : IInvocable
{
    public Task Invoke()
    {
        dispatcher.WakeAll();
        return Task.CompletedTask;
    }
}

/// <summary>Returns jobs nobody renews (their instance died, hung, or lost track of them) to their queue once their lease has expired.</summary>
internal sealed partial class RescueExpiredJobLeases(JobTable table, JobDispatcher dispatcher, QueueMetrics metrics, ILogger<RescueExpiredJobLeases> logger)
    : JobHousekeepingTask(logger)
{
    private readonly ILogger _logger = logger;

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        var rescued = await table.RescueExpiredLeasesAsync(cancellationToken);
        foreach (var job in rescued)
        {
            var dead = job.State == JobStates.Dead;
            metrics.CountFailedAttempt(job.Queue, dead, duration: null);
            LogRescued(_logger, job.Id, job.Type, job.Attempts, job.LeaseOwner, job.LeaseExpiredAt, dead ? "dead: that was its last attempt" : "queued again");
            dispatcher.Wake(job.Queue);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}), attempt {Attempt}: the lease of {LeaseOwner} ran out at {LeaseExpiredAt:O} " +
        "without a renewal (that instance stopped, hung, or no longer held the job); {Outcome}")]
    private static partial void LogRescued(ILogger logger, long jobId, string jobType, int attempt, string leaseOwner, DateTime leaseExpiredAt, string outcome);
}

/// <summary>Deletes completed jobs older than <see cref="JobsOptions.CompletedRetention"/>, in bounded batches.</summary>
internal sealed partial class PruneCompletedJobs(JobTable table, IOptions<JobsOptions> options, ILogger<PruneCompletedJobs> logger)
    : JobHousekeepingTask(logger)
{
    private const int Batch = 5000;
    private readonly ILogger _logger = logger;

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await table.PruneCompletedAsync(options.Value.CompletedRetention, Batch, cancellationToken);
            total += deleted;
        }
        while (deleted == Batch);
        if (total > 0)
        {
            LogPruned(_logger, total, options.Value.CompletedRetention);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Jobs} jobs completed more than {Retention} ago")]
    private static partial void LogPruned(ILogger logger, int jobs, TimeSpan retention);
}

/// <summary>Reads the backlog per queue into <c>queue_jobs_waiting</c>: every few seconds, not on each scrape.</summary>
internal sealed class ReadQueueBacklog(JobTable table, JobTypeRegistry types, QueueMetrics metrics, ILogger<ReadQueueBacklog> logger) : JobHousekeepingTask(logger)
{
    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        var waiting = await table.CountWaitingAsync(cancellationToken);
        foreach (var queue in types.Queues)
        {
            metrics.SetWaiting(queue, waiting.GetValueOrDefault(queue));
        }
    }
}

/// <summary>Counts enqueued jobs whose enqueue transaction committed (see <see cref="EnqueuedJobsCounter"/>).</summary>
internal sealed class CountEnqueuedJobs(EnqueuedJobsCounter enqueued, ILogger<CountEnqueuedJobs> logger) : JobHousekeepingTask(logger)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => enqueued.CountCommittedAsync(cancellationToken);
}
