using System.Net.Sockets;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// Tells a database that cannot serve right now (a retry later may well succeed) from a statement that failed
/// on its own merits (a bug, a constraint, bad data: retrying changes nothing).
/// </summary>
public static class DatabaseUnavailability
{
    /// <summary>
    /// PostgreSQL's SQLSTATEs for "not now": class 08 (connection exception), class 53 (insufficient resources,
    /// 53300 too many clients), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up,
    /// shutting down, in recovery). Serialization failures, deadlocks and lock timeouts are not here: they belong
    /// to one transaction, not to the database's availability.
    /// </summary>
    public static bool IsUnavailableState(string sqlState)
    {
        ArgumentNullException.ThrowIfNull(sqlState);
        return sqlState.StartsWith("08", StringComparison.Ordinal)
            || sqlState.StartsWith("53", StringComparison.Ordinal)
            || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
    }

    /// <summary>
    /// Whether this exception, or one it wraps, says the database is unavailable: a PostgreSQL error of
    /// <see cref="IsUnavailableState"/>, or Npgsql's own failures to reach it (connection refused or reset, a
    /// connection that broke mid-statement, no pooled connection free within the pool's timeout, a timeout).
    /// </summary>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    return IsUnavailableState(postgres.SqlState);
                case NpgsqlException npgsql when npgsql.InnerException is IOException or SocketException or TimeoutException:
                    return true;
            }
        }
        return false;
    }
}
