using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using MinimalBackend.Infrastructure.Logging;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace MinimalBackend.Tests.Infrastructure.Logging;

/// <summary>
/// The formatter's bytes against what Serilog's <see cref="RenderedCompactJsonFormatter"/> writes, encoded as UTF-8,
/// for chosen events and for generated ones. Generated: CsCheck prints the seed of a failure, and
/// <c>CsCheck_Seed=&lt;seed&gt;</c> in the environment replays it.
/// </summary>
public sealed class Utf8RenderedCompactJsonFormatterTests
{
    private static readonly MessageTemplateParser Parser = new();
    private static readonly ActivityTraceId Trace = ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c");
    private static readonly ActivitySpanId Span = ActivitySpanId.CreateFromString("b7ad6b7169203331");
    private static readonly DateTimeOffset Timestamp = new(2026, 11, 26, 9, 30, 15, 123, TimeSpan.FromHours(9));

    [Fact]
    public void The_request_event_is_written_as_serilog_writes_it()
    {
        var logEvent = Event("HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms", LogEventLevel.Information, null,
            ("RequestMethod", new ScalarValue("GET")), ("RouteTemplate", new ScalarValue("/api/users/{id}")), ("StatusCode", new ScalarValue(401)),
            ("Elapsed", new ScalarValue(0.2468)), ("SourceContext", new ScalarValue("MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware")));

        var written = Utf8(logEvent);

        AssertSameAsSerilog(logEvent);
        Assert.Equal(
            "{\"@t\":\"2026-11-26T00:30:15.1230000Z\",\"@m\":\"HTTP GET /api/users/{id} responded 401 in 0.2 ms\",\"@i\":\"" +
            EventIdHash.Compute(logEvent.MessageTemplate.Text).ToString("x8", CultureInfo.InvariantCulture) +
            "\",\"@tr\":\"0af7651916cd43dd8448eb211c80319c\",\"@sp\":\"b7ad6b7169203331\",\"RequestMethod\":\"GET\"," +
            "\"RouteTemplate\":\"/api/users/{id}\",\"StatusCode\":401,\"Elapsed\":0.2468," +
            "\"SourceContext\":\"MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware\"}" + Environment.NewLine,
            written);
    }

