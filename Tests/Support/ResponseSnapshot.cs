using Newtonsoft.Json.Linq;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// What a client sees of a response (status, content type, JSON body), ready for Snapshooter, with the
/// values that really vary from run to run (ids, times, tokens, trace ids) replaced by a placeholder.
/// A scrubbed field must be present and non-empty, so scrubbing never hides a missing value.
/// </summary>
public static class ResponseSnapshot
{
    public static async Task<JObject> OfAsync(HttpResponseMessage response, params string[] scrubbedFields)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? JValue.CreateNull() : JToken.Parse(text);
        foreach (var field in scrubbedFields)
        {
            Scrub(body, field);
        }
        return new JObject
        {
            ["status"] = (int)response.StatusCode,
            // A null string value would crash Snapshooter's serializer; a JSON null does not (a 204 has no content type).
            ["contentType"] = response.Content.Headers.ContentType?.MediaType is { } mediaType ? mediaType : JValue.CreateNull(),
            ["body"] = body,
        };
    }

    public static JToken Scrub(JToken json, string field)
    {
        var matches = json.SelectTokens($"$..{field}").ToList();
        if (matches.Count == 0)
        {
            throw new InvalidOperationException($"Expected the field '{field}' to scrub, but the JSON has none: {json}");
        }
        foreach (var value in matches)
        {
            if (value.Type == JTokenType.Null || (value.Type == JTokenType.String && string.IsNullOrEmpty(value.Value<string>())))
            {
                throw new InvalidOperationException($"The field '{field}' is empty: {json}");
            }
            value.Replace($"<{field}>");
        }
        return json;
    }
}
