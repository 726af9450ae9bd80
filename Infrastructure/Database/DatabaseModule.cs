using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Tracing;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

public static class DatabaseModule
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The key of the <see cref="NpgsqlDataSource"/> for work that needs one connection to itself across commands
    /// (LISTEN, session advisory locks, COPY): requests' commands may be multiplexed, these never are.
    /// </summary>
    public const string SessionConnections = "sessions";

    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> for the requests (<see cref="DatabaseOptions"/>), one for
    /// connection-bound work (<see cref="SessionConnections"/>), and the readiness check.
    /// </summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        // Columns are snake_case, C# members PascalCase: display_name binds to DisplayName.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName)
            .Validate(o => !o.Problems().Any(), "Database:MaxAutoPrepare must be between 0 and 1000, Database:MaxPoolSize between 1 and 1000.")
            .ValidateOnStart();
        // Resolved from the final configuration (not read while the builder runs), so hosts that add
        // configuration late, like the test host, are honoured.
        builder.Services.AddSingleton(services =>
            new NpgsqlDataSourceBuilder(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ForRequests(ConnectionString(services))).TraceCommandsInsideTraces().Build());
        builder.Services.AddKeyedSingleton(SessionConnections, (services, _) =>
            new NpgsqlDataSourceBuilder(DatabaseOptions.ForSessions(ConnectionString(services))).TraceCommandsInsideTraces().Build());
        builder.Services.AddSingleton(services => new MigrationRunner(
            services.GetRequiredKeyedService<NpgsqlDataSource>(SessionConnections), services.GetRequiredService<ILogger<MigrationRunner>>()));
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresReadinessCheck>("postgres", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    private static string ConnectionString(IServiceProvider services)
    {
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment variable ConnectionStrings__{ConnectionStringName}). " +
                "./ops/run starts a local PostgreSQL and sets it for you.");
        }
        return connectionString;
    }

    /// <summary>Brings the schema up to date before the service accepts traffic.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var runner = app.Services.GetRequiredService<MigrationRunner>();
        await runner.ApplyAsync(Migration.Embedded, app.Lifetime.ApplicationStopping);
    }
}
