using MinimalBackend.Infrastructure.Logging;
using Prometheus;

namespace MinimalBackend.Metrics;

public static class MetricsModule
{
    private static readonly Lazy<bool> DefaultMetricsChosen = new(() =>
    {
        // Process CPU and memory and GC counts from prometheus-net, the runtime series from RuntimeMetrics;
        // nothing else, so the scrape stays small and passes `promtool check metrics`.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressProcessMetrics = false,
            SuppressDebugMetrics = true,
            SuppressEventCounters = true,
            SuppressMeters = true,
        });
        // Exemplars link observations to traces; without a tracing backend they are work for nothing.
        Prometheus.Metrics.DefaultFactory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        RuntimeMetrics.Register(Prometheus.Metrics.DefaultRegistry);
        return true;
    });

    /// <summary>The HTTP request metrics and the default metrics of the process, on prometheus-net's default registry.</summary>
    public static WebApplicationBuilder AddPrometheusMetrics(this WebApplicationBuilder builder)
    {
        _ = DefaultMetricsChosen.Value;
        builder.Services.AddOptions<HttpMetricsOptions>().BindConfiguration(HttpMetricsOptions.SectionName);
        builder.Services.AddSingleton(Prometheus.Metrics.DefaultRegistry);
        builder.Services.AddSingleton<HttpRequestMetrics>();
        return builder;
    }

    /// <summary>Goes first in the pipeline, so it times and counts everything after it.</summary>
    public static WebApplication UseHttpRequestMetrics(this WebApplication app)
    {
        if (app.Configuration.GetSection(HttpMetricsOptions.SectionName).Get<HttpMetricsOptions>()?.Enabled ?? true)
        {
            app.UseMiddleware<HttpMetricsMiddleware>();
        }
        return app;
    }

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMetrics("/metrics").WithMetadata(new MetricsScrapeEndpoint(), new RoutineRequest()).ExcludeFromDescription();
        return endpoints;
    }
}
