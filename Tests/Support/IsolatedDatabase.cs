using Microsoft.Extensions.DependencyInjection;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A database of one test's own, for tests whose hosts run jobs: every job in it is that test's, so what its
/// hosts claim, and the backlog they count, belong to no other test.
/// </summary>
public sealed class IsolatedDatabase : IAsyncDisposable
{
    private readonly IAsyncDisposable? _cleanup;

    private IsolatedDatabase(string connectionString, IAsyncDisposable? cleanup)
    {
        ConnectionString = connectionString;
        _cleanup = cleanup;
    }

    public string ConnectionString { get; }

    public static async Task<IsolatedDatabase> CreateAsync(DatabaseFixture database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var (connectionString, cleanup) = await database.CreateEmptyDatabaseAsync();
        return new IsolatedDatabase(connectionString, cleanup);
    }

    /// <summary>A host on this database that also runs the test job type, recording into <paramref name="log"/>.</summary>
    public ServiceHost Host(JobRunLog log, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(ConnectionString, settings, TestJobs.In(log));

    public ServiceHost Host(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(ConnectionString, settings, services);

    public ValueTask DisposeAsync() => _cleanup?.DisposeAsync() ?? ValueTask.CompletedTask;
}
