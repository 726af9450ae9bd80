using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>The refresh_tokens row of a token a client holds, found the way the service finds it: by the SHA-256 of the token.</summary>
public static class RefreshTokenRows
{
    public sealed record StoredRefreshToken(Guid UserId, Guid FamilyId, DateTime CreatedAt, DateTime ExpiresAt, bool Rotated, bool Revoked);

    public static async Task<StoredRefreshToken?> FindAsync(string connectionString, string token)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleOrDefaultAsync<StoredRefreshToken>(
            """
            SELECT user_id, family_id, created_at, expires_at, rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked
            FROM refresh_tokens WHERE token_hash = @Hash
            """,
            new { Hash = SHA256.HashData(Encoding.UTF8.GetBytes(token)) });
    }

    public static async Task ExpireAsync(string connectionString, string token)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(
            "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = @Hash",
            new { Hash = SHA256.HashData(Encoding.UTF8.GetBytes(token)) });
    }
}
