using System.Security.Cryptography;
using System.Text;

namespace MinimalBackend.Metrics;

/// <summary>
/// The HTTP Basic credentials (RFC 7617) a scrape of <c>/metrics</c> must present. Both sides are hashed
/// before a fixed-time comparison, so neither the content nor the length of the secret leaks through timing.
/// </summary>
internal sealed class ScrapeCredentials(string username, string password)
{
    private const string Scheme = "Basic ";
    private const int MaxHeaderLength = 1024;
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes($"{username}:{password}"));

    public bool ArePresentedBy(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length > MaxHeaderLength || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        Span<byte> presented = stackalloc byte[header.Length];
        if (!Convert.TryFromBase64String(header[Scheme.Length..].Trim(), presented, out var length))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(presented[..length]), _expected);
    }

    /// <summary>401 with the challenge that makes Prometheus, curl and browsers send credentials.</summary>
    public static Task ChallengeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"metrics\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }
}
