using System.Text.Json;

namespace MinimalBackend.Features.Notifications;

/// <summary>A stored notification, as real-time delivery sends it to the user's open connections.</summary>
public sealed record Notification(Guid Id, Guid UserId, string Title, string Body, JsonElement Data, DateTime CreatedAt);

/// <summary>
/// Real-time delivery of a stored notification (the WebSocket feature plugs in here). Called at least once per
/// notification, after it is stored: clients drop a repeat by <see cref="Notification.Id"/>.
/// </summary>
public interface INotificationPublisher
{
    Task PublishAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>Until a real-time transport is registered: stored notifications wait to be read, and are logged at Debug.</summary>
public sealed partial class LoggingNotificationPublisher(ILogger<LoggingNotificationPublisher> logger) : INotificationPublisher
{
    public Task PublishAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        LogStored(logger, notification.Id, notification.UserId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Notification {NotificationId} for user {UserId} stored; no real-time transport is registered")]
    private static partial void LogStored(ILogger logger, Guid notificationId, Guid userId);
}
