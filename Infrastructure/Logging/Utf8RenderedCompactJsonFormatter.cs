using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace MinimalBackend.Infrastructure.Logging;

/// <summary>A formatter that can write an event straight to UTF-8 bytes, for sinks that write bytes (<see cref="BatchedConsoleSink"/>).</summary>
public interface IUtf8LogEventFormatter
{
    void Format(LogEvent logEvent, IBufferWriter<byte> output);
}

/// <summary>
/// Writes, byte for byte, what Serilog's <see cref="RenderedCompactJsonFormatter"/> writes encoded as UTF-8 (its
/// fields <c>@t</c>, <c>@m</c>, <c>@i</c>, <c>@l</c>, <c>@x</c>, <c>@tr</c>, <c>@sp</c>, then the properties), but
/// straight into a byte buffer: no timestamp, message, number or event-id strings, no boxed dictionary
/// enumerator, no text buffer to transcode afterwards. Serilog's formatter allocated about 320 bytes for each
/// request's event and took most of the log writer thread's CPU samples (README, HTTP pipeline). The common
/// values (numbers, strings, booleans, times; message tokens without alignment) are written here; anything else
/// (structures, sequences, dictionaries, aligned or quoted tokens, other types) goes through Serilog's own renderer and
/// <see cref="JsonValueFormatter"/>, so the output stays the same for every event. Written to a
/// <see cref="TextWriter"/> (another sink), it is Serilog's formatter.
/// </summary>
// REVIEW: it saves bytes, not CPU: about 0.6 µs per event more than Serilog's formatter and the UTF-8 transcoding on
// a busy machine (ops/bench/http/LogFormatterBench). Take it back (appsettings.json's formatter) if the quiet HTTP
// benchmark shows the 320 bytes per request buy nothing, or make its small writes cheaper.
public sealed class Utf8RenderedCompactJsonFormatter : ITextFormatter, IUtf8LogEventFormatter
{
    private static readonly RenderedCompactJsonFormatter TextFormatter = new();
    private static readonly JsonValueFormatter ValueFormatter = new(typeTagName: "$type");
    private static readonly byte[] NewLine = Encoding.UTF8.GetBytes(Environment.NewLine);
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    [ThreadStatic]
    private static StringWriter? t_scratch;

    // The event id of the template seen last: a service writes the same few templates over and over.
    private EventId? _lastId;

    public void Format(LogEvent logEvent, TextWriter output) => TextFormatter.Format(logEvent, output);

    public void Format(LogEvent logEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);

        Write(output, "{\"@t\":\""u8);
        WriteFormatted(output, logEvent.Timestamp.UtcDateTime, "O");
        Write(output, "\",\"@m\":\""u8);
        WriteMessage(output, logEvent);
        Write(output, "\",\"@i\":\""u8);
        WriteFormatted(output, IdOf(logEvent.MessageTemplate), "x8");
        Write(output, "\""u8);

        if (logEvent.Level != LogEventLevel.Information)
        {
            Write(output, ",\"@l\":\""u8);
            WriteEscaped(output, LevelName(logEvent.Level));
            Write(output, "\""u8);
        }
        if (logEvent.Exception is { } exception)
        {
            Write(output, ",\"@x\":"u8);
            WriteQuoted(output, exception.ToString());
        }
        Span<byte> id = stackalloc byte[16];
        if (logEvent.TraceId is { } traceId)
        {
            traceId.CopyTo(id);
            WriteHexField(output, ",\"@tr\":\""u8, id);
        }
        if (logEvent.SpanId is { } spanId)
        {
            spanId.CopyTo(id[..8]);
            WriteHexField(output, ",\"@sp\":\""u8, id[..8]);
        }

