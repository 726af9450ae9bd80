using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// <c>readiness_check_status{check}</c>: the last result of each readiness check (those <c>/health/ready</c>
/// runs), published by ASP.NET Core's health check publisher every <c>HealthCheckPublisher:Period</c>, so an
/// alert sees a database outage whether or not anything calls <c>/health/ready</c>. The values follow
/// <see cref="HealthStatus"/>: 1 Healthy, 0.5 Degraded, 0 Unhealthy.
/// </summary>
internal sealed class ReadinessMetrics(CollectorRegistry registry) : IHealthCheckPublisher
{
    private readonly Gauge _status = Prometheus.Metrics.WithCustomRegistry(registry).CreateGauge(
        "readiness_check_status",
        "Last result of each readiness check: 1 healthy, 0.5 degraded, 0 unhealthy.",
        "check");

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (check, entry) in report.Entries)
        {
            _status.WithLabels(check).Set(entry.Status switch
            {
                HealthStatus.Healthy => 1,
                HealthStatus.Degraded => 0.5,
                _ => 0,
            });
        }
        return Task.CompletedTask;
    }
}
