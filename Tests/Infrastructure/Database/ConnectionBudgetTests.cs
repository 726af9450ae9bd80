using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Tests.Support;
using Npgsql;
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

    [Fact]
    public async Task The_check_does_not_hold_up_the_start_while_the_database_has_not_answered()
    {
        // A server that accepts connections and never answers: the check's first connection waits on it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=postgres;Password=x;Timeout=300;Pooling=false");
        var check = new ConnectionBudgetCheck(dataSource, [new ConnectionPoolBudget("api", 8)], Options.Create(new DatabaseOptions()), NullLogger<ConnectionBudgetCheck>.Instance);

        var started = check.StartAsync(CancellationToken.None);

        // Started (so the host goes on to listen) although the round trip is still waiting for the server.
        Assert.True(started.IsCompletedSuccessfully);
        await check.StopAsync(CancellationToken.None);
    }

    private async Task<LogEvent> StartAndReadBudgetAsync(Dictionary<string, string?> settings)
    {
        var log = new RecordingLogSink();
        settings["Serilog:MinimumLevel:Override:" + BudgetCheck] = "Information";
        await using var host = new ServiceHost(database.ConnectionString, settings, services => services.AddSingleton<ILogEventSink>(log));
        host.StartServer();
        // The check runs beside the start: its event comes once the database has answered.
        var events = await Eventually.UntilAsync(() => Task.FromResult(log.From(BudgetCheck)), e => e.Count > 0, "the connection budget check's event");
        return Assert.Single(events);
    }
}
