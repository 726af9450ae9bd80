using System.Threading.Channels;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Records attempts' outcomes in batches: whatever finished while the previous batch was being written goes
/// in the next single UPDATE. One job waits for no batch (it is written at once); a thousand short jobs cost a
/// handful of statements instead of a thousand. The metrics move after each batch commits, for the jobs whose
/// lease this instance still held.
/// </summary>
internal sealed partial class JobOutcomeWriter(JobTable table, string owner, QueueMetrics metrics, ILogger logger)
{
    private const int MaxBatch = 1000;

    private readonly Channel<JobOutcome> _outcomes = Channel.CreateUnbounded<JobOutcome>(new UnboundedChannelOptions { SingleReader = true });
    private Action<JobOutcome, bool> _finished = (_, _) => { };

    /// <summary>Told of each outcome once it is recorded (true) or dropped because the lease was lost (false).</summary>
    public void OnFinished(Action<JobOutcome, bool> finished) => _finished = finished;

    public void Add(JobOutcome outcome) => _outcomes.Writer.TryWrite(outcome);

    /// <summary>No more outcomes will come: <see cref="RunAsync"/> ends once the last ones are written.</summary>
    public void Complete() => _outcomes.Writer.TryComplete();

    /// <summary>
    /// Writes until <see cref="Complete"/> and the last batch is written. Once <paramref name="giveUp"/> fires
    /// (the shutdown timeout ran out), a failed write is not retried: those jobs keep their lease until the
    /// dispatcher releases it.
    /// </summary>
    public async Task RunAsync(CancellationToken giveUp)
    {
        var batch = new List<JobOutcome>(MaxBatch);
        while (await _outcomes.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _outcomes.Reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }
            if (!await TryWriteAsync(batch, giveUp))
            {
                return;
            }
            batch.Clear();
        }
    }

    private async Task<bool> TryWriteAsync(List<JobOutcome> batch, CancellationToken giveUp)
    {
        HashSet<long> recorded;
        while (true)
        {
            try
            {
                // Not cancellable: a write cut off after PostgreSQL committed it would leave the metrics behind.
                recorded = await table.RecordOutcomesAsync(owner, batch, CancellationToken.None);
                break;
            }
            catch (Exception e)
            {
                // Retried whatever the cause: a writer that stopped would hold every slot of every queue for good.
                // The leases are renewed meanwhile; if they run out anyway, the guard in the UPDATE drops these.
                LogWriteFailed(logger, batch.Count, e);
                if (giveUp.IsCancellationRequested)
                {
                    return false;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), giveUp).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        foreach (var outcome in batch)
        {
            var isRecorded = recorded.Contains(outcome.JobId);
            if (isRecorded)
            {
                Count(outcome);
            }
            else
            {
                LogLeaseLost(logger, outcome.JobId, outcome.State);
            }
            _finished(outcome, isRecorded);
        }
        return true;
    }

    private void Count(JobOutcome outcome)
    {
        if (outcome.State == JobStates.Completed)
        {
            metrics.CountCompleted(outcome.Queue, outcome.Duration, outcome.TraceId);
        }
        else
        {
            metrics.CountFailedAttempt(outcome.Queue, dead: outcome.State == JobStates.Dead, outcome.Duration, outcome.TraceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the outcome of {Jobs} jobs; trying again")]
    private static partial void LogWriteFailed(ILogger logger, int jobs, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ended {State}, but its lease had expired and it was rescued: the outcome is dropped and the job runs again")]
    private static partial void LogLeaseLost(ILogger logger, long jobId, string state);
}
