using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using MinimalBackend.Infrastructure.Tracing;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Runs one queue's jobs in this instance: claims as many due jobs as it has free slots (at most
/// <see cref="QueueOptions.Concurrency"/> run at once), runs each invocable, and hands its outcome to the
/// <see cref="JobOutcomeWriter"/>; a slot frees once the outcome is recorded. It claims again at once after
/// a full batch (more may be due), otherwise when woken: a notification, a poll tick, a retry coming due.
/// </summary>
internal sealed partial class QueueWorker : IDisposable
{
    private readonly string _queue;
    private readonly string[] _types;
    private readonly int _concurrency;
    private readonly JobTypeRegistry _registry;
    private readonly JobTable _table;
    private readonly JobOutcomeWriter _outcomes;
    private readonly IServiceScopeFactory _scopes;
    private readonly string _owner;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private readonly ConcurrentDictionary<long, bool> _held = new();

    public QueueWorker(string queue, JobTypeRegistry registry, JobTable table, JobOutcomeWriter outcomes, IServiceScopeFactory scopes,
        string owner, JobsOptions options, ILogger logger)
    {
        _queue = queue;
        _types = registry.InQueue(queue).Select(t => t.Name).ToArray();
        _concurrency = options.ForQueue(queue).Concurrency;
        _registry = registry;
        _table = table;
        _outcomes = outcomes;
        _scopes = scopes;
        _owner = owner;
        _lease = options.LeaseDuration;
        _logger = logger;
        _slots = new SemaphoreSlim(_concurrency, _concurrency);
    }

    public string Queue => _queue;

    /// <summary>Jobs leased by this worker whose outcome is not recorded yet.</summary>
    public int Held => _held.Count;

    /// <summary>The ids of those jobs: the leases the dispatcher renews.</summary>
    public ICollection<long> HeldJobIds => _held.Keys;

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// A retry this worker scheduled comes due then. Only worth a timer for short delays: polling finds the
    /// others within a second or so anyway.
    /// </summary>
    private void WakeAfter(TimeSpan delay)
    {
        if (delay < TimeSpan.FromMinutes(1))
        {
            _ = Task.Delay(delay).ContinueWith(_ => Wake(), TaskScheduler.Default);
        }
    }

    public Task WhenRunningJobsFinish() => Task.WhenAll(_running.Keys);

    /// <summary>Called once a job's outcome is recorded (or dropped): its slot is free again.</summary>
    public void Finished(JobOutcome outcome, bool recorded)
    {
        _held.TryRemove(outcome.JobId, out _);
        _slots.Release();
        if (recorded && outcome.State == JobStates.Failed)
        {
            WakeAfter(outcome.RetryDelay);
        }
    }

