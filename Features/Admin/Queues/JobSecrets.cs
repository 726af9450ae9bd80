using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MinimalBackend.Features.Admin.Queues;

/// <summary>
/// Masks what looks like a secret before an administrator sees a job: in a payload, the value of every property
/// whose name says it holds a secret, at any depth, and string values that are credentials by their shape (a JWT,
/// an <c>Authorization</c> header value); in an error, <c>name=value</c> pairs with such a name (a connection
/// string's <c>Password=</c>) and the same shapes. It errs towards masking: a masked harmless value costs a
/// look at the database, a leaked password costs a rotation.
/// </summary>
public static partial class JobSecrets
{
    public const string Mask = "***";

    /// <summary>Whole words of a property name that make it a secret (<c>apiKey</c>, <c>refresh_token</c>, <c>X-Auth-Token</c>, <c>pin</c>).</summary>
    private static readonly HashSet<string> SecretWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key", "apikey", "authorization", "auth",
        "cookie", "credential", "signature", "pin", "otp", "cvv", "cvc",
    };

    /// <summary>Fragments that make a name a secret even inside one lower-case word (<c>accesstoken</c>, <c>clientsecret</c>).</summary>
    private static readonly string[] SecretFragments =
        ["password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "authorization", "credential", "cookie"];

    /// <summary>The payload as JSON with its secrets masked; a payload that is not JSON at all is masked whole.</summary>
    public static JsonNode? MaskPayload(string json)
    {
        JsonNode? payload;
        try
        {
            payload = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(Mask);
        }
        return MaskNode(payload);
    }

    /// <summary>The error text with the values of <c>name=value</c> secrets, bearer tokens and JWTs masked.</summary>
    public static string? MaskText(string? text) =>
        // Shapes first: "Authorization: Bearer xyz" loses "Bearer xyz" whole, not the scheme alone.
        text is null ? null : NamedSecrets().Replace(CredentialShapes().Replace(text, Mask), $"${{name}}${{separator}}{Mask}");

    public static bool IsSecretName(string name)
    {
        var compact = name.ToLowerInvariant();
        if (SecretFragments.Any(fragment => compact.Contains(fragment, StringComparison.Ordinal)))
        {
            return true;
        }
        return Words().Matches(name).Any(word => SecretWords.Contains(word.Value) || (word.Value.EndsWith('s') && SecretWords.Contains(word.Value[..^1])));
    }

    private static JsonNode? MaskNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    obj[name] = IsSecretName(name) && value is not null ? JsonValue.Create(Mask) : MaskNode(value?.DeepClone());
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = MaskNode(array[i]?.DeepClone());
                }
                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && CredentialShapes().IsMatch(value.GetValue<string>()):
                return JsonValue.Create(Mask);
            default:
                return node;
        }
    }

    // camelCase and PascalCase humps, acronyms, digits; separators (_ - . space) split words by not matching.
    [GeneratedRegex("[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")]
    private static partial Regex Words();

    [GeneratedRegex("""(?<name>\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|authorization)\b)(?<separator>\s*[=:]\s*)(?<value>"[^"]*"|'[^']*'|[^\s;,&]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex NamedSecrets();

    // A bearer or basic credential, or a JWT (three base64url parts, the first a JSON object: "eyJ").
    [GeneratedRegex("""\b(?:Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*|\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*""")]
    private static partial Regex CredentialShapes();
}
