namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// Bound from the <c>Database</c> section: the API pool's size and behaviour, and the connection budget this
/// instance checks against the server at startup (<see cref="ConnectionBudgetCheck"/>). These settings win over
/// the same keywords in <c>ConnectionStrings:Postgres</c>, so every pool's maximum is set in one known place.
/// </summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// Most connections of the API pool (requests, job handlers, the notification fan-out). PostgreSQL runs as
    /// many statements at once as it has cores to run them on; connections beyond that only queue inside it.
    /// </summary>
    public int MaxPoolSize { get; set; } = 30;

    /// <summary>
    /// How long an open waits for a free pooled connection (or for PostgreSQL to accept a new one) before it
    /// fails; a request that waited this long answers 503 with Retry-After. Whole seconds (Npgsql's <c>Timeout</c>).
    /// </summary>
    public TimeSpan PoolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Npgsql multiplexing on the API pool: commands of many requests share connections.</summary>
    public bool Multiplexing { get; set; }

    /// <summary>Npgsql's <c>Max Auto Prepare</c> on the API pool: statements prepared automatically per connection (0: none).</summary>
    public int MaxAutoPrepare { get; set; }

    /// <summary>Instances of the service that share the PostgreSQL server, for the budget check.</summary>
    public int Instances { get; set; } = 2;

    /// <summary>Connections kept for everyone else (psql, exporters, backups, migrations of other tools), for the budget check.</summary>
    public int ReservedConnections { get; set; } = 10;

    internal int PoolTimeoutSeconds => (int)Math.Ceiling(PoolTimeout.TotalSeconds);

    internal IEnumerable<string> Problems()
    {
        if (MaxPoolSize is < 1 or > 10_000)
        {
            yield return "Database:MaxPoolSize must be between 1 and 10000.";
        }
        // Npgsql's Timeout is whole seconds, at most 1024.
        if (PoolTimeout < TimeSpan.FromSeconds(1) || PoolTimeout > TimeSpan.FromSeconds(1024))
        {
            yield return "Database:PoolTimeout must be between 1 second and 00:17:04 (1024 seconds).";
        }
        if (MaxAutoPrepare < 0)
        {
            yield return "Database:MaxAutoPrepare must not be negative.";
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
}
