using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Notifications;

// The connection gauge is process-wide, shared by every host of the test run; the tests of this collection run one
// at a time, and each one that connects waits, before it ends, until the gauge is back where it started.
[Collection(nameof(NotificationsHubTests))]
public sealed class NotificationsHubTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(NotificationsHubTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    private Uri Server => service.Host.BaseAddress;

    private NotificationJobs Notifications => service.Host.Services.GetRequiredService<NotificationJobs>();

    [Fact]
    public async Task A_signed_in_client_receives_its_notification_and_another_users_client_does_not()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var annClient = await NotificationClient.ConnectAsync(Server, ann.AccessToken);
        await using var boClient = await NotificationClient.ConnectAsync(Server, bo.AccessToken);
        await ConnectionGauge.WaitForAsync(_client, gauge + 2);

        // How soon it arrives is measured by ops/bench/realtime, not asserted here: a busy machine is not a slow service.
        var id = await Notifications.EnqueueAsync(ann.Id, "Order shipped", "Your order A-1042 is on its way.",
            JsonSerializer.SerializeToElement(new { orderId = "A-1042" }), CancellationToken.None);
        var message = await annClient.WaitForAsync(id);

        Assert.Equal(["body", "createdAt", "data", "id", "title"], message.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(("Order shipped", "Your order A-1042 is on its way.", "A-1042"),
            (message.GetProperty("title").GetString(), message.GetProperty("body").GetString(), message.GetProperty("data").GetProperty("orderId").GetString()));
        Assert.Equal(await StoredCreatedAtAsync(id), message.GetProperty("createdAt").GetDateTime().ToUniversalTime());
        // Bo's own notification goes through the same fan-out after Ann's: had Ann's reached Bo, it would have arrived first.
        var boId = await Notifications.EnqueueAsync(bo.Id, "Welcome", "Glad you are here.", null, CancellationToken.None);
        await boClient.WaitForAsync(boId);
        Assert.Equal([boId], boClient.Received.Select(m => m.GetProperty("id").GetGuid()));
        Assert.Equal([id], annClient.Received.Select(m => m.GetProperty("id").GetGuid()));

        await CloseAllAsync(gauge, annClient, boClient);
    }

    [Fact]
    public async Task Every_connection_of_the_user_receives_the_notification()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var phone = await NotificationClient.ConnectAsync(Server, account.AccessToken);
        await using var laptop = await NotificationClient.ConnectAsync(Server, account.AccessToken);
        await ConnectionGauge.WaitForAsync(_client, gauge + 2);

        var id = await Notifications.EnqueueAsync(account.Id, "New sign-in", "Someone signed in from a new device.", null, CancellationToken.None);

        await phone.WaitForAsync(id);
        await laptop.WaitForAsync(id);
        await CloseAllAsync(gauge, phone, laptop);
    }

    [Fact]
    public async Task A_notification_too_large_for_one_NOTIFY_arrives_whole()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var client = await NotificationClient.ConnectAsync(Server, account.AccessToken);
        await ConnectionGauge.WaitForAsync(_client, gauge + 1);
        var body = string.Concat(Enumerable.Repeat("Zählerstand überschritten. ", 200));
        var data = JsonSerializer.SerializeToElement(new { report = new string('r', 6000) });
        Assert.True(Encoding.UTF8.GetByteCount(body) + 6000 > 8000);

        var id = await Notifications.EnqueueAsync(account.Id, "Monthly report", body, data, CancellationToken.None);

        var message = await client.WaitForAsync(id);
        Assert.Equal(body, message.GetProperty("body").GetString());
        Assert.Equal(6000, message.GetProperty("data").GetProperty("report").GetString()!.Length);
        await CloseAllAsync(gauge, client);
    }

    [Fact]
    public async Task A_client_that_sends_its_token_in_the_authorization_header_is_accepted_too()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var client = await NotificationClient.ConnectAsync(Server, account.AccessToken, tokenInHeader: true);
        await ConnectionGauge.WaitForAsync(_client, gauge + 1);

        var id = await Notifications.EnqueueAsync(account.Id, "Hello", "From the .NET client.", null, CancellationToken.None);

        await client.WaitForAsync(id);
        await CloseAllAsync(gauge, client);
    }

    [Fact]
    public async Task Two_hundred_clients_raise_the_gauge_by_200_and_it_returns_when_half_close_and_half_are_dropped()
    {
        var accounts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TestAccounts.SignUpAsync(_client)));
        var gauge = await ConnectionGauge.ReadAsync(_client);

        var clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => NotificationClient.ConnectAsync(Server, accounts[i % 20].AccessToken)));
        try
        {
            Assert.Equal(gauge + 200, await ConnectionGauge.WaitForAsync(_client, gauge + 200));

            var closing = clients[..100].Select(c => c.CloseAsync()).ToList();
            foreach (var client in clients[100..])
            {
                client.Abort();
            }
            await Task.WhenAll(closing);

            Assert.Equal(gauge, await ConnectionGauge.WaitForAsync(_client, gauge));
            Assert.All(clients, c => Assert.True(c.Closed.IsCompleted || c.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Disconnected));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    public static TheoryData<string> RefusedTokens => ["none", "expired", "tampered", "signed with another key", "unsigned"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_connection_without_a_valid_token_is_refused_and_the_gauge_does_not_move(string token)
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var presented = token switch
        {
            "none" => null,
            "expired" => TestTokens.Sign(account.Id, expires: DateTime.UtcNow.AddMinutes(-5)),
            "tampered" => TestTokens.Tampered(account.AccessToken, "admin"),
            "signed with another key" => TestTokens.Sign(account.Id, signingKey: "another-key-that-is-long-enough-for-hmac-sha-256"),
            "unsigned" => TestTokens.WithoutSignature(account.Id),
            _ => throw new ArgumentOutOfRangeException(nameof(token)),
        };
        var gauge = await ConnectionGauge.ReadAsync(_client);
        var refused = await RequestsAsync("401");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => NotificationClient.ConnectAsync(Server, presented));

        Assert.Contains("401", error.ToString(), StringComparison.Ordinal);
        await Eventually.UntilAsync(() => RequestsAsync("401"), count => count == refused + 1, "the refused request to be counted");
        Assert.Equal(gauge, await ConnectionGauge.ReadAsync(_client));
    }

    [Fact]
    public async Task A_connection_ends_when_its_access_token_expires()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var client = await NotificationClient.ConnectAsync(Server, TestTokens.Sign(account.Id, expires: DateTime.UtcNow.AddSeconds(3)));
        await ConnectionGauge.WaitForAsync(_client, gauge + 1);

        await client.Closed.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(gauge, await ConnectionGauge.WaitForAsync(_client, gauge));
    }

    [Fact]
    public async Task A_client_that_goes_silent_is_dropped_after_the_client_timeout()
    {
        await using var host = new ServiceHost(service.ConnectionString, new Dictionary<string, string?>
        {
            ["Notifications:KeepAliveInterval"] = "00:00:01",
            ["Notifications:ClientTimeoutInterval"] = "00:00:02",
        });
        using var http = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(http);
        var gauge = await ConnectionGauge.ReadAsync(http);

        // A SignalR handshake and one ping, then nothing (no pings, no close), as from a client whose network went away.
        // SignalR starts the client timeout at a client's first ping, which real clients send within their keep-alive interval.
        using var socket = new ClientWebSocket();
        var url = new UriBuilder(NotificationClient.HubUrl(host.BaseAddress, account.AccessToken)) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(url, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":6}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        await ConnectionGauge.WaitForAsync(http, gauge + 1);

        Assert.Equal(gauge, await ConnectionGauge.WaitForAsync(http, gauge));
        Assert.Equal(WebSocketMessageType.Close, await ReceiveUntilCloseAsync(socket));
    }

    [Fact]
    public async Task The_API_does_not_take_an_access_token_from_the_query_string()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync($"/api/users/me?access_token={account.AccessToken}");

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Negotiation_offers_WebSockets_only()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(HttpMethod.Post, "/hubs/notifications/negotiate?negotiateVersion=1", new StringContent(""), account.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var transports = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("availableTransports");
        Assert.Equal(["WebSockets"], transports.EnumerateArray().Select(t => t.GetProperty("transport").GetString()));
    }

    [Fact]
    public async Task A_WebSocket_request_is_counted_once_it_ends_with_status_101_under_the_hub_route()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        var upgraded = await RequestsAsync("101");
        await using var client = await NotificationClient.ConnectAsync(Server, account.AccessToken);
        await ConnectionGauge.WaitForAsync(_client, gauge + 1);
        Assert.Equal(upgraded, await RequestsAsync("101"));

        await CloseAllAsync(gauge, client);

        await Eventually.UntilAsync(() => RequestsAsync("101"), count => count == upgraded + 1, "the WebSocket request to be counted");
    }

    private async Task<double> RequestsAsync(string status) =>
        (await MetricsText.ScrapeAsync(_client)).Value("http_requests_total", ("method", "GET"), ("route", "/hubs/notifications"), ("status", status));

    private async Task CloseAllAsync(double gauge, params NotificationClient[] clients)
    {
        await Task.WhenAll(clients.Select(c => c.CloseAsync()));
        await ConnectionGauge.WaitForAsync(_client, gauge);
    }

    private async Task<DateTime> StoredCreatedAtAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<DateTime>("SELECT created_at FROM notifications WHERE id = @Id", new { Id = id });
    }

    private static async Task<WebSocketMessageType> ReceiveUntilCloseAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.MessageType;
            }
        }
    }
}
