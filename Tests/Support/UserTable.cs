using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>What the users table holds for one email: how tests see that a row was, or was not, written.</summary>
public static class UserTable
{
    public sealed record StoredUser(Guid Id, string Email, string DisplayName, string Role, string PasswordHash);

    public static async Task<StoredUser?> FindAsync(string connectionString, string email)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.QuerySingleOrDefaultAsync<StoredUser>(
            "SELECT id, email, display_name, role, password_hash FROM users WHERE lower(email) = lower(@Email)", new { Email = email });
    }

    public static async Task<int> CountAsync(string connectionString, string email)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE lower(email) = lower(@Email)", new { Email = email });
    }

    /// <summary>Rows whose email or display name contains <paramref name="marker"/> (plain ASCII, so any hostile value around it can be found).</summary>
    public static async Task<int> CountMarkedAsync(string connectionString, string marker)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM users WHERE strpos(email, @Marker) > 0 OR strpos(display_name, @Marker) > 0", new { Marker = marker });
    }

    /// <summary>
    /// What a PHC-format hash says of itself (<c>$argon2id$v=19$m=64,t=2,p=1$salt$hash</c>): algorithm and version,
    /// its parameters as written, and the lengths of its salt and hash in bytes.
    /// </summary>
    public static (string Algorithm, string Parameters, int SaltBytes, int HashBytes) HashHeader(string passwordHash)
    {
        var parts = passwordHash.Split('$');
        Assert.Equal(6, parts.Length);
        static int Bytes(string unpadded) => Convert.FromBase64String(unpadded + new string('=', (4 - unpadded.Length % 4) % 4)).Length;
        return ($"{parts[1]} {parts[2]}", parts[3], Bytes(parts[4]), Bytes(parts[5]));
    }

    /// <summary>A password hash as the service wrote them before Argon2id: ASP.NET Core Identity's v3 format (PBKDF2-HMAC-SHA512).</summary>
    public static string Pbkdf2Hash(string password, int iterations = 1000) =>
        new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = iterations })).HashPassword(new object(), password);

    public static async Task SetPasswordHashAsync(string connectionString, string email, string passwordHash)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        Assert.Equal(1, await connection.ExecuteAsync("UPDATE users SET password_hash = @PasswordHash WHERE lower(email) = lower(@Email)", new { PasswordHash = passwordHash, Email = email }));
    }
}
