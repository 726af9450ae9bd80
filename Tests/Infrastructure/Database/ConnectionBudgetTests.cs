using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Tests.Support;
using Serilog.Core;
using Serilog.Events;

namespace MinimalBackend.Tests.Infrastructure.Database;

[Collection(nameof(ConnectionBudgetTests))]
public sealed class ConnectionBudgetTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ConnectionBudgetTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string BudgetCheck = "MinimalBackend.Infrastructure.Database.ConnectionBudgetCheck";

    [Fact]
    public async Task A_budget_the_server_cannot_hold_is_a_startup_warning_that_names_each_pool_and_the_numbers()
    {
        // The test cluster has max_connections = 300: two instances of 400 + 2 + 1 + 10 + 1 cannot fit.
        var budget = await StartAndReadBudgetAsync(new() { ["Database:MaxPoolSize"] = "400", ["Jobs:MaxPoolSize"] = "10", ["Database:Instances"] = "2" });

        Assert.Equal(LogEventLevel.Warning, budget.Level);
        Assert.Equal(("414", "2", "828"), (budget.Scalar("PerInstance"), budget.Scalar("Instances"), budget.Scalar("Needed")));
        Assert.Equal("api 400, sessions 2, readiness 1, jobs 10, listener 1", budget.Scalar("Pools"));
        Assert.Contains("too many clients", budget.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_budget_fits_and_says_so_at_information()
    {
        var budget = await StartAndReadBudgetAsync([]);

        Assert.Equal(LogEventLevel.Information, budget.Level);
        Assert.Equal(("22", "2"), (budget.Scalar("PerInstance"), budget.Scalar("Instances")));
        Assert.Equal("api 8, sessions 2, readiness 1, jobs 10, listener 1", budget.Scalar("Pools"));
    }

    private async Task<LogEvent> StartAndReadBudgetAsync(Dictionary<string, string?> settings)
    {
        var log = new RecordingLogSink();
        settings["Serilog:MinimumLevel:Override:" + BudgetCheck] = "Information";
        await using var host = new ServiceHost(database.ConnectionString, settings, services => services.AddSingleton<ILogEventSink>(log));
        host.StartServer();
        return Assert.Single(log.From(BudgetCheck));
    }
}
