using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using static MinimalBackend.Tests.Support.ProblemResponses;

namespace MinimalBackend.Tests.Infrastructure.Http;

[Collection(nameof(ProblemDetailsTests))]
public sealed class ProblemDetailsTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ProblemDetailsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Malformed_json_is_400_problem_details()
    {
        var response = await _client.PostAsync("/test/echo", new StringContent("{\"text\": \"a\", ", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task A_wrong_json_type_is_400_problem_details_naming_the_field()
    {
        var response = await _client.PostAsync("/test/echo", new StringContent("""{"text": "a", "count": "many"}""", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("count", problem.GetProperty("errors").EnumerateObject().Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_content_type_is_415_problem_details()
    {
        var response = await _client.PostAsync("/test/echo", new StringContent("text=a&count=1", Encoding.UTF8, "text/plain"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_problem_details()
    {
        var body = JsonSerializer.Serialize(new { text = new string('x', 2 * 1024 * 1024), count = 1 });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test/echo") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        // The client waits for the server's verdict before sending the body. Without it, the client may still be
        // writing the 2 MiB when Kestrel answers 413 and closes the connection, and the test sees a broken pipe.
        request.Headers.ExpectContinue = true;

        var response = await _client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_problem_details()
    {
        var body = JsonSerializer.Serialize(new { text = new string('x', 2 * 1024 * 1024), count = 1 });
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test/echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;

        var response = await _client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_valid_body_is_accepted()
    {
        var response = await _client.PostAsJsonAsync("/test/echo", new { text = "hello", count = 2 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"text":"hello","count":2}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_route_is_404_problem_details()
    {
        var response = await _client.GetAsync("/api/" + Guid.NewGuid());

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/no-such-route", "text/html,application/xhtml+xml;q=0.9")]
    [InlineData("/api/no-such-route", "text/plain")]
    [InlineData("/api/users/me", "text/html")]
    [InlineData("/api/users/me", "application/xml")]
    public async Task An_error_is_problem_details_whatever_the_request_accepts(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await _client.SendAsync(request);

        var problem = await AssertProblemAsync(response, path == "/api/users/me" ? HttpStatusCode.Unauthorized : HttpStatusCode.NotFound);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task An_unhandled_exception_is_500_with_a_trace_id_and_no_exception_text()
    {
        var response = await _client.GetAsync("/test/throw/boom");

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        var raw = problem.GetRawText();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("traceId").GetString()));
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), raw, StringComparison.Ordinal);
        Assert.DoesNotContain("at MinimalBackend", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_AllowedHosts_does_not_list_is_400_problem_details()
    {
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["AllowedHosts"] = "api.example.com;*.example.org" });
        using var client = host.CreateSocketClient();

        Assert.Equal(HttpStatusCode.OK, (await GetInfoAsync(client, "api.example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetInfoAsync(client, "eu.example.org:8443")).StatusCode);
        await AssertProblemAsync(await GetInfoAsync(client, "evil.example"), HttpStatusCode.BadRequest);
        // HTTP/1.0 without a Host, as the compose file's health check asks, is let through.
        Assert.StartsWith("HTTP/1.1 200 ", await GetWithoutHostAsync(host.BaseAddress), StringComparison.Ordinal);
        // The default, "*", answers any host.
        Assert.Equal(HttpStatusCode.OK, (await GetInfoAsync(_client, "evil.example")).StatusCode);
    }

    private static async Task<string> GetWithoutHostAsync(Uri service)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(service.Host, service.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /api/info HTTP/1.0\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? "";
    }

    private static async Task<HttpResponseMessage> GetInfoAsync(HttpClient client, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        request.Headers.Host = host;
        return await client.SendAsync(request);
    }
}
