using System.Security.Cryptography;
using System.Text.Json;
using Coravel.Invocable;
using Dapper;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Database;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>One notification for every user who had signed up when it was sent.</summary>
public sealed record NotificationBroadcast(Guid Id, string Title, string Body, JsonElement? Data, DateTime SignedUpBefore);

/// <summary>
/// Sends a notification to all users (job type <c>broadcast_notification</c>, queue <c>notification</c>): one job
/// that walks the users in id order, <c>Notifications:BroadcastBatchSize</c> at a time, and for each batch stores
/// the users' notifications and NOTIFYs them in one transaction, which PostgreSQL delivers on commit. So 10,000
/// users cost 10 transactions and no per-user jobs, a broadcast never queues ahead of other users' notifications,
/// and memory stays at one batch. Each user's notification id is derived from the broadcast's id and the user's:
/// a rerun (after a crash) skips the users already done and pushes nothing twice.
/// </summary>
public sealed partial class BroadcastNotification(NpgsqlDataSource database, IOptions<NotificationsOptions> options, ILogger<BroadcastNotification> logger)
    : IInvocable, IInvocableWithPayload<NotificationBroadcast>, ICancellableInvocable
{
    public const string JobType = "broadcast_notification";

    public NotificationBroadcast Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var batchSize = options.Value.BroadcastBatchSize;
        var (users, stored) = (0, 0);
        Guid? after = null;
        while (true)
        {
            await using var connection = await database.OpenConnectionAsync(CancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken);
            var batch = await UserDirectory.IdsAsync(connection, transaction, after, Payload.SignedUpBefore, batchSize, CancellationToken);
            if (batch.Count == 0)
            {
                break;
            }
            var notifications = await BroadcastNotificationData.StoreAsync(connection, transaction, Payload, batch, CancellationToken);
            await PostgresChannels.NotifyAsync(
                connection, transaction, NotificationFanout.Channel, notifications.Select(NotificationFanout.PayloadOf).ToList(), CancellationToken);
            await transaction.CommitAsync(CancellationToken);
            (users, stored, after) = (users + batch.Count, stored + notifications.Count, batch[^1]);
        }
        LogSent(logger, Payload.Id, users, stored);
    }

    /// <summary>
    /// The id of one user's notification of a broadcast: a UUIDv7 with the broadcast's timestamp (so the rows of a
    /// broadcast sit together in the primary key, like other notifications) and 74 bits of SHA-256 of both ids.
    /// </summary>
    public static Guid NotificationIdFor(Guid broadcastId, Guid userId)
    {
        Span<byte> ids = stackalloc byte[32];
        broadcastId.TryWriteBytes(ids[..16], bigEndian: true, out _);
        userId.TryWriteBytes(ids[16..], bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(ids, hash);
        Span<byte> id = stackalloc byte[16];
        ids[..6].CopyTo(id);
        hash[..10].CopyTo(id[6..]);
        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return new Guid(id, bigEndian: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Broadcast {BroadcastId} went to {Users} users ({Stored} notifications stored by this run)")]
    private static partial void LogSent(ILogger logger, Guid broadcastId, int users, int stored);
}

internal static class BroadcastNotificationData
{
    /// <summary>Stores the broadcast's notification for each user; returns the ones stored now (not by an earlier run).</summary>
    public static async Task<IReadOnlyList<Notification>> StoreAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NotificationBroadcast broadcast, IReadOnlyList<Guid> userIds, CancellationToken ct)
    {
        var data = broadcast.Data?.GetRawText() ?? "{}";
        var stored = await connection.QueryAsync<(Guid Id, Guid UserId, DateTime CreatedAt)>(new CommandDefinition(
            """
            INSERT INTO notifications (id, user_id, title, body, data)
            SELECT n.id, n.user_id, @Title, @Body, @Data::jsonb FROM unnest(@Ids::uuid[], @UserIds::uuid[]) AS n (id, user_id)
            ON CONFLICT (id) DO NOTHING
            RETURNING id, user_id, created_at
            """,
            new
            {
                broadcast.Title,
                broadcast.Body,
                Data = data,
                Ids = userIds.Select(user => BroadcastNotification.NotificationIdFor(broadcast.Id, user)).ToArray(),
                UserIds = userIds.ToArray(),
            },
            transaction, cancellationToken: ct));
        using var document = JsonDocument.Parse(data);
        var dataElement = document.RootElement.Clone();
        return stored.Select(row => new Notification(row.Id, row.UserId, broadcast.Title, broadcast.Body, dataElement, row.CreatedAt)).ToList();
    }
}
