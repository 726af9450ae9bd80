using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// One pool of this instance and the most connections it may open: the API pool, the jobs' bookkeeping pool,
/// the LISTEN connection. Each module that builds a pool registers its entry; <see cref="ConnectionBudgetCheck"/>
/// adds them up.
/// </summary>
public sealed record ConnectionPoolBudget(string Pool, int MaxConnections);

/// <summary>
/// The connection budget: <c>Database:Instances</c> x (the sum of this instance's pools) must fit in
/// <c>max_connections</c> minus the server's reserved slots (<c>superuser_reserved_connections</c>, and
/// <c>reserved_connections</c> from PostgreSQL 16) minus <c>Database:ReservedConnections</c>. Past it, PostgreSQL
/// refuses connections ("too many clients already") under load; within it, a busy pool makes requests wait for
/// a connection of their own pool, then answer 503. Checked once at startup: a warning names the numbers.
/// The check runs beside the start, not before listening: it is a warning, not a gate, and its round trip (the
/// request pool's first connection) held up the first request (README, Start-up and memory).
/// </summary>
internal sealed partial class ConnectionBudgetCheck(
    NpgsqlDataSource database, IEnumerable<ConnectionPoolBudget> pools, IOptions<DatabaseOptions> options, ILogger<ConnectionBudgetCheck> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(stoppingToken);
            var server = await connection.QuerySingleAsync<(int MaxConnections, int SuperuserReserved, int Reserved)>(new CommandDefinition(
                """
                SELECT current_setting('max_connections')::int,
                       current_setting('superuser_reserved_connections')::int,
                       COALESCE(current_setting('reserved_connections', true)::int, 0)
                """, cancellationToken: stoppingToken));
            var budget = Evaluate(server.MaxConnections, server.SuperuserReserved + server.Reserved);
            if (budget.Fits)
            {
                LogFits(logger, budget.PerInstance, budget.Pools, budget.Instances, budget.Available, server.MaxConnections);
            }
            else
            {
                LogExceeded(logger, budget.PerInstance, budget.Pools, budget.Instances, budget.Instances * budget.PerInstance, budget.Available,
                    server.MaxConnections, server.SuperuserReserved + server.Reserved, options.Value.ReservedConnections);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // A check, not a gate: the service runs either way.
            LogCheckFailed(logger, e);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the database answered: nothing to report.
        }
    }

    internal ConnectionBudgetResult Evaluate(int maxConnections, int serverReserved)
    {
        var perInstance = pools.Sum(p => p.MaxConnections);
        var available = maxConnections - serverReserved - options.Value.ReservedConnections;
        var described = string.Join(", ", pools.Select(p => $"{p.Pool} {p.MaxConnections}"));
        return new ConnectionBudgetResult(perInstance, described, options.Value.Instances, available, options.Value.Instances * perInstance <= available);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Connection budget: this instance opens at most {PerInstance} connections ({Pools}); {Instances} instances fit in the {Available} of max_connections {MaxConnections} left after reserved slots")]
    private static partial void LogFits(ILogger logger, int perInstance, string pools, int instances, int available, int maxConnections);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Connection budget exceeded: this instance opens up to {PerInstance} connections ({Pools}), so {Instances} instances (Database:Instances) need {Needed}, " +
                  "but max_connections {MaxConnections} minus {ServerReserved} reserved by the server minus {OurReserved} (Database:ReservedConnections) leaves {Available}. " +
                  "Under load PostgreSQL will refuse connections (too many clients): lower Database:MaxPoolSize or Jobs:MaxPoolSize, or raise max_connections")]
    private static partial void LogExceeded(ILogger logger, int perInstance, string pools, int instances, int needed, int available,
        int maxConnections, int serverReserved, int ourReserved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read max_connections to check the connection budget")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}

internal sealed record ConnectionBudgetResult(int PerInstance, string Pools, int Instances, int Available, bool Fits);
