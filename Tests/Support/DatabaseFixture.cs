using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MinimalBackend.Infrastructure.Database;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A database of the test class's own, in the one PostgreSQL of the test run: a throwaway cluster started on first
/// use and deleted when the run ends (<see cref="EndOfRun"/>), or (with TEST_DATABASE_URL) the server that URL names,
/// whose role then needs CREATEDB. The databases a fixture made are dropped when its collection ends, the run's
/// template when the run ends. Test classes run in parallel, each on its own database and with its own hosts (each
/// host counts on its own CollectorRegistry), so nothing a class does is seen by another.
/// </summary>
/// <remarks>
/// A new database test class is a test collection of its own (xUnit runs collections in parallel): name the
/// collection after the class and define it inside the class, with one <see cref="DatabaseFixture"/> that the
/// class and its class fixtures (<see cref="ServiceFixture"/>, ...) share:
/// <code>
/// [Collection(nameof(ThingTests))]
/// public sealed class ThingTests(ServiceFixture service, DatabaseFixture database) : IClassFixture&lt;ServiceFixture&gt;
/// {
///     [CollectionDefinition(nameof(ThingTests))]
///     public sealed class OwnDatabase : ICollectionFixture&lt;DatabaseFixture&gt;;
///     ...
/// }
/// </code>
/// Take <see cref="DatabaseFixture"/> for the class's connection string, <see cref="ServiceFixture"/> for a host
/// shared by the class, <see cref="IsolatedDatabase"/> for a database of one test's own (tests whose hosts run
/// jobs). Make your own rows; never assert on rows you did not make. Class names must be unique in the project
/// (they name the collections).
/// </remarks>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private static readonly Lazy<Task<PostgresServer>> Cluster = new(StartClusterAsync);
    private static readonly Lazy<Task<string>> MigratedTemplate = new(() => CreateMigratedTemplateAsync(Environment.GetEnvironmentVariable("TEST_DATABASE_URL")));

    private readonly string? _url = Environment.GetEnvironmentVariable("TEST_DATABASE_URL");

    // Every database this fixture made, dropped when its collection ends: a whole suite's databases, kept to the end,
    // held about 2 GB (in a temp folder that may be memory, or on the server TEST_DATABASE_URL names).
    private readonly ConcurrentBag<string> _databases = [];

    public string ConnectionString { get; private set; } = "";

    /// <summary>The run's cluster, for tests that need to reach it; throws when TEST_DATABASE_URL names the server instead.</summary>
    public PostgresServer Server => OwnsServer
        ? Cluster.Value.GetAwaiter().GetResult()
        : throw new InvalidOperationException("TEST_DATABASE_URL is set: no cluster was started.");

    public bool OwnsServer => string.IsNullOrWhiteSpace(_url);

    /// <summary>The class's database, with every migration applied (a copy of the run's migrated template).</summary>
    public async Task InitializeAsync() => ConnectionString = await CreateMigratedDatabaseAsync();

    public async Task DisposeAsync()
    {
        if (!_databases.IsEmpty)
        {
            await DropDatabasesAsync(await ServerConnectionStringAsync(_url), _databases);
        }
    }

    /// <summary>Another new empty database on the same server, for a test that needs one of its own (dropped with the fixture's own).</summary>
    public async Task<string> CreateEmptyDatabaseAsync() => Owned(await CreateDatabaseAsync(_url, template: null));

    /// <summary>
    /// Another new database with every migration applied. Copied from a template migrated once per run (CREATE
    /// DATABASE ... TEMPLATE): migrating each class's database from empty was about a tenth of the test host's CPU.
    /// The hosts still run the migration runner on start, which then finds everything applied; MigrationRunnerTests
    /// migrate empty databases.
    /// </summary>
    public async Task<string> CreateMigratedDatabaseAsync() => Owned(await CreateDatabaseAsync(_url, await MigratedTemplate.Value));

    private string Owned(string connectionString)
    {
        _databases.Add(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        return connectionString;
    }

    private static async Task<string> ServerConnectionStringAsync(string? url) =>
        string.IsNullOrWhiteSpace(url) ? (await Cluster.Value).ConnectionString("postgres") : url;

    private static async Task<string> CreateMigratedTemplateAsync(string? url)
    {
        var connectionString = await CreateDatabaseAsync(url, template: null);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        if (!string.IsNullOrWhiteSpace(url))
        {
            // A throwaway cluster goes with its databases; a server of the developer's keeps only what it had.
            EndOfRun.Register(() => DropDatabasesAsync(url, [name]));
        }
        // Unpooled, so that no session is left on the template: PostgreSQL copies a database only while nobody is connected to it.
        await using (var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString))
        {
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(Migration.Embedded, CancellationToken.None);
        }
        return name;
    }

    private static async Task<string> CreateDatabaseAsync(string? url, string? template)
    {
        var server = await ServerConnectionStringAsync(url);
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        var sql = template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
                return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                // The template's last session is still ending on the server (its backend exits after the client closed).
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private static async Task DropDatabasesAsync(string server, IEnumerable<string> names)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        foreach (var name in names)
        {
            // FORCE: a session a test's host left open (its pool, a listener) would otherwise refuse the drop.
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<PostgresServer> StartClusterAsync()
    {
        var server = await PostgresServer.StartNewAsync();
        // xUnit v2 has no assembly fixture: the cluster lives until the run ends.
        EndOfRun.Register(() => server.DisposeAsync().AsTask());
        return server;
    }
}

/// <summary>The old shared collection: a class still in it runs serially with the others in it, on one database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "PostgreSQL";
}
