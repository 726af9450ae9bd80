using System.Text;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>Bound from the <c>Jwt</c> section: how access tokens are signed and checked.</summary>
public sealed class JwtOptions
{
    public const string SectionName = "Jwt";

    /// <summary>HMAC-SHA256 needs a key at least as long as its output (RFC 7518, section 3.2).</summary>
    public const int MinimumKeyBytes = 32;

    public string Issuer { get; set; } = "MinimalBackend";

    public string Audience { get; set; } = "MinimalBackend";

    /// <summary>The HMAC key, as text (its UTF-8 bytes are the key). Never committed: set it from the environment.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Where Development keeps the key it generates when <see cref="SigningKey"/> is empty (relative to the content root).</summary>
    public string DevelopmentKeyFile { get; set; } = ".data/jwt-signing-key";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Tolerance for clocks that disagree a little; the library's default of 5 minutes would stretch a 15-minute token by a third.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey);

    /// <summary>Why these options cannot run the service, or null when they can.</summary>
    public string? Problem()
    {
        if (Encoding.UTF8.GetByteCount(SigningKey) < MinimumKeyBytes)
        {
            return $"Jwt:SigningKey is missing or shorter than {MinimumKeyBytes} bytes. Set the environment variable Jwt__SigningKey " +
                "to a random secret (for example the output of `openssl rand -base64 48`); only the Development environment generates one.";
        }
        if (string.IsNullOrWhiteSpace(Issuer) || string.IsNullOrWhiteSpace(Audience))
        {
            return "Jwt:Issuer and Jwt:Audience must not be empty.";
        }
        if (AccessTokenLifetime <= TimeSpan.Zero || ClockSkew < TimeSpan.Zero)
        {
            return "Jwt:AccessTokenLifetime must be positive and Jwt:ClockSkew must not be negative.";
        }
        return null;
    }
}
