using System.Net;
using System.Net.Http.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Http;

/// <summary>CORS as a browser sees it, spoken by hand over the socket: preflights and actual requests, allowed and refused origins.</summary>
[Collection(nameof(CrossOriginTests))]
public sealed class CrossOriginTests(CrossOriginTests.AllowedOriginHost service) : IClassFixture<CrossOriginTests.AllowedOriginHost>
{
    [CollectionDefinition(nameof(CrossOriginTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    public const string AllowedOrigin = "http://app.example.test:5173";
    private const string OtherOrigin = "http://evil.example.test";

    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string, string> PreflightedRoutes => new()
    {
        { "/api/auth/login", "POST", "/api/auth/login" },
        { "/api/users/me", "GET", "/api/users/me" },
        { "/api/users/me", "PATCH", "/api/users/me" },
        { "/api/users/0f8fad5b-d9cb-469f-a165-70867728950e", "GET", "/api/users/{id}" },
        { "/api/notifications/0f8fad5b-d9cb-469f-a165-70867728950e/read", "POST", "/api/notifications/{id}/read" },
        { "/api/admin/notifications", "POST", "/api/admin/notifications" },
        { "/api/admin/queues/email/jobs?state=dead", "GET", "/api/admin/queues/{queue}/jobs" },
        { "/hubs/notifications/negotiate?negotiateVersion=1", "POST", "/hubs/notifications/negotiate" },
    };

    [Theory]
    [MemberData(nameof(PreflightedRoutes))]
    public async Task A_preflight_from_an_allowed_origin_is_204_with_the_CORS_headers_without_a_token(string path, string method, string _)
    {
        var response = await _client.SendAsync(Preflight(path, AllowedOrigin, method, "authorization,content-type"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AllowedOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Contains("authorization", Header(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [MemberData(nameof(PreflightedRoutes))]
    public async Task A_preflight_is_counted_under_its_route_template(string path, string method, string template)
    {
        var before = (await MetricsText.ScrapeAsync(_client)).Value("http_requests_total", ("method", "OPTIONS"), ("route", template), ("status", "204"));

        await _client.SendAsync(Preflight(path, AllowedOrigin, method, "authorization"));

        var after = (await MetricsText.ScrapeAsync(_client)).Value("http_requests_total", ("method", "OPTIONS"), ("route", template), ("status", "204"));
        Assert.Equal(before + 1, after);
    }

    [Fact]
    public async Task A_preflight_from_another_origin_gets_no_CORS_headers_so_the_browser_refuses()
    {
        var response = await _client.SendAsync(Preflight("/api/users/me", OtherOrigin, "GET", "authorization"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_actual_request_from_an_allowed_origin_names_it_and_exposes_Location()
    {
        var fake = FakeUsers.Next();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName }),
        };
        request.Headers.Add("Origin", AllowedOrigin);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(AllowedOrigin, Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers").Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("Location", exposed);
        Assert.Contains("Retry-After", exposed);
        Assert.Contains("X-Test-Trace", exposed);
    }

    [Fact]
    public async Task An_actual_request_from_another_origin_is_answered_without_CORS_headers()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/users/me");
        request.Headers.Add("Origin", OtherOrigin);
        request.Headers.Authorization = new("Bearer", account.AccessToken);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Without_allowed_origins_no_response_carries_CORS_headers()
    {
        // The Testing environment, like Production, lists no origins.
        await using var host = new ServiceHost(service.ConnectionString);
        using var client = host.CreateSocketClient();

        var preflight = await client.SendAsync(Preflight("/api/users/me", AllowedOrigin, "GET", "authorization"));
        var actual = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        actual.Headers.Add("Origin", AllowedOrigin);
        var answer = await client.SendAsync(actual);

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.DoesNotContain(preflight.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_OPTIONS_request_that_is_not_a_preflight_is_still_405()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/users/me");
        request.Headers.Add("Origin", AllowedOrigin);

        var response = await _client.SendAsync(request);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    /// <summary>The service with one allowed origin and one extra exposed header, as an operator would configure them.</summary>
    public sealed class AllowedOriginHost(DatabaseFixture database) : ServiceFixture(database)
    {
        protected override ServiceHost CreateHost(string connectionString) => new(connectionString, new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = AllowedOrigin,
            ["Cors:ExposedHeaders:0"] = "X-Test-Trace",
        });
    }
}
