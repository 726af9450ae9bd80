using Dapper;
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

    /// <summary>The header of an ASP.NET Core Identity v3 hash: format marker, PRF (2 = HMAC-SHA512), iterations, salt length.</summary>
    public static (byte Format, uint Prf, uint Iterations, uint SaltLength) HashHeader(string passwordHash)
    {
        var bytes = Convert.FromBase64String(passwordHash);
        static uint Read(byte[] b, int at) => (uint)(b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]);
        return (bytes[0], Read(bytes, 1), Read(bytes, 5), Read(bytes, 9));
    }
}
