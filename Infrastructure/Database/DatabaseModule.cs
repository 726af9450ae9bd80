using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Tracing;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

public static class DatabaseModule
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>One pooled <see cref="NpgsqlDataSource"/> for the whole service, and the readiness check on it.</summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        // Columns are snake_case, C# members PascalCase: display_name binds to DisplayName.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

        // Resolved from the final configuration (not read while the builder runs), so hosts that add
        // configuration late, like the test host, are honoured.
        builder.Services.AddSingleton(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    $"ConnectionStrings:{ConnectionStringName} is not set (environment variable ConnectionStrings__{ConnectionStringName}). " +
                    "./ops/run starts a local PostgreSQL and sets it for you.");
            }
            return new NpgsqlDataSourceBuilder(connectionString).TraceCommandsInsideTraces().Build();
        });
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresReadinessCheck>("postgres", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    /// <summary>Brings the schema up to date before the service accepts traffic.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var runner = app.Services.GetRequiredService<MigrationRunner>();
        await runner.ApplyAsync(Migration.Embedded, app.Lifetime.ApplicationStopping);
    }
}
