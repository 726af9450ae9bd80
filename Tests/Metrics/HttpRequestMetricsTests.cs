using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MinimalBackend.Metrics;
using MinimalBackend.Tests.Support;
using Prometheus;

namespace MinimalBackend.Tests.Metrics;

// The service exports to prometheus-net's process-wide default registry, where the first host fixes the
// buckets; a registry of its own shows what a configured service would export.
public sealed class HttpRequestMetricsTests
{
    [Fact]
    public async Task Configured_buckets_replace_the_defaults()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = Options.Create(new HttpMetricsOptions { DurationBuckets = [0.2, 0.4] });
        var metrics = new HttpRequestMetrics(options, registry);

        metrics.Record(endpoint: null, HttpMethods.Get, StatusCodes.Status404NotFound, TimeSpan.FromMilliseconds(300));

        var samples = MetricsText.Parse(await SerializeAsync(registry));
        var buckets = samples.Where(s => s.Name == "http_request_duration_seconds_bucket").ToDictionary(s => s.Labels["le"], s => s.Value);
        Assert.Equal(new Dictionary<string, double> { ["0.2"] = 0, ["0.4"] = 1, ["+Inf"] = 1 }, buckets);
        Assert.Equal(1, samples.Value("http_requests_total", ("route", "unmatched"), ("method", "GET"), ("status", "404")));
    }

    [Fact]
    public void Recording_a_known_series_allocates_nothing_even_inside_a_trace()
    {
        using var activity = new System.Diagnostics.Activity("request") { ActivityTraceFlags = System.Diagnostics.ActivityTraceFlags.Recorded }.Start();
        var metrics = new HttpRequestMetrics(Options.Create(new HttpMetricsOptions()), Prometheus.Metrics.NewCustomRegistry());
        for (var i = 0; i < 1_000; i++)
        {
            metrics.Record(null, HttpMethods.Post, 201, TimeSpan.FromMilliseconds(3));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            metrics.Record(null, HttpMethods.Post, 201, TimeSpan.FromMilliseconds(3));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static async Task<string> SerializeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
