using System.Net;
using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(QueueDashboardPageTests))]
public sealed partial class QueueDashboardPageTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(QueueDashboardPageTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Theory]
    [InlineData("/admin/queues", "text/html")]
    [InlineData("/admin/queues/", "text/html")]
    [InlineData("/admin/queues/queues.js", "text/javascript")]
    [InlineData("/admin/queues/queues.css", "text/css")]
    public async Task The_page_and_its_files_are_served_to_anyone_with_their_type_and_security_headers(string path, string mediaType)
    {
        var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((mediaType, "utf-8"), (response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentType?.CharSet));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task The_page_has_no_inline_script_style_or_event_handler_for_the_policy_to_block()
    {
        var html = await _client.GetStringAsync("/admin/queues");

        Assert.Empty(InlineScript().Matches(html));
        Assert.Empty(InlineHandlerOrStyle().Matches(html));
        Assert.Contains("""<script src="/admin/queues/queues.js" defer></script>""", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unchanged_file_is_revalidated_with_a_304_and_no_body()
    {
        var first = await _client.GetAsync("/admin/queues/queues.js");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/admin/queues/queues.js");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        var response = await _client.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/admin/queues/index.htm")]
    [InlineData("/admin/queues/..%2Fappsettings.json")]
    [InlineData("/admin/queues/QueueDashboardPage.cs")]
    public async Task A_file_the_page_does_not_have_is_404_problem_details(string path)
    {
        var response = await _client.GetAsync(path);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Requests_for_any_file_name_are_counted_under_the_two_route_templates_only()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        await _client.GetAsync("/admin/queues");
        await _client.GetAsync("/admin/queues/queues.js");
        for (var i = 0; i < 20; i++)
        {
            await _client.GetAsync($"/admin/queues/{Guid.NewGuid()}.js");
        }

        var after = await MetricsText.ScrapeAsync(_client);
        double Delta(string route, string status) =>
            after.Value("http_requests_total", ("route", route), ("status", status)) - before.Value("http_requests_total", ("route", route), ("status", status));
        Assert.Equal(1, Delta("/admin/queues", "200"));
        Assert.Equal(1, Delta("/admin/queues/{file}", "200"));
        Assert.Equal(20, Delta("/admin/queues/{file}", "404"));
        Assert.DoesNotContain(after, s => s.Labels.TryGetValue("route", out var route)
            && route.StartsWith("/admin/queues", StringComparison.Ordinal) && route is not ("/admin/queues" or "/admin/queues/{file}"));
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"\s(on[a-z]+|style)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandlerOrStyle();
}
