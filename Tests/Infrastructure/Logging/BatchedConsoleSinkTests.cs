using System.Text;
using System.Text.Json;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Tests.Support;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace MinimalBackend.Tests.Infrastructure.Logging;

public sealed class BatchedConsoleSinkTests
{
    private static readonly MessageTemplateTextFormatter MessageOnly = new("{Level:u3} {Message:lj}{NewLine}");

    [Fact]
    public async Task Events_are_written_in_order_many_to_a_write()
    {
        var output = new RecordingStream();
        using var sink = new BatchedConsoleSink(MessageOnly, output, TimeSpan.FromMilliseconds(20), queueLimit: 10_000);

        for (var i = 0; i < 1000; i++)
        {
            sink.Emit(Event($"event {i}"));
        }

        var lines = await Eventually.UntilAsync(() => Task.FromResult(output.Lines()), l => l.Count == 1000, "all 1000 events to be written");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"INF event {i}"), lines);
        Assert.InRange(output.Writes, 1, 20);
    }

    [Fact]
    public void Dispose_writes_what_is_still_queued()
    {
        var output = new RecordingStream();
        var sink = new BatchedConsoleSink(MessageOnly, output, TimeSpan.FromHours(1), queueLimit: 100);

        sink.Emit(Event("first"));
        sink.Emit(Event("second"));
        sink.Dispose();

        Assert.Equal(["INF first", "INF second"], output.Lines());
    }

    [Fact]
    public void Beyond_the_queue_limit_events_are_dropped_and_their_number_reported()
    {
        var output = new RecordingStream();
        var sink = new BatchedConsoleSink(MessageOnly, output, TimeSpan.FromHours(1), queueLimit: 10);

        for (var i = 0; i < 15; i++)
        {
            sink.Emit(Event($"event {i}"));
        }
        var dropped = sink.Dropped;
        sink.Dispose();

        Assert.Equal(5, dropped);
        Assert.Equal(
            [.. Enumerable.Range(0, 10).Select(i => $"INF event {i}"), "WRN 5 log events were dropped: standard output did not keep up"],
            output.Lines());
    }

    [Fact]
    public async Task An_event_the_formatter_fails_on_is_left_out_whole_and_the_next_ones_are_written()
    {
        var output = new RecordingStream();
        using var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromMilliseconds(20), queueLimit: 100);

        sink.Emit(Event("first"));
        // A format that does not fit its value: Serilog's compact JSON formatter throws on it, halfway through the event.
        sink.Emit(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse("took {Elapsed:l} ms"),
            [new LogEventProperty("Elapsed", new ScalarValue(1.5))]));
        sink.Emit(Event("second"));

        var lines = await Eventually.UntilAsync(() => Task.FromResult(output.Lines()), l => l.Count >= 2, "the events after the failing one to be written");
        Assert.Equal(["first", "second"], lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString()));
    }

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), []);

    /// <summary>Keeps what was written and counts the write calls.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        private readonly Lock _lock = new();
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        // A MemoryStream subclass gets span writes through this overload too.
        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_lock)
            {
                base.Write(buffer, offset, count);
                _writes++;
            }
        }

        public List<string> Lines()
        {
            lock (_lock)
            {
                return [.. Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            }
        }
    }
}
