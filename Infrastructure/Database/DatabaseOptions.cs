using System.Data.Common;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// Bound from the <c>Database</c> section: how the service's requests reach PostgreSQL. Each applies unless
/// <c>ConnectionStrings:Postgres</c> sets the same keyword itself, which then wins. The defaults were chosen
/// with ops/bench/db/run (README, Database-backed requests).
/// </summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// Npgsql's multiplexing: the commands of concurrent requests share a few physical connections, written
    /// together and answered in order, instead of each request holding a connection (and PostgreSQL a process)
    /// for its round trip. Connection-bound work (LISTEN, session advisory locks, COPY) runs on the separate
    /// <see cref="DatabaseModule.SessionConnections"/> source either way.
    /// </summary>
    public bool Multiplexing { get; set; } = true;

    /// <summary>Npgsql's <c>Max Auto Prepare</c>: statements run often are prepared on each connection, up to this many; 0 turns it off.</summary>
    public int MaxAutoPrepare { get; set; } = 20;

    /// <summary>Npgsql's <c>Maximum Pool Size</c> for the requests' connections (requests, job handlers, the notification fan-out).</summary>
    public int MaxPoolSize { get; set; } = 8;

    /// <summary>
    /// How long an open waits for a free pooled connection (or for PostgreSQL to accept a new one) before it
    /// fails; a request that waited this long answers 503 with Retry-After. Whole seconds (Npgsql's <c>Timeout</c>), every pool.
    /// </summary>
    public TimeSpan PoolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether each data source reads PostgreSQL's type catalogue on its first connection (Npgsql's default). Off,
    /// Npgsql knows only PostgreSQL's built-in types, which are all this service's tables use, and a start saves a
    /// catalogue query and its processing for each of its five pools. Turn it on when a migration adds an enum or a
    /// type of an extension (PostGIS, citext, hstore): without it, reading such a column fails.
    /// </summary>
    public bool LoadServerTypes { get; set; }

    /// <summary>Instances of the service that share the PostgreSQL server, for the budget check (<see cref="ConnectionBudgetCheck"/>).</summary>
    public int Instances { get; set; } = 2;

    /// <summary>Connections kept for everyone else (psql, exporters, backups, seed runs), for the budget check.</summary>
    public int ReservedConnections { get; set; } = 10;

    /// <summary>Most connections of the never-multiplexed session pool (migrations, the seed command's COPY).</summary>
    internal const int SessionPoolSize = 2;

    internal int PoolTimeoutSeconds => (int)Math.Ceiling(PoolTimeout.TotalSeconds);

    internal IEnumerable<string> Problems()
    {
        if (MaxAutoPrepare is < 0 or > 1000)
        {
            yield return "Database:MaxAutoPrepare must be between 0 and 1000.";
        }
        if (MaxPoolSize is < 1 or > 1000)
        {
            yield return "Database:MaxPoolSize must be between 1 and 1000.";
        }
        // Npgsql's Timeout is whole seconds, at most 1024.
        if (PoolTimeout < TimeSpan.FromSeconds(1) || PoolTimeout > TimeSpan.FromSeconds(1024))
        {
            yield return "Database:PoolTimeout must be between 1 second and 00:17:04 (1024 seconds).";
        }
        if (Instances < 1)
        {
            yield return "Database:Instances must be at least 1.";
        }
        if (ReservedConnections < 0)
        {
            yield return "Database:ReservedConnections must not be negative.";
        }
    }

    /// <summary>The requests' connection string: <paramref name="connectionString"/> with these settings where it has none of its own.</summary>
    public string ForRequests(string connectionString)
    {
        var given = Keywords(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("multiplexing"))
        {
            builder.Multiplexing = Multiplexing;
        }
        if (!given.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (!given.Overlaps(["maximumpoolsize", "maxpoolsize"]))
        {
            builder.MaxPoolSize = MaxPoolSize;
        }
        if (!given.Contains("timeout"))
        {
            builder.Timeout = PoolTimeoutSeconds;
        }
        return builder.ConnectionString;
    }

    /// <summary>A data source builder for one of the service's pools, with <see cref="LoadServerTypes"/> applied.</summary>
    public NpgsqlDataSourceBuilder DataSourceBuilder(string connectionString) =>
        new NpgsqlDataSourceBuilder(connectionString).ConfigureTypeLoading(types => types.EnableTypeLoading(LoadServerTypes));

    /// <summary>
    /// Connections that keep session state between commands (LISTEN, session advisory locks, COPY): never
    /// multiplexed, whatever the connection string says, and few (<see cref="SessionPoolSize"/>, one entry of the budget).
    /// </summary>
    public static string ForSessions(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Multiplexing = false, MaxPoolSize = SessionPoolSize }.ConnectionString;

    // Npgsql takes each keyword case-insensitively, by its name or its property's ("Max Auto Prepare" or
    // "MaxAutoPrepare", "Maximum Pool Size" or "MaxPoolSize"); compared here without spaces.
    private static HashSet<string> Keywords(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
}
