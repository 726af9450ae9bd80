using Dapper;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(SeedUsersCommandTests))]
public sealed class SeedUsersCommandTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(SeedUsersCommandTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Seed_adds_the_requested_users_who_sign_in_with_the_seed_password()
    {
        var connectionString = await database.CreateEmptyDatabaseAsync();

        var result = await ServiceProcess.RunToExitAsync(connectionString, "Development", ["seed", "--users", "250"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Seeded 250 users in ", result.Output, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        var users = (await connection.QueryAsync<(string Email, string DisplayName, DateTime CreatedAt)>("SELECT email, display_name, created_at FROM users")).ToList();
        Assert.Equal(250, users.Count);
        Assert.Equal(250, users.Select(u => u.Email.ToUpperInvariant()).Distinct().Count());
        Assert.All(users, u => Assert.True(UserRules.IsEmailAddress(u.Email), u.Email));
        Assert.True(users.Select(u => u.CreatedAt.Date).Distinct().Count() > 50, "sign-up times should be spread out");
        await using var host = new ServiceHost(connectionString);
        using var client = host.CreateSocketClient();
        await TestAccounts.SignInAsync(client, users[0].Email, SeedUsersCommand.Password);
    }

    [Fact]
    public async Task Seed_with_a_total_adds_only_the_users_missing_and_none_the_second_time()
    {
        var connectionString = await database.CreateEmptyDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);

        var first = await ServiceProcess.RunToExitAsync(connectionString, "Development", ["seed", "--users", "30"]);
        Assert.True(first.ExitCode == 0, first.Output);
        var topUp = await ServiceProcess.RunToExitAsync(connectionString, "Development", ["seed", "--total", "50"]);
        Assert.True(topUp.ExitCode == 0, topUp.Output);
        Assert.Contains("Seeded 20 users in ", topUp.Output, StringComparison.Ordinal);
        Assert.Equal(50, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users"));

        var again = await ServiceProcess.RunToExitAsync(connectionString, "Development", ["seed", "--total", "50"]);

        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("There are already 50 users; seeded none.", again.Output, StringComparison.Ordinal);
        Assert.Equal(50, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users"));
    }

    [Fact]
    public async Task Seed_refuses_to_run_in_Production()
    {
        var connectionString = await database.CreateEmptyDatabaseAsync();

        var result = await ServiceProcess.RunToExitAsync(connectionString, "Production", ["seed", "--users", "10"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not run in Production", result.Output, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users"));
    }

    [Theory]
    [InlineData("--users", "0")]
    [InlineData("--total", "0")]
    [InlineData("--people", "10")]
    [InlineData("--users", "10", "--total", "10")]
    public async Task A_bad_option_is_a_usage_error(params string[] options)
    {
        var result = await ServiceProcess.RunToExitAsync(database.ConnectionString, "Development", ["seed", .. options]);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("Usage: seed", result.Output, StringComparison.Ordinal);
    }
}
