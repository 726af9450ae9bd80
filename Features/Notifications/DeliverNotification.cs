using System.Text.Json;
using Coravel.Invocable;
using Dapper;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>A notification to store and deliver. Its id is chosen at enqueue, so running the job twice stores it once.</summary>
public sealed record NotificationToDeliver(Guid Id, Guid UserId, string Title, string Body, JsonElement? Data);

/// <summary>
/// Stores a notification and hands it to real-time delivery (job type <c>deliver_notification</c>, queue
/// <c>notification</c>). Idempotent: a second run finds the row and publishes it again, which clients drop by id.
/// </summary>
public sealed partial class DeliverNotification(NpgsqlDataSource database, INotificationPublisher publisher, ILogger<DeliverNotification> logger)
    : IInvocable, IInvocableWithPayload<NotificationToDeliver>, ICancellableInvocable
{
    public const string JobType = "deliver_notification";

    public NotificationToDeliver Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var stored = await DeliverNotificationData.StoreAsync(database, Payload, CancellationToken);
        if (stored is null)
        {
            LogUserGone(logger, Payload.Id, Payload.UserId);
            return;
        }
        await publisher.PublishAsync(stored, CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationId} dropped: user {UserId} no longer exists")]
    private static partial void LogUserGone(ILogger logger, Guid notificationId, Guid userId);
}

internal static class DeliverNotificationData
{
    private const string ForeignKeyViolation = "23503";

    /// <summary>The stored notification (inserted now or by an earlier run), or null when its user was deleted.</summary>
    public static async Task<Notification?> StoreAsync(NpgsqlDataSource database, NotificationToDeliver notification, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleAsync<(DateTime CreatedAt, string Data)>(new CommandDefinition(
                """
                WITH inserted AS (
                    INSERT INTO notifications (id, user_id, title, body, data)
                    VALUES (@Id, @UserId, @Title, @Body, @Data::jsonb)
                    ON CONFLICT (id) DO NOTHING
                    RETURNING created_at, data::text
                )
                SELECT created_at, data FROM inserted
                UNION ALL
                SELECT created_at, data::text FROM notifications WHERE id = @Id AND NOT EXISTS (SELECT 1 FROM inserted)
                """,
                new { notification.Id, notification.UserId, notification.Title, notification.Body, Data = notification.Data?.GetRawText() ?? "{}" },
                cancellationToken: ct));
            using var data = JsonDocument.Parse(row.Data);
            return new Notification(notification.Id, notification.UserId, notification.Title, notification.Body, data.RootElement.Clone(), row.CreatedAt);
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return null;
        }
    }
}
