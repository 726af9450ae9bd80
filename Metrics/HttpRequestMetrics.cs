using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Tracing;
using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// <c>http_requests_total</c> and <c>http_request_duration_seconds</c>, labelled by method, route template
/// and status. Every label value comes from a closed set: a standard method or <c>OTHER</c>, a route
/// template or <c>unmatched</c>, a status code. The labelled children are resolved once per
/// (endpoint, method, status) and cached, so recording a request allocates nothing.
/// </summary>
public sealed class HttpRequestMetrics
{
    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly ConcurrentDictionary<SeriesKey, Series?> _series = new();
    private readonly bool _countScrapes;
    private readonly bool _countProbes;

    public HttpRequestMetrics(IOptions<HttpMetricsOptions> options, CollectorRegistry registry)
    {
        _countScrapes = options.Value.CountScrapes;
        _countProbes = options.Value.CountProbes;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] labels = ["method", "route", "status"];
        // The durations link to their traces (exemplars of sampled requests); the count needs no second link.
        _requests = factory.CreateCounter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status code.",
            new CounterConfiguration { LabelNames = labels, ExemplarBehavior = ExemplarBehavior.NoExemplars() });
        _duration = factory.CreateHistogram(
            "http_request_duration_seconds",
            "Time from the start of an HTTP request until the endpoint has written its response, in seconds.",
            new HistogramConfiguration { LabelNames = labels, Buckets = options.Value.EffectiveDurationBuckets, ExemplarBehavior = TraceExemplars.OfCurrentSampledSpan });
    }

    public void Record(Endpoint? endpoint, string method, int status, TimeSpan elapsed)
    {
        var key = new SeriesKey(endpoint, MethodLabels.IndexOf(method), status);
        if (!_series.TryGetValue(key, out var series))
        {
            series = _series.GetOrAdd(key, CreateSeries);
        }
        if (series is null)
        {
            return;
        }
        series.Requests.Inc();
        series.Duration.Observe(elapsed.TotalSeconds);
    }

    /// <summary>The labelled children for one key, or null when requests to that endpoint are not counted.</summary>
    private Series? CreateSeries(SeriesKey key)
    {
        if ((!_countScrapes && key.Endpoint?.Metadata.GetMetadata<MetricsScrapeEndpoint>() is not null)
            || (!_countProbes && key.Endpoint?.Metadata.GetMetadata<HealthProbe>() is not null))
        {
            return null;
        }
        string[] values = [MethodLabels.Names[key.Method], RouteTemplates.Of(key.Endpoint), key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        return new Series(_requests.WithLabels(values), _duration.WithLabels(values));
    }

    private readonly record struct SeriesKey(Endpoint? Endpoint, int Method, int Status);

    private sealed record Series(Counter.Child Requests, Histogram.Child Duration);

    /// <summary>Maps a request's method to a constant label; anything outside RFC 9110's set is <c>OTHER</c>.</summary>
    private static class MethodLabels
    {
        public static readonly string[] Names =
        [
            HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch,
            HttpMethods.Head, HttpMethods.Options, HttpMethods.Trace, HttpMethods.Connect, "OTHER",
        ];

        public static int IndexOf(string method) => method switch
        {
            _ when HttpMethods.IsGet(method) => 0,
            _ when HttpMethods.IsPost(method) => 1,
            _ when HttpMethods.IsPut(method) => 2,
            _ when HttpMethods.IsDelete(method) => 3,
            _ when HttpMethods.IsPatch(method) => 4,
            _ when HttpMethods.IsHead(method) => 5,
            _ when HttpMethods.IsOptions(method) => 6,
            _ when HttpMethods.IsTrace(method) => 7,
            _ when HttpMethods.IsConnect(method) => 8,
            _ => 9,
        };
    }
}

/// <summary>Endpoint metadata marking Prometheus's scrape endpoint, which is not counted unless configured.</summary>
public sealed class MetricsScrapeEndpoint;
