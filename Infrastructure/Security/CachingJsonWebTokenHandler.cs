using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// The access-token handler of the bearer authentication, remembering the tokens it found valid until they
/// expire: a client sends the same token with every request for its whole lifetime, and checking its
/// signature and claims again each time was the largest part of an authenticated request's own work
/// (README, Database-backed requests). Only exact token strings that passed every check are remembered, only
/// until their <c>exp</c> plus the clock skew (when they would fail anyway), and each request gets its own
/// copy of the identity, so nothing one request does to it is seen by another. Failures are never remembered.
/// Its clock is the service's <see cref="TimeProvider"/>, the system's in production as the validation's is.
/// </summary>
public sealed class CachingJsonWebTokenHandler(TimeProvider time) : JsonWebTokenHandler
{
    /// <summary>Tokens remembered at most; beyond it the cache starts again empty (a flood of distinct valid
    /// tokens only costs what no cache would).</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, ValidatedToken> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var known))
        {
            if (now <= known.Until)
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = known.Identity.Clone(),
                    SecurityToken = known.Token,
                    TokenType = known.Token.Typ,
                    Issuer = known.Token.Issuer,
                };
            }
            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && result.ClaimsIdentity is { } identity)
        {
            if (_validated.Count >= Capacity)
            {
                _validated.Clear();
            }
            _validated[token] = new ValidatedToken(identity.Clone(), jwt, jwt.ValidTo + validationParameters.ClockSkew);
        }
        return result;
    }

    private sealed record ValidatedToken(ClaimsIdentity Identity, JsonWebToken Token, DateTime Until);
}
