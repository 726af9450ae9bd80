using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

// MetricsEndpoint:Username and :Password: a scrape must present them (HTTP Basic), nothing else changes.
[Collection(nameof(ScrapeCredentialsTests))]
public sealed class ScrapeCredentialsTests(DatabaseFixture database) : IAsyncLifetime
{
    [CollectionDefinition(nameof(ScrapeCredentialsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string Username = "prometheus";
    private const string Password = "correct horse battery staple";
    private ServiceHost _host = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["MetricsEndpoint:Username"] = Username,
            ["MetricsEndpoint:Password"] = Password,
        });
        _client = _host.CreateSocketClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_scrape_without_credentials_is_401_with_a_Basic_challenge()
    {
        var response = await _client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.DoesNotContain("http_requests_total", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Basic", Username + ":wrong")]
    [InlineData("Basic", "someone:" + Password)]
    [InlineData("Basic", Username + ":" + Password + " ")]
    [InlineData("Bearer", Username + ":" + Password)]
    public async Task A_scrape_with_other_credentials_is_401(string scheme, string credentials)
    {
        var response = await ScrapeAsync(new AuthenticationHeaderValue(scheme, Encode(credentials)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_scrape_with_credentials_that_are_not_base64_is_401()
    {
        var response = await ScrapeAsync(new AuthenticationHeaderValue("Basic", "not base64!"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_scrape_with_the_configured_credentials_gets_the_metrics()
    {
        var response = await ScrapeAsync(new AuthenticationHeaderValue("Basic", Encode($"{Username}:{Password}")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE http_requests_total counter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_API_needs_no_scrape_credentials()
    {
        var response = await _client.GetAsync("/api/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("prometheus", "")]
    [InlineData("", "a password")]
    [InlineData("pro:metheus", "a password")]
    public async Task Incomplete_or_invalid_credentials_stop_startup_with_a_message(string username, string password)
    {
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["MetricsEndpoint:Username"] = username,
            ["MetricsEndpoint:Password"] = password,
        });

        var failure = Assert.ThrowsAny<Exception>(() => host.CreateSocketClient());

        Assert.Contains("MetricsEndpoint:Username", failure.ToString(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> ScrapeAsync(AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = authorization;
        return await _client.SendAsync(request);
    }

    private static string Encode(string credentials) => Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));
}
