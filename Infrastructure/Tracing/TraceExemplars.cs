using System.Diagnostics;
using Prometheus;

namespace MinimalBackend.Infrastructure.Tracing;

/// <summary>
/// Exemplars that link a histogram's observations to their traces: <c>trace_id</c> (and <c>span_id</c>) of
/// sampled spans only, since an unsampled span's trace exists nowhere to be opened. Prometheus reads them from
/// the OpenMetrics exposition (it asks for it by default) and keeps them with <c>--enable-feature=exemplar-storage</c>.
/// </summary>
public static class TraceExemplars
{
    private static readonly Exemplar.LabelKey TraceIdKey = Exemplar.Key("trace_id");
    private static readonly Exemplar.LabelKey SpanIdKey = Exemplar.Key("span_id");

    /// <summary>
    /// For metrics observed inside the span they describe (a request's duration): the current span, when it is
    /// sampled. At most one new exemplar per series a second, plenty for a 10 s scrape, and it keeps the cost of
    /// formatting ids off most observations.
    /// </summary>
    public static ExemplarBehavior OfCurrentSampledSpan { get; } = new()
    {
        DefaultExemplarProvider = static (_, _) => Activity.Current is { Recorded: true } span
            ? Exemplar.From(TraceIdKey.WithValue(span.TraceId.ToHexString()), SpanIdKey.WithValue(span.SpanId.ToHexString()))
            : Exemplar.None,
        NewExemplarMinInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>For metrics observed after their span ended (a job's duration, counted once its outcome is recorded).</summary>
    public static ExemplarBehavior Explicit { get; } = new()
    {
        DefaultExemplarProvider = static (_, _) => Exemplar.None,
        NewExemplarMinInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>The exemplar of a sampled trace, or none.</summary>
    public static Exemplar Of(string? traceId) => traceId is null ? Exemplar.None : Exemplar.From(TraceIdKey.WithValue(traceId));
}
