using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Notifications;

// What only a process of its own shows: its whole log, and a gauge that starts again with the process.
[RunsLong]
[Collection(nameof(NotificationsHubProcessTests))]
public sealed class NotificationsHubProcessTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(NotificationsHubProcessTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_access_token_in_the_query_string_never_reaches_the_log_even_with_every_category_at_its_most_verbose()
    {
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Production", new Dictionary<string, string>
        {
            ["Serilog__MinimumLevel__Default"] = "Verbose",
            ["Serilog__MinimumLevel__Override__Microsoft"] = "Verbose",
            ["Serilog__MinimumLevel__Override__Microsoft.AspNetCore"] = "Verbose",
            ["Serilog__MinimumLevel__Override__System"] = "Verbose",
        });
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var account = await TestAccounts.SignUpAsync(http);
        var tampered = TestTokens.Tampered(account.AccessToken, "admin");

        await using (var client = await NotificationClient.ConnectAsync(service.BaseAddress, account.AccessToken))
        {
            await client.CloseAsync();
        }
        await Assert.ThrowsAnyAsync<Exception>(() => NotificationClient.ConnectAsync(service.BaseAddress, tampered));
        await http.PostAsync($"/hubs/notifications/negotiate?negotiateVersion=1&access_token={account.AccessToken}", null);
        await service.StopAsync();

        Assert.Contains("HTTP GET /hubs/notifications responded 101", service.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP GET /hubs/notifications responded 401", service.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP POST /hubs/notifications/negotiate responded 200", service.Output, StringComparison.Ordinal);
        foreach (var part in account.AccessToken.Split('.')[1..].Concat(tampered.Split('.')[1..]))
        {
            Assert.DoesNotContain(part, service.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_restarted_instance_counts_from_zero_although_its_clients_were_connected_when_it_died()
    {
        await using var first = await ServiceProcess.StartAsync(database.ConnectionString, "Production");
        using var firstHttp = new HttpClient { BaseAddress = first.BaseAddress };
        var account = await TestAccounts.SignUpAsync(firstHttp);
        var clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => NotificationClient.ConnectAsync(first.BaseAddress, account.AccessToken)));
        await ConnectionGauge.WaitForAsync(firstHttp, 3);

        await first.KillAsync();
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        await using var second = await ServiceProcess.StartAsync(database.ConnectionString, "Production");
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress };

        var samples = await MetricsText.ScrapeAsync(secondHttp);
        var gauge = Assert.Single(samples, s => s.Name == "websocket_connections_total");
        Assert.Equal(("notifications", 0.0), (gauge.Labels["gateway"], gauge.Value));
    }
}
