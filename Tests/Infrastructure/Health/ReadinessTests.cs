using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Health;

// Runs against a PostgreSQL of its own, because it stops that server.
public sealed class ReadinessTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private ServiceHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartNewAsync();
        _host = new ServiceHost(await _postgres.CreateDatabaseAsync());
        _client = _host.CreateSocketClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Ready_is_503_while_PostgreSQL_is_down_and_200_once_it_is_back()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);

        await _postgres.StopAsync();
        var down = await _client.GetAsync("/health/ready");
        var live = await _client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        var problem = await down.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Unhealthy", problem.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        await _postgres.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
    }
}
