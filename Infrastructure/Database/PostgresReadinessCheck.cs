using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>Ready means a round trip to PostgreSQL succeeds now, not that it did at startup.</summary>
public sealed class PostgresReadinessCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // Idle pooled connections died with the server; drop them so the first check after it
            // returns gets a fresh connection instead of reporting one more failure.
            dataSource.Clear();
            return HealthCheckResult.Unhealthy("PostgreSQL cannot be reached.");
        }
    }
}
