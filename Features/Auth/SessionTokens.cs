using Dapper;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>What login and refresh return (OAuth 2.0's token response field names, RFC 6749 section 5.1, in camelCase).</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType);

/// <summary>
/// A session is one sign-in on one device: a short-lived access token, and a refresh token that is replaced
/// on every use. The refresh tokens of one session share a family id, so reuse of a replaced one can revoke
/// the whole session (RFC 6819 section 5.2.2.3, OAuth 2.0 Security BCP refresh token rotation). Rotated rows stay
/// until they expire, since reuse detection needs them; <see cref="PruneRefreshTokens"/> deletes the useless ones.
/// </summary>
public sealed class SessionTokens(AccessTokenIssuer accessTokens, IOptions<AuthOptions> options)
{
    public const string TokenType = "Bearer";

    /// <summary>Issues an access token and a refresh token of <paramref name="familyId"/>, inside the caller's transaction.</summary>
    public async Task<TokenResponse> IssueAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, string role, Guid familyId, CancellationToken cancellationToken)
    {
        var refreshToken = RefreshTokens.Create();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
            VALUES (@Hash, @FamilyId, @UserId, now() + make_interval(secs => @LifetimeSeconds))
            """,
            new
            {
                Hash = RefreshTokens.Hash(refreshToken),
                FamilyId = familyId,
                UserId = userId,
                LifetimeSeconds = options.Value.RefreshTokenLifetime.TotalSeconds,
            },
            transaction,
            cancellationToken: cancellationToken));
        return new TokenResponse(accessTokens.Issue(userId, role, familyId), refreshToken, (int)accessTokens.Lifetime.TotalSeconds, TokenType);
    }

    /// <summary>
    /// Ends every session of the account but <paramref name="keep"/> (all of them when it is null), inside the
    /// caller's transaction: their refresh tokens are revoked, so each ends when its access token expires. Returns
    /// how many sessions were ended.
    /// </summary>
    public static Task<int> EndOtherSessionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid? keep, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH revoked AS (
                UPDATE refresh_tokens SET revoked_at = now()
                WHERE user_id = @UserId AND revoked_at IS NULL AND (@Keep::uuid IS NULL OR family_id <> @Keep)
                RETURNING family_id
            )
            SELECT count(DISTINCT family_id) FROM revoked
            """,
            new { UserId = userId, Keep = keep },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>RFC 6749 section 5.1: a response that carries tokens is stored by no cache (<c>Pragma</c> for HTTP/1.0 ones).</summary>
    public static void ForbidCaching(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }
}

/// <summary>Refresh tokens are <see cref="SecretTokens"/>: 256 random bits, base64url, stored only as their SHA-256.</summary>
public static class RefreshTokens
{
    public const int MaxLength = SecretTokens.MaxLength;

    public static string Create() => SecretTokens.Create();

    public static byte[] Hash(string token) => SecretTokens.Hash(token);
}
