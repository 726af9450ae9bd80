namespace MinimalBackend.Metrics;

/// <summary>Bound from the <c>HttpMetrics</c> section.</summary>
public sealed class HttpMetricsOptions
{
    public const string SectionName = "HttpMetrics";

    /// <summary>The guide's 0.1, 0.5, 1, 2, 5 s plus finer buckets below 100 ms, where a JSON API lives.</summary>
    public static readonly double[] DefaultDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

    /// <summary>Record <c>http_requests_total</c> and <c>http_request_duration_seconds</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Count Prometheus's own scrapes of the metrics endpoint as requests.</summary>
    public bool CountScrapes { get; set; }

    /// <summary>
    /// Count the health probes (<c>/health/live</c>, <c>/health/ready</c>) as requests. Off, the request rate and the
    /// error and latency objectives are the clients' alone: an orchestrator probing an idle instance every few
    /// seconds would otherwise make most of its traffic, all of it fast, and a readiness 503 during an outage
    /// would count as a client's error (the outage has its own alert, DatabaseNotReady).
    /// </summary>
    public bool CountProbes { get; set; }

    /// <summary>Upper bounds, in seconds, of <c>http_request_duration_seconds</c>; empty means the defaults.</summary>
    public double[] DurationBuckets { get; set; } = [];

    public double[] EffectiveDurationBuckets => DurationBuckets.Length > 0 ? DurationBuckets : DefaultDurationBuckets;
}
