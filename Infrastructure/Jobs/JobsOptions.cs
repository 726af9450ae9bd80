namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>Bound from the <c>Jobs</c> section.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>Claim and run jobs in this instance. False leaves it enqueueing only (a web-only role).</summary>
    public bool RunJobs { get; set; } = true;

    /// <summary>How long a claimed job stays reserved for its worker without a renewal. The worker renews it
    /// every third of this while the handler runs; a crashed worker's jobs run again this long after it died.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Seconds between the fallback polls and the lease rescues (1 to 59; Coravel's seconds schedule,
    /// so a divisor of 60 gives even intervals). LISTEN/NOTIFY starts new jobs sooner; this catches the rest.</summary>
    public int PollIntervalSeconds { get; set; } = 1;

    /// <summary>Seconds between reads of the backlog for <c>queue_jobs_waiting</c> (1 to 59).</summary>
    public int WaitingGaugeSeconds { get; set; } = 5;

    /// <summary>How long completed jobs are kept before they are deleted. Dead jobs are kept.</summary>
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Most connections of the bookkeeping pool (<see cref="JobBookkeepingDatabase"/>): one claim per queue at a
    /// time, the outcome writer, the lease renewal and the housekeeping tasks each hold one only for a statement.
    /// Handlers use the API pool (<c>Database:MaxPoolSize</c>).
    /// </summary>
    public int MaxPoolSize { get; set; } = 10;

    /// <summary>Per queue: <c>Jobs:Queues:email:Concurrency</c>.</summary>
    public Dictionary<string, QueueOptions> Queues { get; set; } = new(StringComparer.Ordinal);

    public QueueOptions ForQueue(string queue) => Queues.TryGetValue(queue, out var options) ? options : new QueueOptions();

    internal IEnumerable<string> Problems()
    {
        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return "Jobs:LeaseDuration must be at least 1 second.";
        }
        if (PollIntervalSeconds is < 1 or > 59)
        {
            yield return "Jobs:PollIntervalSeconds must be between 1 and 59.";
        }
        if (WaitingGaugeSeconds is < 1 or > 59)
        {
            yield return "Jobs:WaitingGaugeSeconds must be between 1 and 59.";
        }
        if (MaxPoolSize is < 1 or > 10_000)
        {
            yield return "Jobs:MaxPoolSize must be between 1 and 10000.";
        }
        if (CompletedRetention < TimeSpan.Zero)
        {
            yield return "Jobs:CompletedRetention must not be negative.";
        }
        foreach (var (queue, options) in Queues)
        {
            if (options.Concurrency is < 1 or > 1000)
            {
                yield return $"Jobs:Queues:{queue}:Concurrency must be between 1 and 1000.";
            }
        }
    }
}

/// <summary>Bound from <c>Jobs:Queues:&lt;queue&gt;</c>.</summary>
public sealed class QueueOptions
{
    /// <summary>Handlers of this queue running at once in one instance; also the most jobs claimed at once.</summary>
    public int Concurrency { get; set; } = 4;
}

/// <summary>
/// Bound from <c>Jobs:Types:&lt;type&gt;</c> over the defaults the job type was registered with.
/// A failed attempt is retried after about <c>BackoffBase * 2^(attempt - 1)</c>, capped at <c>BackoffMax</c>.
/// </summary>
public sealed class JobTypeOptions
{
    /// <summary>Attempts before the job is dead, the first one included.</summary>
    public int MaxAttempts { get; set; } = 5;

    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The wait before retrying after <paramref name="failedAttempt"/> (1-based): exponential, with "equal
    /// jitter" (half fixed, half random) so that jobs failing together do not all come back together, yet
    /// none comes back sooner than half its step.
    /// </summary>
    public TimeSpan RetryDelay(int failedAttempt)
    {
        var step = Math.Min(BackoffBase.TotalSeconds * Math.Pow(2, Math.Clamp(failedAttempt - 1, 0, 30)), BackoffMax.TotalSeconds);
#pragma warning disable CA5394 // Jitter spreads retries; it protects nothing, so it needs no cryptographic randomness.
        return TimeSpan.FromSeconds(step / 2 + Random.Shared.NextDouble() * step / 2);
#pragma warning restore CA5394
    }

    internal JobTypeOptions Copy() => (JobTypeOptions)MemberwiseClone();

    internal IEnumerable<string> Problems(string type)
    {
        if (MaxAttempts < 1)
        {
            yield return $"Jobs:Types:{type}:MaxAttempts must be at least 1.";
        }
        if (BackoffBase <= TimeSpan.Zero || BackoffMax < BackoffBase)
        {
            yield return $"Jobs:Types:{type}: BackoffBase must be positive and BackoffMax at least BackoffBase.";
        }
    }
}
