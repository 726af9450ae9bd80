using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// JSON written by hand, for bodies a JSON library refuses to write: a lone surrogate escape (<c>\ud800</c>),
/// which System.Text.Json would replace with U+FFFD before it ever reached the service.
/// </summary>
public static class RawJson
{
    public static StringContent Fields(params (string Name, string Value)[] fields) =>
        Content("{" + string.Join(",", fields.Select(f => $"{Quote(f.Name)}:{Quote(f.Value)}")) + "}");

    public static StringContent Content(string json) =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    /// <summary>A JSON string literal that escapes everything outside printable ASCII, so any UTF-16 sequence survives as written.</summary>
    public static string Quote(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            json.Append(c is '"' or '\\' or < ' ' or > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
        }
        return json.Append('"').ToString();
    }
}
