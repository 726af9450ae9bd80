using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Logging;
using Prometheus;

namespace MinimalBackend.Metrics;

public static class MetricsModule
{
    /// <summary>
    /// The HTTP request metrics, the process and runtime metrics and the readiness checks' results, on this
    /// host's own registry (<see cref="MetricsRegistration"/>); <c>/metrics</c> where <see cref="MetricsEndpointOptions"/> puts it.
    /// </summary>
    public static WebApplicationBuilder AddPrometheusMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HttpMetricsOptions>().BindConfiguration(HttpMetricsOptions.SectionName);
        builder.Services.AddMetricsRegistry();
        builder.Services.AddSingleton<HttpRequestMetrics>();
        builder.Services.AddMetrics<BuildInfoMetrics>();

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
        if (options.Port is null)
        {
            endpoints.MapScrapeEndpoint(options, endpoints.ServiceProvider.GetRequiredService<CollectorRegistry>());
        }
        return endpoints;
    }

    /// <summary>prometheus-net's exporter at <c>/metrics</c>, behind the scrape credentials when they are configured.</summary>
    internal static void MapScrapeEndpoint(this IEndpointRouteBuilder endpoints, MetricsEndpointOptions options, CollectorRegistry registry)
    {
        var pipeline = endpoints.CreateApplicationBuilder();
        if (options.RequiresCredentials)
        {
            var credentials = new ScrapeCredentials(options.Username, options.Password);
            pipeline.Use(next => context => credentials.ArePresentedBy(context.Request) ? next(context) : ScrapeCredentials.ChallengeAsync(context));
        }
        pipeline.UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings { Registry = registry });
        // GET and HEAD only: a scrape reads; any other method is a 405.
        endpoints.MapMethods("/metrics", [HttpMethods.Get, HttpMethods.Head], pipeline.Build())
            .WithDisplayName("Prometheus metrics")
            .WithMetadata(new MetricsScrapeEndpoint(), new RoutineRequest())
            .ExcludeFromDescription();
    }
}
