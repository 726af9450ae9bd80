using System.Net;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Database;

[Collection(nameof(MigrationRunnerTests))]
public sealed class MigrationRunnerTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(MigrationRunnerTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Two_hosts_starting_together_apply_each_migration_once()
    {
        var connectionString = await database.CreateEmptyDatabaseAsync();
        await using var first = new ServiceHost(connectionString);
        await using var second = new ServiceHost(connectionString);

        using var start = new Barrier(2);
        await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); first.StartServer(); }),
            Task.Run(() => { start.SignalAndWait(); second.StartServer(); }));

        await using var connection = new NpgsqlConnection(connectionString);
        var applied = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations ORDER BY id")).ToList();
        Assert.Equal(Migration.Embedded.Select(m => m.Id), applied);
        using var firstClient = first.CreateSocketClient();
        using var secondClient = second.CreateSocketClient();
        Assert.Equal(HttpStatusCode.OK, (await firstClient.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secondClient.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Migration_0006_keys_existing_accounts_by_the_email_identity_rule_and_the_earliest_keeps_a_shared_address()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(database);
        await scratch.Runner.ApplyAsync(Migration.Embedded.Where(m => string.CompareOrdinal(m.Id, "0006") < 0), CancellationToken.None);
        await using (var connection = new NpgsqlConnection(scratch.ConnectionString))
        {
            // Two accounts under lower(email) (a fullwidth k is not lower-cased), one under the rule.
            await connection.ExecuteAsync(
                """
                INSERT INTO users (email, password_hash, display_name, created_at) VALUES
                    ('Ann@Example.COM', 'h', 'Ann', now() - interval '3 days'),
                    ('kate@example.com', 'h', 'Kate', now() - interval '2 days'),
                    (@Imposter, 'h', 'Imposter', now() - interval '1 day')
                """,
                new { Imposter = "\uFF4Bate@example.com" });
        }

        await scratch.Runner.ApplyAsync(Migration.Embedded, CancellationToken.None);

        await using var after = new NpgsqlConnection(scratch.ConnectionString);
        await after.OpenAsync();
        var keys = (await after.QueryAsync<(string DisplayName, string EmailKey, bool Shadowed)>(
            "SELECT display_name, email_key, email_key_shadowed FROM users ORDER BY created_at")).ToList();
        Assert.Equal([("Ann", "ann@example.com", false), ("Kate", "kate@example.com", false), ("Imposter", "kate@example.com", true)], keys);
        Assert.Equal("Kate", (await UserAccounts.FindByEmailAsync(after, "\uFF2BATE@example.com", CancellationToken.None)).Account is { } kate
            ? await after.ExecuteScalarAsync<string>("SELECT display_name FROM users WHERE id = @Id", new { kate.Id }) : null);
    }

    [Fact]
    public async Task A_second_run_applies_nothing()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(database);
        var runner = scratch.Runner;

        var firstRun = await runner.ApplyAsync(Migration.Embedded, CancellationToken.None);
        var secondRun = await runner.ApplyAsync(Migration.Embedded, CancellationToken.None);

        Assert.Equal(Migration.Embedded.Select(m => m.Id), firstRun);
        Assert.Empty(secondRun);
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_half_applied()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(database);
        var runner = scratch.Runner;
        Migration[] migrations = [new("0001_good", "CREATE TABLE a (id int)"), new("0002_bad", "CREATE TABLE b (id int); SELECT 1/0;")];

        await Assert.ThrowsAsync<PostgresException>(() => runner.ApplyAsync(migrations, CancellationToken.None));

        await using var connection = new NpgsqlConnection(scratch.ConnectionString);
        Assert.Equal(["0001_good"], await connection.QueryAsync<string>("SELECT id FROM schema_migrations"));
        Assert.Null(await connection.ExecuteScalarAsync<string>("SELECT to_regclass('b')::text"));
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_startup()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(database);
        var runner = scratch.Runner;
        await runner.ApplyAsync([new Migration("0001_a", "CREATE TABLE a (id int)")], CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => runner.ApplyAsync([new Migration("0001_a", "CREATE TABLE a (id bigint)")], CancellationToken.None));

        Assert.Contains("0001_a was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An empty database and a migration runner on it, for tests that run their own migrations.</summary>
    private sealed class ScratchDatabase : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _dataSource;

        private ScratchDatabase(string connectionString)
        {
            ConnectionString = connectionString;
            _dataSource = NpgsqlDataSource.Create(connectionString);
            Runner = new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance);
        }

        public string ConnectionString { get; }

        public MigrationRunner Runner { get; }

        public static async Task<ScratchDatabase> CreateAsync(DatabaseFixture database) =>
            new(await database.CreateEmptyDatabaseAsync());

        public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
    }
}
