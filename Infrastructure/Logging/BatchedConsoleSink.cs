using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace MinimalBackend.Infrastructure.Logging;

/// <summary>
/// Standard output written off the request path and in batches. <see cref="Emit"/> only queues the event;
/// a writer thread of its own wakes every <c>bufferingMilliseconds</c>, formats whatever is queued and writes
/// it with one call. Measured on the HTTP benchmark: a console write per event (even on a background
/// thread) cost about 15% of the service's throughput, and Serilog's batching sink, which wakes its loop
/// through the thread pool for nearly every event under load, cost several percent more.
/// </summary>
public sealed class BatchedConsoleSink : ILogEventSink, IDisposable
{
    private const int WriteChunkBytes = 256 * 1024;

    private static readonly MessageTemplate DroppedTemplate = new MessageTemplateParser().Parse(
        "{DroppedEvents} log events were dropped: standard output did not keep up");

    private readonly ITextFormatter _formatter;
    private readonly Stream _output;
    private readonly int _queueLimit;
    private readonly TimeSpan _interval;
    private readonly ConcurrentQueue<LogEvent> _queue = new();
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread _writer;
    private readonly Lock _writing = new();
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);
    private readonly ArrayBufferWriter<byte> _bytes = new(WriteChunkBytes);
    private int _queued;
    private long _dropped;

    public BatchedConsoleSink(ITextFormatter formatter, Stream output, TimeSpan interval, int queueLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLimit, 1);
        _formatter = formatter;
        _output = output;
        _interval = interval;
        _queueLimit = queueLimit;
        _writer = new Thread(WriteUntilStopped) { IsBackground = true, Name = "Console log writer" };
        _writer.Start();
        // A process that ends without disposing the logger (an unhandled exception at startup, say) still
        // writes what it logged last, usually the reason it is ending.
        AppDomain.CurrentDomain.UnhandledException += WriteQueuedOnExit;
        AppDomain.CurrentDomain.ProcessExit += WriteQueuedOnExit;
    }

    /// <summary>Events dropped because the queue was full, since the last report of them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        // Beyond the limit new events are dropped (and later reported), so a stalled stdout cannot take the process's memory.
        if (Interlocked.Increment(ref _queued) > _queueLimit)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue(logEvent);
    }

    /// <summary>Writes everything queued so far: on every tick of the writer thread, at the end, and on the way out.</summary>
    private void WriteQueued()
    {
        lock (_writing)
        {
            while (_queue.TryDequeue(out var logEvent))
            {
                Interlocked.Decrement(ref _queued);
                Format(logEvent);
                if (_bytes.WrittenCount >= WriteChunkBytes)
                {
                    WriteBytes();
                }
            }
            var dropped = Interlocked.Exchange(ref _dropped, 0);
            if (dropped > 0)
            {
                Format(DroppedReport(dropped));
            }
            WriteBytes();
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= WriteQueuedOnExit;
        AppDomain.CurrentDomain.ProcessExit -= WriteQueuedOnExit;
        _stopping.Set();
        _writer.Join();
        WriteQueued();
        _stopping.Dispose();
        _text.Dispose();
    }

    private void WriteQueuedOnExit(object? sender, EventArgs e) => WriteQueued();

    private void WriteUntilStopped()
    {
        while (!_stopping.Wait(_interval))
        {
            try
            {
                WriteQueued();
            }
#pragma warning disable CA1031 // A log writer that throws would end the process; the failure goes to Serilog's SelfLog instead.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Serilog.Debugging.SelfLog.WriteLine("Writing log events to standard output failed: {0}", exception);
            }
        }
    }

    private void Format(LogEvent logEvent)
    {
        var text = _text.GetStringBuilder();
        text.Clear();
        _formatter.Format(logEvent, _text);
        foreach (var chunk in text.GetChunks())
        {
            var written = Encoding.UTF8.GetBytes(chunk.Span, _bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length)));
            _bytes.Advance(written);
        }
    }

    private void WriteBytes()
    {
        if (_bytes.WrittenCount == 0)
        {
            return;
        }
        _output.Write(_bytes.WrittenSpan);
        _output.Flush();
        _bytes.ResetWrittenCount();
    }

    private static LogEvent DroppedReport(long dropped) => new(
        DateTimeOffset.Now, LogEventLevel.Warning, exception: null, DroppedTemplate,
        [new LogEventProperty("DroppedEvents", new ScalarValue(dropped))]);
}

public static class BatchedConsoleSinkConfiguration
{
    /// <summary>
    /// <c>"WriteTo": [{ "Name": "BatchedConsole", "Args": { "formatter": ... } }]</c> in the Serilog section.
    /// Events are written every <paramref name="bufferingMilliseconds"/>; at most <paramref name="queueLimit"/>
    /// wait in between, and beyond that new events are dropped and their number reported.
    /// </summary>
    public static LoggerConfiguration BatchedConsole(
        this LoggerSinkConfiguration sinks,
        ITextFormatter formatter,
        int bufferingMilliseconds = 20,
        int queueLimit = 100_000,
        LogEventLevel restrictedToMinimumLevel = LevelAlias.Minimum)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        return sinks.Sink(
            new BatchedConsoleSink(formatter, Console.OpenStandardOutput(), TimeSpan.FromMilliseconds(bufferingMilliseconds), queueLimit),
            restrictedToMinimumLevel);
    }
}
