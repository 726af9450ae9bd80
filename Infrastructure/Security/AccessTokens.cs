using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Short-lived JWT access tokens (RFC 9068 shape: <c>sub</c>, <c>role</c>, <c>sid</c>, <c>iss</c>, <c>aud</c>,
/// <c>iat</c>, <c>exp</c>), signed with HMAC-SHA256. They carry no personal data: the user id, the role and the
/// id of the session they belong to (the refresh-token family), so a request can tell its own session from the others.
/// </summary>
public sealed class AccessTokenIssuer
{
    private readonly JwtOptions _options;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new();

    public AccessTokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _credentials = new SigningCredentials(new SymmetricSecurityKey(_options.SigningKeyBytes), SecurityAlgorithms.HmacSha256);
        _time = time;
    }

    public TimeSpan Lifetime => _options.AccessTokenLifetime;

    public string Issue(Guid userId, string role, Guid? sessionId = null)
    {
        var claims = new Dictionary<string, object>
        {
            [AccessTokenClaims.UserId] = userId.ToString(),
            [AccessTokenClaims.Role] = role,
        };
        if (sessionId is { } session)
        {
            claims[AccessTokenClaims.SessionId] = session.ToString();
        }
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = _credentials,
        });
    }
}

public static class AccessTokenClaims
{
    public const string UserId = JwtRegisteredClaimNames.Sub;
    public const string Role = "role";

    /// <summary>The session (refresh-token family) the token was issued in: OpenID Connect's <c>sid</c> claim.</summary>
    public const string SessionId = "sid";

    /// <summary>The id of the signed-in user (the token's <c>sub</c>), or null for an anonymous request.</summary>
    public static Guid? SignedInUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(UserId), out var id) ? id : null;

    /// <summary>The session the access token was issued in, or null for a token without one.</summary>
    public static Guid? SessionIdOf(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionId), out var id) ? id : null;
}
