using System.Collections.Concurrent;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Xunit.Abstractions;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A test host's log, instead of the console: the hosts of a parallel run would bury the test results under
/// their JSON lines. Events are kept here (the last <see cref="Capacity"/>) and, once a test has called
/// <see cref="ServiceHost.LogTo"/>, written to that test's output, which the test run prints only when the test fails.
/// </summary>
public sealed class HostLog : ILogEventSink
{
    public const int Capacity = 1000;

    private readonly ConcurrentQueue<string> _kept = new();
    private ITestOutputHelper? _output;

    public IReadOnlyList<string> Lines => [.. _kept];

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var line = $"{logEvent.Timestamp:HH:mm:ss.fff} {logEvent.Level} {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}" +
            (logEvent.Exception is null ? "" : Environment.NewLine + logEvent.Exception);
        _kept.Enqueue(line);
        while (_kept.Count > Capacity && _kept.TryDequeue(out _))
        {
        }
        Write(_output, line);
    }

    /// <summary>From now on (and what was kept so far), the host's events go to this test's output.</summary>
    public void WriteTo(ITestOutputHelper output)
    {
        _output = output;
        foreach (var line in _kept)
        {
            Write(output, line);
        }
    }

    private static void Write(ITestOutputHelper? output, string line)
    {
        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test that owned this output has ended (xUnit refuses output outside a test).
        }
    }
}

/// <summary>
/// <c>"WriteTo": [{ "Name": "Discard" }]</c>: what a test host's console sink becomes (<see cref="ServiceHost"/>
/// renames it); its events reach <see cref="HostLog"/> through the service's <c>ReadFrom.Services</c>.
/// </summary>
public static class DiscardSinkConfiguration
{
    public static LoggerConfiguration Discard(this LoggerSinkConfiguration sinks, ITextFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _ = formatter;
        return sinks.Sink(new DiscardSink());
    }

    private sealed class DiscardSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
        }
    }
}
