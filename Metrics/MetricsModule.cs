using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
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
        // Exemplars link observations to traces: only the latency histograms carry them (TraceExemplars), opting in.
        Prometheus.Metrics.DefaultFactory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        RuntimeMetrics.Register(Prometheus.Metrics.DefaultRegistry);
        return true;
    });

    /// <summary>
    /// The HTTP request metrics, the default metrics of the process and the readiness checks' results, on
    /// prometheus-net's default registry; <c>/metrics</c> where <see cref="MetricsEndpointOptions"/> puts it.
    /// </summary>
    public static WebApplicationBuilder AddPrometheusMetrics(this WebApplicationBuilder builder)
    {
        _ = DefaultMetricsChosen.Value;
        builder.Services.AddOptions<HttpMetricsOptions>().BindConfiguration(HttpMetricsOptions.SectionName);
        builder.Services.AddSingleton(Prometheus.Metrics.DefaultRegistry);
        builder.Services.AddSingleton<HttpRequestMetrics>();
        builder.Services.AddSingleton<BuildInfoMetrics>();

        builder.Services.AddOptions<MetricsEndpointOptions>().BindConfiguration(MetricsEndpointOptions.SectionName)
            .Validate(o => o.Port is null or (> 0 and <= 65535), "MetricsEndpoint:Port must be a TCP port (1-65535), or unset to serve /metrics on the service's port.")
            .Validate(o => o.Username.Length > 0 == o.Password.Length > 0, "MetricsEndpoint:Username and MetricsEndpoint:Password are set together or not at all.")
            .Validate(o => !o.Username.Contains(':', StringComparison.Ordinal), "MetricsEndpoint:Username cannot contain ':' (RFC 7617).")
            .ValidateOnStart();
        builder.Services.AddHostedService<MetricsPortServer>();

        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<IHealthCheckPublisher, ReadinessMetrics>();
        builder.Services.AddOptions<HealthCheckPublisherOptions>()
            .Configure(o =>
            {
                // Every scrape interval (10 s), so an outage shows on the next scrapes, not 30 s later.
                o.Period = TimeSpan.FromSeconds(10);
                o.Predicate = check => check.Tags.Contains(HealthEndpoints.ReadyTag);
            })
            .BindConfiguration("HealthCheckPublisher");
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

    /// <summary><c>/metrics</c> on the service's port, unless <c>MetricsEndpoint:Port</c> gives it a port of its own.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsEndpointOptions>>().Value;
        // Created here, once the host's services exist: it sets its one series at creation.
        endpoints.ServiceProvider.GetRequiredService<BuildInfoMetrics>();
        if (options.Port is null)
        {
            endpoints.MapScrapeEndpoint(options);
        }
        return endpoints;
    }

    /// <summary>prometheus-net's exporter at <c>/metrics</c>, behind the scrape credentials when they are configured.</summary>
    internal static void MapScrapeEndpoint(this IEndpointRouteBuilder endpoints, MetricsEndpointOptions options)
    {
        var pipeline = endpoints.CreateApplicationBuilder();
        if (options.RequiresCredentials)
        {
            var credentials = new ScrapeCredentials(options.Username, options.Password);
            pipeline.Use(next => context => credentials.ArePresentedBy(context.Request) ? next(context) : ScrapeCredentials.ChallengeAsync(context));
        }
        pipeline.UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings { Registry = Prometheus.Metrics.DefaultRegistry });
        endpoints.Map("/metrics", pipeline.Build())
            .WithDisplayName("Prometheus metrics")
            .WithMetadata(new MetricsScrapeEndpoint(), new RoutineRequest())
            .ExcludeFromDescription();
    }
}