    public async Task ClaimLoopAsync(CancellationToken stopClaiming, CancellationToken stopRunning)
    {
        // Jobs may have come due while no instance ran: look once before waiting to be woken.
        var mayHaveMore = true;
        try
        {
            while (true)
            {
                await _slots.WaitAsync(stopClaiming);
                var free = 1;
                while (_slots.Wait(0))
                {
                    free++;
                }
                try
                {
                    if (!mayHaveMore)
                    {
                        await _wake.Reader.ReadAsync(stopClaiming);
                        // Jobs that finished while this waited freed their slots: claim for those too.
                        while (_slots.Wait(0))
                        {
                            free++;
                        }
                    }
                    var jobs = await ClaimAsync(free);
                    mayHaveMore = jobs is null || jobs.Count == free;
                    foreach (var job in jobs ?? [])
                    {
                        Start(job, stopRunning);
                        free--;
                    }
                }
                finally
                {
                    if (free > 0)
                    {
                        _slots.Release(free);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopClaiming.IsCancellationRequested)
        {
            // Shutting down: the dispatcher waits for the jobs already started.
        }
    }

    /// <summary>The claimed jobs, or null when the database could not be asked (retried after a pause).</summary>
    private async Task<IReadOnlyList<ClaimedJob>?> ClaimAsync(int limit)
    {
        try
        {
            // Not cancellable on purpose: a claim cancelled after PostgreSQL committed it would lease jobs that
            // nobody runs. It is one short statement; shutdown waits for it.
            var jobs = await _table.ClaimAsync(_queue, _types, limit, _owner, _lease);
            foreach (var job in jobs)
            {
                _held[job.Id] = true;
            }
            return jobs;
        }
        catch (Exception e)
        {
            // Whatever went wrong (the database, a pool being disposed), the queue must not stop claiming for good.
            // If PostgreSQL committed the claim before the answer was lost, those jobs are leased to this instance
            // but held by no worker: nobody renews them, and they are rescued when their lease runs out.
            LogClaimFailed(_logger, _queue, e);
            await Task.Delay(TimeSpan.FromSeconds(1));
            return null;
        }
    }

    private void Start(ClaimedJob job, CancellationToken stopRunning)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[done.Task] = true;
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(job, stopRunning);
            }
            finally
            {
                _running.TryRemove(done.Task, out _);
                done.SetResult();
            }
        }, CancellationToken.None);
    }

    private async Task RunAsync(ClaimedJob job, CancellationToken stopRunning)
    {
        if (!_registry.TryGet(job.Type, out var type))
        {
            // Unreachable: the claim asks only for this queue's known types.
            Report(job, JobStates.Dead, $"No handler for job type {job.Type}.", TimeSpan.Zero, TimeSpan.Zero);
            return;
        }

        object payload;
        try
        {
            payload = type.ReadPayload(job.Payload);
        }
        catch (Exception e)
        {
            // No retry can make an unreadable payload readable. Every exception ends here: one escaping this
            // method would leave the job leased, and its lease renewed, for as long as this instance runs.
            LogDead(_logger, job.Id, job.Type, job.Attempts, e);
            Report(job, JobStates.Dead, $"The payload cannot be read as {type.PayloadType.Name}: {e.Message}", TimeSpan.Zero, TimeSpan.Zero);
            return;
        }

        using var span = StartRunSpan(job);
        var traceId = span is { Recorded: true } ? span.TraceId.ToHexString() : null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<JobContext>();
            context.JobId = job.Id;
            context.Type = job.Type;
            context.Queue = _queue;
            context.Attempt = job.Attempts;
            context.MaxAttempts = job.MaxAttempts;
            await type.InvokeAsync(scope.ServiceProvider, payload, stopRunning);
            Report(job, JobStates.Completed, null, TimeSpan.Zero, Stopwatch.GetElapsedTime(started), traceId);
        }
        catch (OperationCanceledException) when (stopRunning.IsCancellationRequested)
        {
            // Cut off by the shutdown timeout: not the job's failure. The dispatcher releases its lease.
            span?.SetStatus(ActivityStatusCode.Error, "Cut off by the shutdown timeout");
        }
        catch (Exception e)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var error = $"{e.GetType().FullName}: {e.Message}";
            span?.SetStatus(ActivityStatusCode.Error, error);
            span?.AddException(e);
            if (job.Attempts >= job.MaxAttempts)
            {
                LogDead(_logger, job.Id, job.Type, job.Attempts, e);
                Report(job, JobStates.Dead, error, TimeSpan.Zero, elapsed, traceId);
            }
            else
            {
                var retryDelay = type.Options.RetryDelay(job.Attempts);
                LogRetrying(_logger, job.Id, job.Type, job.Attempts, job.MaxAttempts, retryDelay, e);
                Report(job, JobStates.Failed, error, retryDelay, elapsed, traceId);
            }
        }
    }

    /// <summary>
    /// The attempt's span, a child of the span that enqueued the job (stored with it), so the request that asked
    /// for the work and the work itself are one trace. A child rather than a link: a job has exactly one cause,
    /// and the one trace is what an operator follows from a request to its email; retries are sibling spans.
    /// </summary>
    private Activity? StartRunSpan(ClaimedJob job)
    {
        var span = ServiceTraces.Source.StartActivity($"run {job.Type}", ActivityKind.Consumer, ServiceTraces.ParseTraceParent(job.TraceParent));
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("messaging.system", "minimal_backend_jobs");
            span.SetTag("messaging.operation.type", "process");
            span.SetTag("messaging.destination.name", _queue);
            span.SetTag("messaging.message.id", job.Id);
            span.SetTag("job.type", job.Type);
            span.SetTag("job.attempt", job.Attempts);
        }
        return span;
    }

    public void Dispose() => _slots.Dispose();

    private void Report(ClaimedJob job, string state, string? error, TimeSpan retryDelay, TimeSpan duration, string? traceId = null) =>
        _outcomes.Add(new JobOutcome(job.Id, _queue, state, error, retryDelay, duration, traceId));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim jobs of queue {Queue}; trying again")]
    private static partial void LogClaimFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}) failed attempt {Attempt} of {MaxAttempts}; retrying in {RetryDelay}")]
    private static partial void LogRetrying(ILogger logger, long jobId, string jobType, int attempt, int maxAttempts, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} ({JobType}) failed attempt {Attempt}, its last: the job is dead")]
    private static partial void LogDead(ILogger logger, long jobId, string jobType, int attempt, Exception exception);
}

/// <summary>The values of <c>jobs.state</c>.</summary>
public static class JobStates
{
    public const string Waiting = "waiting";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Dead = "dead";

    /// <summary>Every state: the closed set the <c>jobs.state</c> check constraint allows.</summary>
    public static readonly IReadOnlyList<string> All = [Waiting, Active, Completed, Failed, Dead];
}
