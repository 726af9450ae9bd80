using Dapper;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record UserRow(Guid Id, string Email, string DisplayName, string Role);

/// <summary>Realistic users written straight to the users table, for tests that need one to exist.</summary>
public static class UserRows
{
    public static async Task<UserRow> InsertAsync(string connectionString, string role = UserRoles.User, string? displayName = null)
    {
        var fake = FakeUsers.Next();
        var user = new UserRow(Guid.NewGuid(), fake.Email, displayName ?? fake.DisplayName, role);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash, display_name, role) VALUES (@Id, @Email, 'not-a-real-hash', @DisplayName, @Role)", user);
        return user;
    }
}
