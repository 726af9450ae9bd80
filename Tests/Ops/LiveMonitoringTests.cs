using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

/// <summary>
/// The monitoring as an operator meets it: the service under varied traffic, a real Prometheus scraping it
/// every second with the configuration and alert rules ops/run uses, and every query of the dashboard, the
/// alerts and docs/monitoring.md evaluated through Prometheus's HTTP API. A query that parses but never
/// returns data is a defect of the query or of the traffic, and fails here.
/// </summary>
[RunsLong]
[Collection(nameof(LiveMonitoringTests))]
public sealed class LiveMonitoringTests(LiveMonitoringTests.MonitoredService service) : IClassFixture<LiveMonitoringTests.MonitoredService>
{
    [CollectionDefinition(nameof(LiveMonitoringTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Every_dashboard_query_returns_data()
    {
        await AssertEveryQueryReturnsDataAsync([.. GrafanaDashboardTests.Queries().Select(PromQl.WithAllInstances), """up{job="minimal-backend"}"""]);
    }

    [Fact]
    public async Task Every_PromQL_example_of_the_monitoring_guide_returns_data()
    {
        await AssertEveryQueryReturnsDataAsync(MonitoringDocsTests.PromQlExamples());
    }

    [Fact]
    public async Task Every_alert_expression_evaluates_and_what_it_measures_returns_data()
    {
        var alerts = AlertRules.Load();

        var whole = await Task.WhenAll(alerts.Select(a => service.Prometheus.QueryAsync(a.Expression)));
        Assert.All(whole, result => Assert.True(result.Error is null, result.ToString()));
        await AssertEveryQueryReturnsDataAsync([.. alerts.SelectMany(a => AlertOperands.MeasuredQuantities(a.Expression)).Distinct()]);
    }

    [Theory]
    [InlineData("http_request_duration_seconds_bucket")]
    [InlineData("queue_job_duration_seconds_bucket")]
    public async Task The_latency_histograms_exemplars_are_stored_and_queryable_by_trace_id(string bucket)
    {
        var traceIds = await Eventually.UntilAsync(() => service.Prometheus.ExemplarTraceIdsAsync($"{bucket}{{job=\"minimal-backend\"}}"),
            ids => ids.Count > 0, $"exemplars of {bucket}");

        Assert.All(traceIds, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Fact]
    public async Task The_traffic_s_errors_set_the_error_rate_alert_off()
    {
        var states = await Eventually.UntilAsync(service.Prometheus.AlertRuleStatesAsync,
            s => s.GetValueOrDefault("HighErrorRate") is "pending" or "firing", "HighErrorRate to be pending");

        Assert.Equal("inactive", states["ServiceDown"]);
        Assert.Equal("inactive", states["DatabaseNotReady"]);
    }

    [Fact]
    public async Task The_corrected_panels_show_the_traffic_it_made()
    {
        await AssertEveryQueryReturnsDataAsync(
        [
            """sum(rate(http_requests_total{job="minimal-backend", status=~"5.."}[5m])) / sum(rate(http_requests_total{job="minimal-backend"}[5m])) * 100 > 5""",
            """sum(rate(queue_jobs_failed_total{job="minimal-backend"}[5m])) > 0""",
            """sum(queue_jobs_total{job="minimal-backend", status="dead"}) > 0""",
            """sum(rate(login_attempts_total{job="minimal-backend", status="failed"}[5m])) > 0""",
            """sum(increase(users_registered_total{job="minimal-backend"}[1h])) > 0""",
            """sum(increase(users_deleted_total{job="minimal-backend", by="self"}[1h])) > 0""",
            """histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="minimal-backend", status!="101"}[5m]))) > 0""",
            """sum(websocket_connections_total{job="minimal-backend", gateway="notifications"}) > 0""",
            """sum(rate(queue_jobs_completed_total{job="minimal-backend", queue="notification"}[5m])) > 0""",
        ]);
    }

    private async Task AssertEveryQueryReturnsDataAsync(IReadOnlyList<string> queries)
    {
        Assert.NotEmpty(queries);
        // rate() over [5m] needs two scrapes of a moving counter: poll until every query has data, or one errs
        // (a bound on a hang, generous for a loaded machine).
        PromQlResult[] results;
        try
        {
            results = await Eventually.UntilAsync(() => Task.WhenAll(queries.Select(service.Prometheus.QueryAsync)),
                all => all.All(r => r.HasData) || all.Any(r => r.Error is not null), "data for every query, or an error",
                TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            // The report below names the queries still without data.
            results = await Task.WhenAll(queries.Select(service.Prometheus.QueryAsync));
        }

        var failures = results.Where(r => !r.HasData).ToList();
        var report = new StringBuilder($"{failures.Count} of {results.Length} queries returned no data:\n");
        failures.ForEach(f => report.AppendLine(f.ToString()));
        Assert.Null(service.Traffic.Fault);
        Assert.True(failures.Count == 0, report.ToString());
    }

    /// <summary>
    /// One service on a database of its own (so the queue gauges count only this traffic), the traffic, and a
    /// Prometheus scraping it, shared by the tests of this class.
    /// </summary>
    public sealed class MonitoredService(DatabaseFixture database) : IAsyncLifetime
    {
        private IsolatedDatabase _database = null!;
        private ServiceHost _host = null!;

        public PrometheusServer Prometheus { get; private set; } = null!;

        public MonitoringTraffic Traffic { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _database = await IsolatedDatabase.CreateAsync(database);
            _host = _database.Host(new JobRunLog(), new Dictionary<string, string?>
            {
                // Readiness is published every second, like the scrapes, instead of every 10 s.
                ["HealthCheckPublisher:Delay"] = "00:00:00",
                ["HealthCheckPublisher:Period"] = "00:00:01",
                ["Jobs:WaitingGaugeSeconds"] = "1",
                // Every request and job sampled, so their exemplars carry trace ids (none is exported: no endpoint).
                ["OTEL_TRACES_SAMPLER"] = "always_on",
            });
            Traffic = new MonitoringTraffic(_host, _database.ConnectionString);
            Prometheus = await PrometheusServer.StartAsync(_host.BaseAddress.Authority);
        }

        public async Task DisposeAsync()
        {
            await Prometheus.DisposeAsync();
            await Traffic.DisposeAsync();
            await _host.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}
