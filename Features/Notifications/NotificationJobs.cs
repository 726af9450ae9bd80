using System.Text.Json;
using MinimalBackend.Infrastructure.Jobs;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>What other features may ask of Notifications: notify a user, in the caller's transaction or on its own, or every user.</summary>
public sealed class NotificationJobs(JobEnqueuer jobs)
{
    /// <summary>
    /// Enqueues a notification in the caller's transaction; it is stored and delivered once that commits.
    /// <paramref name="data"/> (a JSON object, or null) travels with it to the client. Returns the notification's id.
    /// </summary>
    public async Task<Guid> EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, string title, string body, JsonElement? data, CancellationToken ct)
    {
        var notification = Create(userId, title, body, data);
        await jobs.EnqueueAsync(connection, transaction, notification, ct);
        return notification.Id;
    }

    /// <summary>Enqueues a notification on its own, for callers with nothing else to write.</summary>
    public async Task<Guid> EnqueueAsync(Guid userId, string title, string body, JsonElement? data, CancellationToken ct)
    {
        var notification = Create(userId, title, body, data);
        await jobs.EnqueueAsync(notification, ct);
        return notification.Id;
    }

    /// <summary>
    /// Enqueues one notification for every user who has signed up by now, as a single job that stores them in
    /// batches (see <see cref="BroadcastNotification"/>), in the caller's transaction. Returns the broadcast's id.
    /// </summary>
    public async Task<Guid> EnqueueForAllUsersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string title, string body, JsonElement? data, DateTime signedUpBefore, CancellationToken ct)
    {
        var broadcast = CreateBroadcast(title, body, data, signedUpBefore);
        await jobs.EnqueueAsync(connection, transaction, broadcast, ct);
        return broadcast.Id;
    }

    private static NotificationBroadcast CreateBroadcast(string title, string body, JsonElement? data, DateTime signedUpBefore)
    {
        CheckContent(title, body, data);
        return new NotificationBroadcast(Guid.CreateVersion7(), title, body, data, signedUpBefore);
    }

    private static NotificationToDeliver Create(Guid userId, string title, string body, JsonElement? data)
    {
        CheckContent(title, body, data);
        return new NotificationToDeliver(Guid.CreateVersion7(), userId, title, body, data);
    }

    private static void CheckContent(string title, string body, JsonElement? data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(body);
        // Checked here, where the caller can fix it, not in a job that could only die of it.
        if (data is { ValueKind: not JsonValueKind.Object })
        {
            throw new ArgumentException("Notification data must be a JSON object.", nameof(data));
        }
    }
}
