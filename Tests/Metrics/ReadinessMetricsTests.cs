using Microsoft.Extensions.Diagnostics.HealthChecks;
using MinimalBackend.Metrics;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Metrics;

[Collection(nameof(ReadinessMetricsTests))]
public sealed class ReadinessMetricsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ReadinessMetricsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Each_check_is_published_as_1_when_healthy_0_5_when_degraded_and_0_when_unhealthy()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var publisher = new ReadinessMetrics(registry);

        await publisher.PublishAsync(Report(("postgres", HealthStatus.Healthy), ("mail", HealthStatus.Degraded), ("cache", HealthStatus.Unhealthy)), default);
        var first = await ScrapeAsync(registry);
        await publisher.PublishAsync(Report(("postgres", HealthStatus.Unhealthy)), default);
        var second = await ScrapeAsync(registry);

        Assert.Equal(1, first.Value("readiness_check_status", ("check", "postgres")));
        Assert.Equal(0.5, first.Value("readiness_check_status", ("check", "mail")));
        Assert.Equal(0, first.Value("readiness_check_status", ("check", "cache")));
        Assert.Equal(0, second.Value("readiness_check_status", ("check", "postgres")));
    }

    [Fact]
    public async Task The_service_publishes_its_postgres_readiness_without_anyone_calling_health_ready()
    {
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["HealthCheckPublisher:Delay"] = "00:00:00",
            ["HealthCheckPublisher:Period"] = "00:00:01",
        });
        using var client = host.CreateSocketClient();

        // This host publishes every second; the first publication is the event awaited.
        var samples = await Eventually.UntilAsync(() => MetricsText.ScrapeAsync(client),
            scraped => scraped.Value("readiness_check_status", ("check", "postgres")) == 1, "the first readiness publication");

        var published = samples.Where(s => s.Name == "readiness_check_status").ToList();
        Assert.Equal(1, Assert.Single(published).Value);
        Assert.Equal("postgres", published[0].Labels["check"]);
    }

    private static HealthReport Report(params (string Name, HealthStatus Status)[] entries) =>
        new(entries.ToDictionary(e => e.Name, e => new HealthReportEntry(e.Status, null, TimeSpan.Zero, null, null)), TimeSpan.Zero);

    private static async Task<IReadOnlyList<MetricSample>> ScrapeAsync(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return MetricsText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
