using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Metrics;
using Prometheus;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A database of one test's own, for tests whose hosts run jobs: every job in it is that test's, so what its
/// hosts claim, and the backlog they count, belong to no other test. Its hosts count into one CollectorRegistry
/// of the database's own, so a scrape of any of them sums the queue events of all, as a Prometheus sum over the
/// instances would (a host that has stopped keeps its counts there too).
/// </summary>
public sealed class IsolatedDatabase : IAsyncDisposable
{
    private readonly CollectorRegistry _registry = MetricsRegistration.CreateRegistry();

    private IsolatedDatabase(string connectionString)
    {
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<IsolatedDatabase> CreateAsync(DatabaseFixture database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new IsolatedDatabase(await database.CreateMigratedDatabaseAsync());
    }

    /// <summary>A host on this database that also runs the test job type, recording into <paramref name="log"/>.</summary>
    public ServiceHost Host(JobRunLog log, IReadOnlyDictionary<string, string?>? settings = null) =>
        Host(settings, TestJobs.In(log));

    public ServiceHost Host(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(ConnectionString, settings, all =>
        {
            all.AddSingleton(_registry);
            services?.Invoke(all);
        });

    // Nothing to clean up here: the DatabaseFixture that made it drops it when its collection ends.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
