using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

// MetricsEndpoint:Port: /metrics moves to a port of its own, which serves nothing else.
[Collection(nameof(MetricsPortServerTests))]
public sealed class MetricsPortServerTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(MetricsPortServerTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task With_a_metrics_port_the_metrics_are_served_there_and_no_longer_on_the_service_port()
    {
        var port = LocalNetwork.FreePort();
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["MetricsEndpoint:Port"] = Port(port) });
        using var service = host.CreateSocketClient();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await service.GetAsync("/api/info");

        var scrape = await metrics.GetAsync("/metrics");
        var onServicePort = await service.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var samples = MetricsText.Parse(await scrape.Content.ReadAsStringAsync());
        Assert.True(samples.Value("http_requests_total", ("route", "/api/info")) >= 1);
        Assert.Equal(HttpStatusCode.NotFound, onServicePort.StatusCode);
    }

    [Theory]
    [InlineData("/api/info")]
    [InlineData("/health/ready")]
    [InlineData("/")]
    public async Task The_metrics_port_serves_nothing_but_the_metrics(string path)
    {
        var port = LocalNetwork.FreePort();
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["MetricsEndpoint:Port"] = Port(port) });
        host.CreateSocketClient().Dispose();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var response = await metrics.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_metrics_port_asks_for_the_configured_credentials()
    {
        var port = LocalNetwork.FreePort();
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["MetricsEndpoint:Port"] = Port(port),
            ["MetricsEndpoint:Username"] = "prometheus",
            ["MetricsEndpoint:Password"] = "s3cret",
        });
        host.CreateSocketClient().Dispose();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var anonymous = await metrics.GetAsync("/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("prometheus:s3cret")));
        var authenticated = await metrics.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
    }

    [Fact]
    public async Task A_metrics_port_that_is_taken_stops_startup()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["MetricsEndpoint:Port"] = Port(port) });

        var failure = Assert.ThrowsAny<Exception>(() => host.CreateSocketClient());

        Assert.Contains("address already in use", failure.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_port_outside_the_TCP_range_stops_startup_with_a_message()
    {
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["MetricsEndpoint:Port"] = "70000" });

        var failure = Assert.ThrowsAny<Exception>(() => host.CreateSocketClient());

        Assert.Contains("MetricsEndpoint:Port", failure.ToString(), StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
