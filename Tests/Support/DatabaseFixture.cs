namespace MinimalBackend.Tests.Support;

/// <summary>
/// One PostgreSQL for the whole test run: the database named by TEST_DATABASE_URL, or a throwaway
/// cluster started here. Tests make their own rows and never depend on rows other tests made.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";

    /// <summary>The cluster this run started, for tests that need a fresh database in it.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("TEST_DATABASE_URL is set: no cluster was started.");

    public bool OwnsServer => _server is not null;

    public async Task InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable("TEST_DATABASE_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            ConnectionString = url;
            return;
        }
        _server = await PostgresServer.StartNewAsync();
        ConnectionString = await _server.CreateDatabaseAsync("minimal_backend_tests");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new empty database, in this run's cluster or (with TEST_DATABASE_URL) a cluster started for the asking test.</summary>
    public async Task<(string ConnectionString, IAsyncDisposable? Cleanup)> CreateEmptyDatabaseAsync()
    {
        if (_server is not null)
        {
            return (await _server.CreateDatabaseAsync(), null);
        }
        var server = await PostgresServer.StartNewAsync();
        return (await server.CreateDatabaseAsync(), server);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "PostgreSQL";
}
