using Bogus;
using Dapper;
using Npgsql;

namespace MinimalBackend.Tests.Support;

public sealed record UserRow(Guid Id, string Email, string DisplayName, string Role);

/// <summary>Realistic users written straight to the users table, for tests that need one to exist.</summary>
public static class UserRows
{
    private static readonly Faker Faker = new();

    public static async Task<UserRow> InsertAsync(string connectionString, string role = "user")
    {
        var user = new UserRow(Guid.NewGuid(), Faker.Internet.Email(uniqueSuffix: Guid.NewGuid().ToString("N")[..8]), Faker.Name.FullName(), role);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash, display_name, role) VALUES (@Id, @Email, 'not-a-real-hash', @DisplayName, @Role)", user);
        return user;
    }
}
