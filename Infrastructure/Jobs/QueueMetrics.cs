using MinimalBackend.Infrastructure.Tracing;
using Prometheus;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// The monitoring guide's queue metrics (names and labels are its contract), plus the backlog gauge and
/// the duration histogram. <c>queue</c> is a registered queue name (a closed set fixed at startup: email,
/// notification); <c>status</c> is one of <see cref="Statuses"/>. Every count is made after the transaction
/// that made it true has committed, and only by the instance whose write took effect, so summing the
/// instances' counters counts each event once.
/// </summary>
public sealed class QueueMetrics
{
    public const string Enqueued = "enqueued";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Dead = "dead";

    public static readonly IReadOnlyList<string> Statuses = [Enqueued, Completed, Failed, Dead];

    // From a notification insert (milliseconds) to an SMTP conversation with a slow server (tens of seconds).
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Counter _jobs;
    private readonly Counter _completedJobs;
    private readonly Counter _failedAttempts;
    private readonly Gauge _waiting;
    private readonly Histogram _duration;

    public QueueMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _jobs = metrics.CreateCounter(
        "queue_jobs_total",
        "Queue job events by status: enqueued = a job's enqueue transaction committed; completed = its handler returned; " +
        "failed = an attempt failed and the job will be retried; dead = its last allowed attempt failed.",
        new CounterConfiguration { LabelNames = ["queue", "status"] });

        _completedJobs = metrics.CreateCounter(
        "queue_jobs_completed_total",
        "Jobs whose handler returned and whose completion was recorded.",
        new CounterConfiguration { LabelNames = ["queue"] });

        _failedAttempts = metrics.CreateCounter(
        "queue_jobs_failed_total",
        "Failed job attempts (the handler threw, or its worker stopped and the lease expired), including a job's last attempt.",
        new CounterConfiguration { LabelNames = ["queue"] });

        _waiting = metrics.CreateGauge(
        "queue_jobs_waiting",
        "Jobs waiting to run (never attempted, or failed and due for a retry), read from the jobs table every few seconds. " +
        "Every instance reports the same backlog: aggregate with max, not sum.",
        new GaugeConfiguration { LabelNames = ["queue"] });

        _duration = metrics.CreateHistogram(
        "queue_job_duration_seconds",
        "Time one job attempt's handler ran, in seconds, whatever its outcome.",
        new HistogramConfiguration { LabelNames = ["queue"], Buckets = DurationBuckets, ExemplarBehavior = TraceExemplars.Explicit });
    }

    /// <summary>Creates every series of these queues, so they export 0 before the first event.</summary>
    public void Initialize(IEnumerable<string> queues)
    {
        foreach (var queue in queues)
        {
            foreach (var status in Statuses)
            {
                _jobs.WithLabels(queue, status);
            }
            _completedJobs.WithLabels(queue);
            _failedAttempts.WithLabels(queue);
            _waiting.WithLabels(queue);
            _duration.WithLabels(queue);
        }
    }

    public void CountEnqueued(string queue, int jobs) => _jobs.WithLabels(queue, Enqueued).Inc(jobs);

    /// <summary>A completed attempt; <paramref name="traceId"/> (of a sampled run) becomes its duration's exemplar.</summary>
    public void CountCompleted(string queue, TimeSpan duration, string? traceId = null)
    {
        _jobs.WithLabels(queue, Completed).Inc();
        _completedJobs.WithLabels(queue).Inc();
        _duration.WithLabels(queue).Observe(duration.TotalSeconds, TraceExemplars.Of(traceId));
    }

    /// <summary>A failed attempt: the job is retried (<paramref name="dead"/> false) or has used its last attempt.</summary>
    public void CountFailedAttempt(string queue, bool dead, TimeSpan? duration, string? traceId = null)
    {
        _jobs.WithLabels(queue, dead ? Dead : Failed).Inc();
        _failedAttempts.WithLabels(queue).Inc();
        if (duration is { } elapsed)
        {
            _duration.WithLabels(queue).Observe(elapsed.TotalSeconds, TraceExemplars.Of(traceId));
        }
    }

    public void SetWaiting(string queue, long jobs) => _waiting.WithLabels(queue).Set(jobs);
}
