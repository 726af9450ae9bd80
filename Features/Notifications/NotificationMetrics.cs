using Prometheus;

namespace MinimalBackend.Features.Notifications;

/// <summary>
/// The monitoring guide's WebSocket gauge. Its name ends in <c>_total</c> like a counter's, but it is a gauge:
/// the guide's dashboards read it by that name. Each instance counts its own connections, from 0 at start.
/// </summary>
public static class NotificationMetrics
{
    public const string Gateway = "notifications";

    private static readonly Gauge Connections = Prometheus.Metrics.CreateGauge(
        "websocket_connections_total",
        "Open WebSocket connections of this instance, by gateway: up when a signed-in client's connection is established, down when it ends for any reason.",
        new GaugeConfiguration { LabelNames = ["gateway"] });

    // Exported at 0 from startup, so the dashboard and a scrape see the gateway before its first client.
    private static readonly Gauge.Child NotificationsGateway = Connections.WithLabels(Gateway);

    /// <summary>Creates the series at startup; the type's static fields do the work.</summary>
    public static void Initialize() => _ = NotificationsGateway;

    public static void ConnectionOpened() => NotificationsGateway.Inc();

    public static void ConnectionClosed() => NotificationsGateway.Dec();
}
