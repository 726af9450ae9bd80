using System.Text.Json;

namespace MinimalBackend.Features.Notifications;

/// <summary>A stored notification, as real-time delivery sends it to the user's open connections.</summary>
public sealed record Notification(Guid Id, Guid UserId, string Title, string Body, JsonElement Data, DateTime CreatedAt);

/// <summary>
/// Real-time delivery of a stored notification: <see cref="FanoutNotificationPublisher"/> pushes it to its user's
/// connections on every instance. Called at least once per notification, after it is stored: clients drop a
/// repeat by <see cref="Notification.Id"/>.
/// </summary>
public interface INotificationPublisher
{
    Task PublishAsync(Notification notification, CancellationToken cancellationToken);
}
