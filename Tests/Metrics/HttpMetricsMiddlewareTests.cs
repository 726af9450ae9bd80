using System.Net;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

[Collection(nameof(HttpMetricsMiddlewareTests))]
public sealed class HttpMetricsMiddlewareTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(HttpMetricsMiddlewareTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Requests_to_a_templated_route_are_counted_under_the_template()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        // Anonymous requests to the admin-only endpoint: 401, after routing has matched the template.
        await _client.GetAsync($"/api/users/{Guid.NewGuid()}");
        await _client.GetAsync($"/api/users/{Guid.NewGuid()}");

        var after = await MetricsText.ScrapeAsync(_client);
        var series = after.Where(s => s.Name == "http_requests_total" && s.Has("route", "/api/users/{id}") && s.Has("status", "401")).ToList();
        var only = Assert.Single(series);
        Assert.True(only.Has("method", "GET"));
        Assert.Equal(2, only.Value - before.Value("http_requests_total", ("route", "/api/users/{id}"), ("status", "401")));
        Assert.DoesNotContain(after, s => s.Labels.TryGetValue("route", out var route) && route.StartsWith("/api/users/", StringComparison.Ordinal) && route is not ("/api/users/{id}" or "/api/users/me"));
    }

    [Fact]
    public async Task A_path_that_matches_no_endpoint_is_counted_as_unmatched()
    {
        var path = "/no/such/" + Guid.NewGuid();
        var before = await MetricsText.ScrapeAsync(_client);

        var response = await _client.GetAsync(path);

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, after.Value("http_requests_total", ("route", "unmatched"), ("status", "404"), ("method", "GET"))
            - before.Value("http_requests_total", ("route", "unmatched"), ("status", "404"), ("method", "GET")));
        Assert.DoesNotContain(after, s => s.Labels.Values.Any(v => v.Contains(path, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_wrong_method_on_a_known_route_is_counted_under_that_route_as_405()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        var response = await _client.DeleteAsync("/api/auth/login");

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(1, after.Value("http_requests_total", ("route", "/api/auth/login"), ("status", "405"), ("method", "DELETE"))
            - before.Value("http_requests_total", ("route", "/api/auth/login"), ("status", "405"), ("method", "DELETE")));
        Assert.Equal(0, after.Value("http_requests_total", ("route", "unmatched"), ("status", "405"), ("method", "DELETE")));
    }

    [Fact]
    public async Task A_wrong_method_on_a_templated_route_names_the_template_and_prefers_a_literal_segment()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        await _client.PostAsync($"/api/users/{Guid.NewGuid()}", null);
        await _client.PostAsync("/api/users/me", null);

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(1, after.Value("http_requests_total", ("route", "/api/users/{id}"), ("status", "405"), ("method", "POST"))
            - before.Value("http_requests_total", ("route", "/api/users/{id}"), ("status", "405"), ("method", "POST")));
        Assert.Equal(1, after.Value("http_requests_total", ("route", "/api/users/me"), ("status", "405"), ("method", "POST"))
            - before.Value("http_requests_total", ("route", "/api/users/me"), ("status", "405"), ("method", "POST")));
    }

    [Fact]
    public async Task A_wrong_content_type_on_a_known_route_is_counted_under_that_route_as_415()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        var response = await _client.PostAsync("/api/auth/login", new StringContent("email=a&password=b", System.Text.Encoding.UTF8, "text/plain"));

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(1, after.Value("http_requests_total", ("route", "/api/auth/login"), ("status", "415"), ("method", "POST"))
            - before.Value("http_requests_total", ("route", "/api/auth/login"), ("status", "415"), ("method", "POST")));
        Assert.Equal(0, after.Value("http_requests_total", ("route", "unmatched"), ("status", "415"), ("method", "POST")));
    }

    [Fact]
    public async Task A_thousand_distinct_random_paths_add_no_series()
    {
        await _client.GetAsync("/warm-up/" + Guid.NewGuid());
        var before = await SeriesCountAsync();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => (await _client.GetAsync($"/random/{Guid.NewGuid()}/{i}?q={i}", ct)).Dispose());

        Assert.Equal(before, await SeriesCountAsync());
    }

    [Fact]
    public async Task A_method_outside_the_standard_set_is_labelled_OTHER()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        using var request = new HttpRequestMessage(new HttpMethod("BREW"), "/api/info");
        await _client.SendAsync(request);

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.DoesNotContain(after, s => s.Has("method", "BREW"));
        Assert.True(after.Value("http_requests_total", ("method", "OTHER")) > before.Value("http_requests_total", ("method", "OTHER")));
    }

    [Fact]
    public async Task An_exception_that_becomes_a_500_is_counted_as_500_under_its_route()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        var response = await _client.GetAsync("/test/throw/anything");

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, after.Value("http_requests_total", ("route", "/test/throw/{kind}"), ("status", "500"))
            - before.Value("http_requests_total", ("route", "/test/throw/{kind}"), ("status", "500")));
        Assert.Equal(0, after.Value("http_requests_total", ("route", "/test/throw/{kind}"), ("status", "200")));
    }

    [Fact]
    public async Task Duration_runs_to_the_end_of_the_response_not_to_its_headers()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        var body = await _client.GetStringAsync("/test/slow");

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal("done", body);
        var seconds = after.Value("http_request_duration_seconds_sum", ("route", "/test/slow"))
            - before.Value("http_request_duration_seconds_sum", ("route", "/test/slow"));
        Assert.InRange(seconds, 0.29, 5);
    }

    [Fact]
    public async Task Scrapes_of_the_metrics_endpoint_are_not_counted()
    {
        var first = await MetricsText.ScrapeAsync(_client);
        await MetricsText.ScrapeAsync(_client);

        var third = await MetricsText.ScrapeAsync(_client);

        Assert.Equal(first.Value("http_requests_total", ("route", "/metrics")), third.Value("http_requests_total", ("route", "/metrics")));
    }

    [Fact]
    public async Task Health_probes_are_not_counted()
    {
        var before = (await MetricsText.ScrapeAsync(_client)).Value("http_requests_total", ("route", "/api/info"));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
        await _client.GetAsync("/api/info");

        // The probes went first on the same connection, so they were recorded (or not) before the request counted here.
        var samples = await Eventually.UntilAsync(() => MetricsText.ScrapeAsync(_client),
            s => s.Value("http_requests_total", ("route", "/api/info")) > before, "the request after the probes counted");
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("http_request", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("route", "").StartsWith("/health", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_histogram_has_the_default_buckets()
    {
        await _client.GetAsync("/api/info");

        var samples = await MetricsText.ScrapeAsync(_client);

        var bounds = samples
            .Where(s => s.Name == "http_request_duration_seconds_bucket" && s.Has("route", "/api/info") && s.Has("status", "200"))
            .Select(s => s.Labels["le"])
            .ToList();
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2", "5", "10", "+Inf"], bounds);
    }

    private async Task<int> SeriesCountAsync() =>
        (await MetricsText.ScrapeAsync(_client)).Count(s => s.Name == "http_requests_total");
}
