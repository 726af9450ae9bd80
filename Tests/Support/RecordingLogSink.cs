using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Every Serilog event of one host, as structured events: register it as a service
/// (<c>services.AddSingleton&lt;ILogEventSink&gt;(sink)</c>) and the service's <c>ReadFrom.Services</c> adds it beside
/// the console. The host's minimum levels still apply: raise a category with <c>Serilog:MinimumLevel:Override:...</c>.
/// </summary>
public sealed class RecordingLogSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>The events from this source context (a logger's category: the full name of its type).</summary>
    public IReadOnlyList<LogEvent> From(string sourceContext) =>
        [.. _events.Where(e => e.Properties.TryGetValue("SourceContext", out var context) && context is ScalarValue { Value: string name } && name == sourceContext)];
}

public static class LogEventProperties
{
    /// <summary>A scalar property's value as text (a string without quotes), or null when the event has no such property.</summary>
    public static string? Scalar(this LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;
}
