using Prometheus;

namespace MinimalBackend.Features.Notifications;

/// <summary>
/// The monitoring guide's WebSocket gauge. Its name ends in <c>_total</c> like a counter's, but it is a gauge:
/// the guide's dashboards read it by that name. Each instance counts its own connections, from 0 at start.
/// </summary>
public sealed class NotificationMetrics
{
    public const string Gateway = "notifications";

    private readonly Gauge.Child _notificationsGateway;

    public NotificationMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var connections = metrics.CreateGauge(
            "websocket_connections_total",
            "Open WebSocket connections of this instance, by gateway: up when a signed-in client's connection is established, down when it ends for any reason.",
            new GaugeConfiguration { LabelNames = ["gateway"] });
        // Exported at 0 from startup, so the dashboard and a scrape see the gateway before its first client.
        _notificationsGateway = connections.WithLabels(Gateway);
    }

    public void ConnectionOpened() => _notificationsGateway.Inc();

    public void ConnectionClosed() => _notificationsGateway.Dec();
}
