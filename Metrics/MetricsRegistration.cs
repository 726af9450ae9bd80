using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// Each host's own metrics: a <see cref="CollectorRegistry"/> per service provider (not prometheus-net's
/// process-wide default registry), so two hosts in one process (the tests run many at once) count apart.
/// A feature's metrics class takes the <see cref="IMetricFactory"/> and creates its collectors in its
/// constructor; <see cref="AddMetrics{TMetrics}"/> registers it and creates it at startup, so its series
/// export 0 before the first event.
/// </summary>
public static class MetricsRegistration
{
    /// <summary>Registers <typeparamref name="TMetrics"/> as a singleton on this host's registry, created when the host starts.</summary>
    public static IServiceCollection AddMetrics<TMetrics>(this IServiceCollection services)
        where TMetrics : class
    {
        services.AddMetricsRegistry();
        services.TryAddSingleton<TMetrics>();
        services.AddHostedService<CreatedAtStartup<TMetrics>>();
        return services;
    }

    /// <summary>The host's registry, with the process and runtime series, and its factory.</summary>
    public static IServiceCollection AddMetricsRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => CreateRegistry());
        services.TryAddSingleton<IMetricFactory>(services =>
        {
            var factory = Prometheus.Metrics.WithCustomRegistry(services.GetRequiredService<CollectorRegistry>());
            // Exemplars link observations to traces: only the latency histograms carry them (TraceExemplars), opting in.
            factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
            return factory;
        });
        return services;
    }

    /// <summary>A new registry with the process and runtime series a host exports besides its own.</summary>
    public static CollectorRegistry CreateRegistry()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        // Process CPU, memory and GC counts from prometheus-net, the runtime series from RuntimeMetrics;
        // nothing else (no event counter or meter adapters), so the scrape stays small and passes `promtool check metrics`.
        DotNetStats.Register(registry);
        RuntimeMetrics.Register(registry);
        return registry;
    }

    private sealed class CreatedAtStartup<TMetrics>(TMetrics metrics) : IHostedService
        where TMetrics : class
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(metrics);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
