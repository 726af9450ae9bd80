using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Tracing;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

public static class DatabaseModule
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The key of the <see cref="NpgsqlDataSource"/> for work that needs one connection to itself across commands
    /// (session advisory locks, COPY; the LISTEN connection has one of its own): requests' commands may be multiplexed, these never are.
    /// </summary>
    public const string SessionConnections = "sessions";

    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> for the requests (<see cref="DatabaseOptions"/>), one for
    /// connection-bound work (<see cref="SessionConnections"/>), the readiness check (on a connection of its own),
    /// the connection budget check, and 503 with Retry-After for requests that fail because the database is
    /// unavailable (<see cref="DatabaseUnavailableExceptionHandler"/>).
    /// </summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        // Columns are snake_case, C# members PascalCase: display_name binds to DisplayName.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidation>();
        // Resolved from the final configuration (not read while the builder runs), so hosts that add
        // configuration late, like the test host, are honoured.
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return options.DataSourceBuilder(options.ForRequests(ConnectionString(services))).TraceCommandsInsideTraces().Build();
        });
        builder.Services.AddKeyedSingleton(SessionConnections, (services, _) =>
            services.GetRequiredService<IOptions<DatabaseOptions>>().Value
                .DataSourceBuilder(DatabaseOptions.ForSessions(ConnectionString(services))).TraceCommandsInsideTraces().Build());
        builder.Services.AddSingleton(services => new MigrationRunner(
            services.GetRequiredKeyedService<NpgsqlDataSource>(SessionConnections), services.GetRequiredService<ILogger<MigrationRunner>>()));
        // The requests' pool counts what the connection string finally says, which may set its own maximum.
        builder.Services.AddSingleton(services => new ConnectionPoolBudget("api",
            new NpgsqlConnectionStringBuilder(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ForRequests(ConnectionString(services))).MaxPoolSize));
        builder.Services.AddSingleton(new ConnectionPoolBudget("sessions", DatabaseOptions.SessionPoolSize));
        builder.Services.AddHostedService<ConnectionBudgetCheck>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddSingleton<PostgresReadinessCheck>();
        builder.Services.AddSingleton(new ConnectionPoolBudget("readiness", 1));
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresReadinessCheck>("postgres", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    /// <summary>
    /// <c>ConnectionStrings:Postgres</c> for one of the pools this service sizes itself (the jobs' bookkeeping, the
    /// LISTEN connection, readiness): its maximum size, and <see cref="DatabaseOptions.PoolTimeout"/> as the wait for a connection.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(IConfiguration configuration, int maxPoolSize, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(Required(configuration.GetConnectionString(ConnectionStringName)))
        {
            MaxPoolSize = maxPoolSize,
            Timeout = options.PoolTimeoutSeconds,
        };
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, maxPoolSize);
        return builder;
    }

    private static string ConnectionString(IServiceProvider services) =>
        Required(services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName));

    private static string Required(string? connectionString) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment variable ConnectionStrings__{ConnectionStringName}). " +
                "./ops/run starts a local PostgreSQL and sets it for you.")
            : connectionString;

    /// <summary>Brings the schema up to date before the service accepts traffic.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var runner = app.Services.GetRequiredService<MigrationRunner>();
        await runner.ApplyAsync(Migration.Embedded, app.Lifetime.ApplicationStopping);
    }

    /// <summary>Names every invalid setting at startup instead of failing on first use.</summary>
    private sealed class DatabaseOptionsValidation : IValidateOptions<DatabaseOptions>
    {
        public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