    [Fact]
    public void Levels_exceptions_escapes_and_non_ascii_text_are_written_as_serilog_writes_them()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("a \"quoted\"\tmessage\r\nwith \\ and \u0001 and 한국어 \uD83D\uDE00");
        }
        catch (InvalidOperationException exception)
        {
            thrown = exception;
        }

        foreach (var level in Enum.GetValues<LogEventLevel>().Append((LogEventLevel)42))
        {
            AssertSameAsSerilog(Event("Failed: {Reason} for {User:l} \"{Quote}\" \b\f 모니터링 {Missing} {@Missing}", level, thrown,
                ("Reason", new ScalarValue("the \"disk\"\\ is\nfull 한")), ("User", new ScalarValue("ann\u0000\u001f\u007f\u2028")),
                ("Quote", new ScalarValue("he said \"no\""))));
        }
    }

    [Fact]
    public void Nested_values_formats_alignment_and_property_names_are_written_as_serilog_writes_them()
    {
        var structure = new StructureValue(
            [new LogEventProperty("Name", new ScalarValue("x\"y")), new LogEventProperty("Items", new SequenceValue([new ScalarValue(1), new ScalarValue(null)]))],
            typeTag: "Order");
        var dictionary = new DictionaryValue([
            new KeyValuePair<ScalarValue, LogEventPropertyValue>(new ScalarValue("k\n"), new ScalarValue(2.5)),
            new KeyValuePair<ScalarValue, LogEventPropertyValue>(new ScalarValue(null), structure)]);

        AssertSameAsSerilog(Event(
            "{Order} {@Order} {Map} {Seq} {Padded,8}|{Left,-6:0.0}| {Hex:x4} {Money:N2} {When:yyyy-MM-dd HH:mm} {Day} {0} {Flag} {Letter} {Id} {Span} {Level} {Big:N40}",
            LogEventLevel.Warning, null,
            ("Order", structure), ("Map", dictionary), ("Seq", new SequenceValue([new ScalarValue("a"), structure])),
            ("Padded", new ScalarValue("ab")), ("Left", new ScalarValue(3.14159)), ("Hex", new ScalarValue(255)), ("Money", new ScalarValue(1234.5m)),
            ("When", new ScalarValue(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc))), ("Day", new ScalarValue(DayOfWeek.Monday)),
            ("0", new ScalarValue("positional")), ("Flag", new ScalarValue(true)), ("Letter", new ScalarValue('"')),
            ("Id", new ScalarValue(Guid.Parse("9f1c2a60-0d4b-4c3e-9a7f-0b8e5d6c7a21"))), ("Span", new ScalarValue(TimeSpan.FromMilliseconds(-1500.25))),
            ("Level", new ScalarValue(LogEventLevel.Fatal)), ("Big", new ScalarValue(decimal.MaxValue)),
            ("@t", new ScalarValue("a property named like a field")), ("@@x", new ScalarValue(1)),
            ("Nan", new ScalarValue(double.NaN)), ("Inf", new ScalarValue(float.NegativeInfinity)), ("Negative zero", new ScalarValue(-0.0)),
            ("Max", new ScalarValue(double.MaxValue)), ("Small", new ScalarValue(1e-300)), ("Single", new ScalarValue(0.1f)),
            ("Offset", new ScalarValue(Timestamp)), ("Date", new ScalarValue(new DateOnly(2026, 11, 26))), ("Time", new ScalarValue(new TimeOnly(1, 2, 3))),
            ("Numbers", new SequenceValue([new ScalarValue(long.MinValue), new ScalarValue(ulong.MaxValue), new ScalarValue((byte)7), new ScalarValue((sbyte)-7),
                new ScalarValue((short)-1), new ScalarValue((ushort)1), new ScalarValue(uint.MaxValue)])),
            ("Object", new ScalarValue(new Uri("http://example.com/a?b=\"c\""))), ("Null", new ScalarValue(null))));
    }

    [Fact]
    public void Generated_events_are_written_as_serilog_writes_them()
    {
        Events.Sample(AssertSameAsSerilog, iter: 2000, print: Describe);
    }

    [Fact]
    public void The_request_event_is_formatted_without_allocating()
    {
        var formatter = new Utf8RenderedCompactJsonFormatter();
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var logEvent = Event("HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms", LogEventLevel.Information, null,
            ("RequestMethod", new ScalarValue("GET")), ("RouteTemplate", new ScalarValue("/api/info")), ("StatusCode", new ScalarValue(200)),
            ("Elapsed", new ScalarValue(0.31)), ("SourceContext", new ScalarValue("MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware")));
        formatter.Format(logEvent, output);
        output.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            formatter.Format(logEvent, output);
            output.ResetWrittenCount();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Written_to_a_text_writer_it_writes_what_serilog_writes()
    {
        var logEvent = Event("{A} and {B:0.0}", LogEventLevel.Debug, null, ("A", new ScalarValue("x\"")), ("B", new ScalarValue(1.5)));
        using var ours = new StringWriter(CultureInfo.InvariantCulture);
        using var theirs = new StringWriter(CultureInfo.InvariantCulture);

        new Utf8RenderedCompactJsonFormatter().Format(logEvent, ours);
        new RenderedCompactJsonFormatter().Format(logEvent, theirs);

        Assert.Equal(theirs.ToString(), ours.ToString());
    }

    private static void AssertSameAsSerilog(LogEvent logEvent)
    {
        var output = new ArrayBufferWriter<byte>();
        string expected;
        try
        {
            expected = Serilog(logEvent);
        }
        catch (FormatException)
        {
            // A token's format that does not fit its value ({Elapsed:l} on a number): Serilog's formatter throws, so does this one.
            Assert.Throws<FormatException>(() => new Utf8RenderedCompactJsonFormatter().Format(logEvent, output));
            return;
        }
        new Utf8RenderedCompactJsonFormatter().Format(logEvent, output);

        // Compared as text first, for a readable difference, then as bytes.
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), output.WrittenSpan.ToArray());
    }

    private static string Serilog(LogEvent logEvent)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        new RenderedCompactJsonFormatter().Format(logEvent, text);
        return text.ToString();
    }

    private static string Describe(LogEvent logEvent) =>
        $"{logEvent.Level} {logEvent.MessageTemplate.Text} {string.Join(", ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}"))}";

    private static string Utf8(LogEvent logEvent)
    {
        var output = new ArrayBufferWriter<byte>();
        new Utf8RenderedCompactJsonFormatter().Format(logEvent, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static LogEvent Event(string template, LogEventLevel level, Exception? exception, params (string Name, LogEventPropertyValue Value)[] properties) =>
        new(Timestamp, level, exception, Parser.Parse(template), properties.Select(p => new LogEventProperty(p.Name, p.Value)), Trace, Span);

    // Pieces of text that need escaping, or not: quotes, backslashes, control characters, non-ASCII letters, a
    // surrogate pair, template syntax. Whole surrogate pairs only: a lone surrogate is not text a log holds.
    private static readonly Gen<string> Text = Gen.OneOf(
            "", "a", "Zz", " ", "\"", "\\", "\n", "\r", "\t", "\f", "\b", "\u0000", "\u001f", "\u007f", "é", "모니터링", "\uD83D\uDE00", "\u2028", "{", "}", "@", ":", ",",
            "0", "-")
        .Array[0, 6].Select(pieces => string.Concat(pieces));

    private static readonly string[] Names = ["A", "B", "Elapsed", "StatusCode", "@x", "@@y", "이름", "q\"n", "0", "1"];

    private static readonly Gen<LogEventPropertyValue> Scalars = Gen.OneOf<object?>(
            Gen.Const((object?)null), Text.Select(s => (object?)s), Gen.Int.Select(i => (object?)i), Gen.Long.Select(l => (object?)l),
            Gen.Double.Select(d => (object?)d), Gen.Single.Select(f => (object?)f), Gen.Decimal.Select(d => (object?)d), Gen.Bool.Select(b => (object?)b),
            Gen.Char.Select(c => (object?)c), Gen.Byte.Select(b => (object?)b), Gen.UInt.Select(u => (object?)u), Gen.ULong.Select(u => (object?)u),
            Gen.Short.Select(s => (object?)s), Gen.OneOf<object?>(double.NaN, double.PositiveInfinity, float.NaN, -0.0, 0.1, 1e21, 123.456m),
            Gen.DateTime.Select(d => (object?)d), Gen.DateTimeOffset.Select(d => (object?)d), Gen.Long[-1_000_000_000_000, 1_000_000_000_000].Select(t => (object?)new TimeSpan(t)),
            Gen.Guid.Select(g => (object?)g), Gen.Enum<LogEventLevel>().Select(l => (object?)l), Gen.Enum<DayOfWeek>().Select(d => (object?)d))
        .Select(value => (LogEventPropertyValue)new ScalarValue(value));

    private static readonly Gen<LogEventPropertyValue> Values = Gen.Recursive<LogEventPropertyValue>((depth, values) => depth >= 2
        ? Scalars
        : Gen.Frequency<LogEventPropertyValue>(
            (6, Scalars),
            (1, values.Array[0, 3].Select(elements => (LogEventPropertyValue)new SequenceValue(elements))),
            (1, Gen.Select(Gen.OneOf(Names).Array[0, 3], values.Array[3], Gen.OneOf<string?>(null, "Order", "T\"ag"),
                (names, elements, tag) => (LogEventPropertyValue)new StructureValue(
                    names.Distinct().Select((name, i) => new LogEventProperty(name.TrimStart('@'), elements[i])), tag))),
            (1, Gen.Select(Text.Array[0, 3], values.Array[3], (keys, elements) => (LogEventPropertyValue)new DictionaryValue(
                keys.Distinct().Select((key, i) => new KeyValuePair<ScalarValue, LogEventPropertyValue>(new ScalarValue(key), elements[i])))))));

    private static readonly Gen<string> Tokens = Gen.Frequency<string>(
            (3, Text.Where(t => !t.Contains('{', StringComparison.Ordinal) && !t.Contains('}', StringComparison.Ordinal))),
            (4, Gen.Select(Gen.OneOf(Names).Where(n => n[0] != '@' || n.Length > 1), Gen.OneOf("", ":l", ":0.0", ":x", ":N2", ":j", ":lj", ",5", ",-4:0"),
                Gen.OneOf("", "@", "$"), (name, format, prefix) => "{" + prefix + name.TrimStart('@') + format + "}")),
            (1, Gen.OneOf("{{", "}}", "{", "}", "{ }", "{Missing}")))
        .Array[0, 6].Select(pieces => string.Concat(pieces));

    private static readonly Gen<LogEvent> Events = Gen.Select(
        Tokens, Gen.Select(Gen.OneOf(Names), Values).Array[0, 6], Gen.Enum<LogEventLevel>(), Gen.Bool, Gen.DateTimeOffset, Gen.Bool,
        (template, properties, level, withException, timestamp, withTrace) => new LogEvent(
            timestamp, level, withException ? new InvalidOperationException("bad \"state\"\n모니터링") : null, Parser.Parse(template),
            properties.DistinctBy(p => p.Item1).Select(p => new LogEventProperty(p.Item1, p.Item2)),
            withTrace ? Trace : default, withTrace ? Span : default));
}
