using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// Ready means a round trip to PostgreSQL succeeds now, not that it did at startup. On a connection of its own
/// (one, kept open, one entry of the connection budget), so that it answers whether the database can be reached:
/// a saturated API pool sheds requests with 503 and Retry-After, but does not take the instance out of rotation,
/// which on every instance at once would turn a slow database into an outage.
/// </summary>
public sealed class PostgresReadinessCheck : IHealthCheck, IDisposable
{
    internal const string ApplicationName = "minimal-backend readiness";

    private readonly NpgsqlDataSource _dataSource;

    public PostgresReadinessCheck(IConfiguration configuration, IOptions<DatabaseOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = DatabaseModule.ConnectionString(configuration, maxPoolSize: 1, options.Value);
        connectionString.Multiplexing = false;
        connectionString.ApplicationName = ApplicationName;
        _dataSource = options.Value.DataSourceBuilder(connectionString.ConnectionString).Build();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The idle connection may have died with the server; drop it so the first check after it
            // returns gets a fresh connection instead of reporting one more failure.
            _dataSource.Clear();
            return HealthCheckResult.Unhealthy("PostgreSQL cannot be reached.");
        }
    }

    public void Dispose() => _dataSource.Dispose();
}
