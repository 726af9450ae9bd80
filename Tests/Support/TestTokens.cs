using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MinimalBackend.Tests.Support;

/// <summary>Access tokens made outside the service, right or wrong in exactly one way, to see which ones it accepts.</summary>
public static class TestTokens
{
    public const string Issuer = "MinimalBackend";
    public const string Audience = "MinimalBackend";

    public static string Sign(
        Guid userId, string role = "user", string signingKey = ServiceHost.SigningKey, string issuer = Issuer, string audience = Audience,
        DateTime? expires = null, DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddMinutes(15);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddMinutes(-15),
            NotBefore = notBefore ?? expiry.AddMinutes(-15),
            Expires = expiry,
            Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["role"] = role },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The same claims with no signature at all (<c>"alg": "none"</c>).</summary>
    public static string WithoutSignature(Guid userId, string role = "user")
    {
        var now = DateTimeOffset.UtcNow;
        var payload = $$"""{"sub":"{{userId}}","role":"{{role}}","iss":"{{Issuer}}","aud":"{{Audience}}","iat":{{now.ToUnixTimeSeconds()}},"exp":{{now.AddMinutes(15).ToUnixTimeSeconds()}}}""";
        return new JsonWebTokenHandler().CreateToken(payload);
    }

    /// <summary>A validly signed token whose payload was then rewritten: the signature no longer matches.</summary>
    public static string Tampered(string token, string role)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var changed = System.Text.RegularExpressions.Regex.Replace(payload, "\"role\":\"[^\"]*\"", $"\"role\":\"{role}\"");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(changed)}.{parts[2]}";
    }
}