        // The event's dictionary enumerated as itself: through IReadOnlyDictionary its enumerator would be boxed.
        if (logEvent.Properties is Dictionary<string, LogEventPropertyValue> properties)
        {
            foreach (var (name, value) in properties)
            {
                WriteProperty(output, name, value);
            }
        }
        else
        {
            foreach (var (name, value) in logEvent.Properties)
            {
                WriteProperty(output, name, value);
            }
        }
        Write(output, "}"u8);
        Write(output, NewLine);
    }

    private static void WriteProperty(IBufferWriter<byte> output, string name, LogEventPropertyValue value)
    {
        Write(output, ","u8);
        if (name.Length > 0 && name[0] == '@')
        {
            // A property named like a field gets its '@' doubled, as Serilog's formatter does.
            Write(output, "\"@"u8);
            WriteEscaped(output, name);
            Write(output, "\""u8);
        }
        else
        {
            WriteQuoted(output, name);
        }
        Write(output, ":"u8);
        if (value is not ScalarValue scalar || !TryWriteJsonScalar(output, scalar.Value))
        {
            var scratch = Scratch();
            ValueFormatter.Format(value, scratch);
            WriteUtf8(output, scratch.ToString());
        }
    }

    /// <summary>The values <see cref="JsonValueFormatter"/> writes, written the same way without strings.</summary>
    private static bool TryWriteJsonScalar(IBufferWriter<byte> output, object? value)
    {
        switch (value)
        {
            case null:
                Write(output, "null"u8);
                return true;
            case string text:
                WriteQuoted(output, text);
                return true;
            case int or long or uint or ulong or decimal or short or ushort or byte or sbyte:
                WriteFormatted(output, (IUtf8SpanFormattable)value, format: null);
                return true;
            case double number when double.IsFinite(number):
                WriteFormatted(output, number, "R");
                return true;
            case float number when float.IsFinite(number):
                WriteFormatted(output, number, "R");
                return true;
            case bool flag:
                Write(output, flag ? "true"u8 : "false"u8);
                return true;
            case DateTime or DateTimeOffset:
                Write(output, "\""u8);
                WriteFormatted(output, (IUtf8SpanFormattable)value, "O");
                Write(output, "\""u8);
                return true;
            case TimeSpan span:
                Write(output, "\""u8);
                WriteFormatted(output, span, format: null);
                Write(output, "\""u8);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The message as Serilog renders it with the invariant culture, JSON-escaped.</summary>
    private static void WriteMessage(IBufferWriter<byte> output, LogEvent logEvent)
    {
        // Tokens is the template's own array; enumerated as an array, no enumerator is allocated.
        if (logEvent.MessageTemplate.Tokens is not MessageTemplateToken[] tokens)
        {
            tokens = [.. logEvent.MessageTemplate.Tokens];
        }
        foreach (var token in tokens)
        {
            if (token is TextToken text)
            {
                WriteEscaped(output, text.Text);
            }
            else if (token is not PropertyToken { Alignment: null } property
                || !logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                || value is not ScalarValue scalar
                || !TryWriteMessageScalar(output, scalar.Value, property.Format))
            {
                var scratch = Scratch();
                token.Render(logEvent.Properties, scratch, CultureInfo.InvariantCulture);
                WriteEscaped(output, scratch.ToString());
            }
        }
    }

    /// <summary>
    /// A scalar as <see cref="ScalarValue.Render"/> writes it into a message: a string as it is when its format is
    /// <c>l</c>; numbers, times and ids formatted with the token's format and the invariant culture (their TryFormat
    /// writes what their ToString returns). Quoted strings and other types are left to Serilog.
    /// </summary>
    private static bool TryWriteMessageScalar(IBufferWriter<byte> output, object? value, string? format)
    {
        switch (value)
        {
            case null:
                Write(output, "null"u8);
                return true;
            case string text when format == "l":
                WriteEscaped(output, text);
                return true;
            case int or long or double or float or decimal or short or ushort or byte or sbyte or uint or ulong
                or DateTime or DateTimeOffset or TimeSpan or Guid:
                var formattable = (ISpanFormattable)value;
                Span<char> chars = stackalloc char[64];
                if (!formattable.TryFormat(chars, out var written, format, CultureInfo.InvariantCulture))
                {
                    return false;
                }
                WriteEscaped(output, chars[..written]);
                return true;
            default:
                return false;
        }
    }

    private uint IdOf(MessageTemplate template)
    {
        var last = Volatile.Read(ref _lastId);
        if (last is null || !ReferenceEquals(last.Template, template))
        {
            last = new EventId(template, EventIdHash.Compute(template.Text));
            Volatile.Write(ref _lastId, last);
        }
        return last.Id;
    }

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => nameof(LogEventLevel.Verbose),
        LogEventLevel.Debug => nameof(LogEventLevel.Debug),
        LogEventLevel.Information => nameof(LogEventLevel.Information),
        LogEventLevel.Warning => nameof(LogEventLevel.Warning),
        LogEventLevel.Error => nameof(LogEventLevel.Error),
        LogEventLevel.Fatal => nameof(LogEventLevel.Fatal),
        _ => level.ToString(),
    };

    private static StringWriter Scratch()
    {
        var scratch = t_scratch ??= new StringWriter(CultureInfo.InvariantCulture);
        scratch.GetStringBuilder().Clear();
        return scratch;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private static void WriteFormatted<T>(IBufferWriter<byte> output, T value, string? format)
        where T : IUtf8SpanFormattable
    {
        var span = output.GetSpan(64);
        if (!value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new UnreachableException($"A {typeof(T).Name} did not fit in 64 bytes.");
        }
        output.Advance(written);
    }

    private static void WriteHexField(IBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> id)
    {
        Write(output, field);
        var span = output.GetSpan(id.Length * 2);
        Convert.TryToHexStringLower(id, span, out var written);
        output.Advance(written);
        Write(output, "\""u8);
    }

    private static void WriteQuoted(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        Write(output, "\""u8);
        WriteEscaped(output, text);
        Write(output, "\""u8);
    }

    /// <summary>JSON-escaped as <see cref="JsonValueFormatter.WriteQuotedJsonString"/> escapes: quote, backslash and control characters only.</summary>
    private static void WriteEscaped(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        while (true)
        {
            var next = text.IndexOfAny(Escaped);
            if (next < 0)
            {
                WriteUtf8(output, text);
                return;
            }
            WriteUtf8(output, text[..next]);
            var c = text[next];
            switch (c)
            {
                case '"': Write(output, "\\\""u8); break;
                case '\\': Write(output, "\\\\"u8); break;
                case '\n': Write(output, "\\n"u8); break;
                case '\r': Write(output, "\\r"u8); break;
                case '\f': Write(output, "\\f"u8); break;
                case '\t': Write(output, "\\t"u8); break;
                default:
                    Write(output, "\\u"u8);
                    WriteFormatted(output, (int)c, "X4");
                    break;
            }
            text = text[(next + 1)..];
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }
        // As Encoding.UTF8 encodes: a lone surrogate becomes U+FFFD.
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        Utf8.FromUtf16(text, span, out _, out var written, replaceInvalidSequences: true);
        output.Advance(written);
    }

    private sealed record EventId(MessageTemplate Template, uint Id);
}
