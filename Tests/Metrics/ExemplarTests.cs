using System.Net.Http.Headers;
using System.Net.Http.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Tracing;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

// Exemplars appear in the OpenMetrics exposition, the format Prometheus asks for first.
[Collection(nameof(ExemplarTests))]
public sealed class ExemplarTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ExemplarTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_sampled_request_and_its_job_leave_their_trace_id_as_exemplars_of_the_latency_histograms()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = scope.Host(new Dictionary<string, string?>(smtp.Settings) { ["OTEL_TRACES_SAMPLER"] = "always_on" });
        using var client = host.CreateSocketClient();
        var fake = FakeUsers.Next();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });
        await smtp.WaitForMessageToAsync(fake.Email);

        var traceId = Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader));
        var exemplar = $"# {{trace_id=\"{traceId}\"";
        var scrape = await Eventually.UntilAsync(() => ScrapeOpenMetricsAsync(client),
            text => Lines(text).Any(l => l.StartsWith("queue_job_duration_seconds_bucket{queue=\"email\"", StringComparison.Ordinal) && l.Contains(exemplar, StringComparison.Ordinal)),
            "the welcome email job's duration to carry the request's trace id");
        Assert.Contains(Lines(scrape), l => l.StartsWith("http_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && l.Contains("route=\"/api/auth/register\"", StringComparison.Ordinal) && l.Contains(exemplar, StringComparison.Ordinal));
        Assert.EndsWith("# EOF", scrape.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_endpoint_or_a_sampler_requests_are_not_sampled_and_leave_no_exemplar()
    {
        // A process of its own: in this one, other test classes' hosts sample every request they see.
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Production");
        using var client = new HttpClient { BaseAddress = service.BaseAddress };

        var response = await client.GetAsync("/api/info");

        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader)));
        var scrape = await ScrapeOpenMetricsAsync(client);
        var info = Lines(scrape).Where(l => l.StartsWith("http_request_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("route=\"/api/info\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(info);
        Assert.DoesNotContain(info, l => l.Contains("trace_id", StringComparison.Ordinal));
    }

    private static async Task<string> ScrapeOpenMetricsAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    private static string[] Lines(string text) => text.Split('\n');
}
