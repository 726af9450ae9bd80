using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MinimalBackend.Infrastructure.Logging;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

// Usage: LogFormatterBench [rounds]. Formats 4,096 request events (the request log's template and the properties a
// request line has) 40 times per round with each formatter in turn, after a warm-up, and prints the median, lowest and
// highest CPU time per event (the process's, so the garbage collector's share is in it) and the bytes allocated per event.
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
var template = new MessageTemplateParser().Parse("HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms");
var events = Enumerable.Range(0, 4096).Select(i => new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, template,
    [
        new LogEventProperty("RequestMethod", new ScalarValue("GET")), new LogEventProperty("RouteTemplate", new ScalarValue("/api/info")),
        new LogEventProperty("StatusCode", new ScalarValue(200)), new LogEventProperty("Elapsed", new ScalarValue(i / 7.3)),
        new LogEventProperty("SourceContext", new ScalarValue("MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware")),
        new LogEventProperty("RequestId", new ScalarValue($"0HNQBID4UQVVI:{i:x8}")), new LogEventProperty("RequestPath", new ScalarValue("/api/info")),
        new LogEventProperty("ConnectionId", new ScalarValue("0HNQBID4UQVVI")),
    ], ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom())).ToArray();

var serilog = new RenderedCompactJsonFormatter();
var ours = new Utf8RenderedCompactJsonFormatter();
var text = new StringWriter(CultureInfo.InvariantCulture);
var bytes = new ArrayBufferWriter<byte>(1 << 20);

// What BatchedConsoleSink does with a text formatter: format into a reused StringWriter, then encode its chunks.
void Serilog()
{
    foreach (var logEvent in events)
    {
        var builder = text.GetStringBuilder();
        builder.Clear();
        serilog.Format(logEvent, text);
        foreach (var chunk in builder.GetChunks())
        {
            bytes.Advance(Encoding.UTF8.GetBytes(chunk.Span, bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length))));
        }
        bytes.ResetWrittenCount();
    }
}

void Ours()
{
    foreach (var logEvent in events)
    {
        ours.Format(logEvent, bytes);
        bytes.ResetWrittenCount();
    }
}

(double Microseconds, double Bytes) Measure(Action format)
{
    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < 40; i++)
    {
        format();
    }
    process.Refresh();
    var count = 40.0 * events.Length;
    return ((process.TotalProcessorTime - cpu).TotalMicroseconds / count, (GC.GetAllocatedBytesForCurrentThread() - allocated) / count);
}

for (var i = 0; i < 60; i++)
{
    Serilog();
    Ours();
}
var results = new Dictionary<string, List<(double Microseconds, double Bytes)>> { ["Serilog's formatter, then UTF-8"] = [], ["Utf8RenderedCompactJsonFormatter"] = [] };
for (var round = 0; round < rounds; round++)
{
    results["Serilog's formatter, then UTF-8"].Add(Measure(Serilog));
    results["Utf8RenderedCompactJsonFormatter"].Add(Measure(Ours));
}
Console.WriteLine($"The request event, {rounds} rounds of {40 * events.Length} events per formatter, {Environment.ProcessorCount} cores");
foreach (var (name, measured) in results)
{
    var cpu = measured.Select(m => m.Microseconds).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-34} CPU µs per event {cpu[cpu.Count / 2]:0.000} (lowest {cpu[0]:0.000}, highest {cpu[^1]:0.000}), bytes per event {measured.Average(m => m.Bytes):0}"));
}
