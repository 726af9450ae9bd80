using System.Diagnostics;

namespace MinimalBackend.Infrastructure.Tracing;

/// <summary>
/// The service's own spans (a job's enqueue and run, an SMTP send, a NOTIFY push), beside the ones the ASP.NET
/// Core, HttpClient and Npgsql instrumentations make; and the W3C <c>traceparent</c> text that carries a trace
/// across a job row or a NOTIFY payload (https://www.w3.org/TR/trace-context/#traceparent-header).
/// </summary>
public static class ServiceTraces
{
    public const string SourceName = "MinimalBackend";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The current span as a <c>traceparent</c>, or null outside any trace (a background loop).</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>The span context a stored <c>traceparent</c> names, or default when there is none or it is malformed.</summary>
    public static ActivityContext ParseTraceParent(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var context) ? context : default;
}
