using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Notifications;

// Several instances on one database, each a host of its own: what one stores, the others push to their clients.
[Collection(nameof(NotificationFanoutTests))]
public sealed class NotificationFanoutTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(NotificationFanoutTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string ListenerName = "minimal-backend channel listener";

    [Fact]
    public async Task A_client_connected_to_one_instance_receives_a_notification_whose_job_ran_on_another()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var hostA = scope.Host();
        // B runs no jobs, so the notification's job can only run on A.
        await using var hostB = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" });
        using var httpB = hostB.CreateSocketClient();
        hostA.StartServer();
        var account = await TestAccounts.SignUpAsync(httpB);
        var gauge = await ConnectionGauge.ReadAsync(httpB);
        await using var client = await NotificationClient.ConnectAsync(hostB.BaseAddress, account.AccessToken);
        await ConnectionGauge.WaitForAsync(httpB, gauge + 1);

        var id = await hostA.Services.GetRequiredService<NotificationJobs>()
            .EnqueueAsync(account.Id, "Payment received", "We received your payment of 42.00 EUR.", null, CancellationToken.None);

        var message = await client.WaitForAsync(id);
        Assert.Equal("Payment received", message.GetProperty("title").GetString());
        Assert.Equal("completed", await JobStateAsync(scope.ConnectionString, id));
        await client.CloseAsync();
        await ConnectionGauge.WaitForAsync(httpB, gauge);
    }

    [Fact]
    public async Task After_its_LISTEN_connection_is_lost_an_instance_pushes_what_was_stored_meanwhile()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host();
        using var http = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(http);
        var gauge = await ConnectionGauge.ReadAsync(http);
        await using var client = await NotificationClient.ConnectAsync(host.BaseAddress, account.AccessToken);
        await ConnectionGauge.WaitForAsync(http, gauge + 1);
        var listener = await Eventually.UntilAsync(() => ListenerPidAsync(scope.ConnectionString), pid => pid is not null, "the instance to listen");

        // Stored, but its NOTIFY never heard: as when it is sent while the instance's LISTEN connection is down.
        var missed = await NotificationRows.InsertAsync(scope.ConnectionString, account.Id, "Sent while the instance was deaf");
        await TerminateAsync(scope.ConnectionString, listener!.Value);

        var message = await client.WaitForAsync(missed);
        Assert.Equal("Sent while the instance was deaf", message.GetProperty("title").GetString());
        Assert.NotEqual(listener, await ListenerPidAsync(scope.ConnectionString));
        // Listening again: what is stored from now on arrives the usual way.
        var id = await host.Services.GetRequiredService<NotificationJobs>().EnqueueAsync(account.Id, "Back", "Heard again.", null, CancellationToken.None);
        await client.WaitForAsync(id);
        await client.CloseAsync();
        await ConnectionGauge.WaitForAsync(http, gauge);
    }

    private static async Task<string?> JobStateAsync(string connectionString, Guid notificationId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT state FROM jobs WHERE type = 'deliver_notification' AND payload->>'id' = @Id", new { Id = notificationId.ToString() });
    }

    private static async Task<int?> ListenerPidAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<int?>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = @Name AND datname = current_database()", new { Name = ListenerName });
    }

    private static async Task TerminateAsync(string connectionString, int pid)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("SELECT pg_terminate_backend(@Pid)", new { Pid = pid });
    }
}
