using System.Net;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Http;

// Headers and methods a hostile client or a browser meets: nosniff on every answer, /metrics read-only,
// the API document and its page each behind a setting.
[Collection(nameof(SecurityHeadersTests))]
public sealed class SecurityHeadersTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(SecurityHeadersTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("GET", "/api/info")]
    [InlineData("GET", "/api/users/me")]
    [InlineData("GET", "/no/such/route")]
    [InlineData("GET", "/test/throw/x")]
    [InlineData("POST", "/api/auth/login")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task Every_answer_says_nosniff(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var response = await _client.SendAsync(request);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task Metrics_answer_GET_and_HEAD_only(string method)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, "/metrics");
        using var other = new HttpRequestMessage(new HttpMethod(method), "/metrics");

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(head)).StatusCode);
        await ProblemResponses.AssertProblemAsync(await _client.SendAsync(other), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task The_API_document_and_its_page_each_follow_their_setting()
    {
        await using var without = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["ApiDocument:ServeDocument"] = "false" });
        using var withoutClient = without.CreateSocketClient();
        await using var withDocs = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["ApiDocument:ServeDocs"] = "true" });
        using var withDocsClient = withDocs.CreateSocketClient();

        Assert.Equal(HttpStatusCode.NotFound, (await withoutClient.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await withoutClient.GetAsync("/docs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/docs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withDocsClient.GetAsync("/docs/index.html")).StatusCode);
    }
}
