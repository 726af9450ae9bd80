using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Http;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

public static class DatabaseModule
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The API's pooled <see cref="NpgsqlDataSource"/> sized by <see cref="DatabaseOptions"/>, the readiness check
    /// (on a connection of its own), the connection budget check, and 503 with Retry-After for requests that fail because the database is
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
            var connectionString = ConnectionString(services.GetRequiredService<IConfiguration>(), options.MaxPoolSize, options);
            connectionString.Multiplexing = options.Multiplexing;
            connectionString.MaxAutoPrepare = options.MaxAutoPrepare;
            return new NpgsqlDataSourceBuilder(connectionString.ConnectionString).Build();
        });
        builder.Services.AddSingleton(services =>
            new ConnectionPoolBudget("api", services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MaxPoolSize));
        builder.Services.AddHostedService<ConnectionBudgetCheck>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();

        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton<PostgresReadinessCheck>();
        builder.Services.AddSingleton(new ConnectionPoolBudget("readiness", 1));
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresReadinessCheck>("postgres", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    /// <summary>
    /// <c>ConnectionStrings:Postgres</c> for one pool: its maximum size, and <see cref="DatabaseOptions.PoolTimeout"/>
    /// as the wait for a connection, whatever the connection string says.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(IConfiguration configuration, int maxPoolSize, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment variable ConnectionStrings__{ConnectionStringName}). " +
                "./ops/run starts a local PostgreSQL and sets it for you.");
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize, Timeout = options.PoolTimeoutSeconds };
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, maxPoolSize);
        return builder;
    }

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
