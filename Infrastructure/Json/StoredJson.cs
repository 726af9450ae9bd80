using System.Text.Json;
using System.Text.Json.Serialization;

namespace MinimalBackend.Infrastructure.Json;

/// <summary>
/// JSON as PostgreSQL stored it (<c>jsonb::text</c>), written into a response as it is. It is never parsed again
/// on the way out, so nothing stored (however deep or large it was allowed to be when it was stored) can make the
/// answer that serves it fail. The OpenAPI document shows it as any JSON value.
/// </summary>
[JsonConverter(typeof(StoredJsonConverter))]
public readonly record struct StoredJson(string Text);

public sealed class StoredJsonConverter : JsonConverter<StoredJson>
{
    public override StoredJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new StoredJson(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, StoredJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        // PostgreSQL wrote it as jsonb's text, which is always valid JSON: checking it again could only fail on depth.
        writer.WriteRawValue(value.Text, skipInputValidation: true);
    }
}
