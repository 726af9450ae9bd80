using System.Security.Cryptography;
using System.Text.Json;
using Coravel;
using Coravel.Invocable;
using Dapper;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF httpapi draft "The Idempotency-Key HTTP Header Field") of
/// <c>POST /api/admin/notifications</c>: a retry with the key and the body of an earlier request within
/// <see cref="Retention"/> gets that request's answer again and enqueues nothing; the key with another body is 422.
/// </summary>
public static class NotificationIdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set on a replayed answer, so a client (or its developer) can tell a replay from a new request.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxLength = 255;

    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>Printable ASCII, at most <see cref="MaxLength"/> characters: a UUID, as the draft suggests, fits.</summary>
    public static bool IsValid(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is >= ' ' and <= '~');

    /// <summary>What "the same request" means: the SHA-256 of the bound body, so JSON whitespace does not matter.</summary>
    public static byte[] Fingerprint(SendNotificationRequest request) =>
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request));
}

public static class NotificationIdempotencyData
{
    /// <summary>The answer an earlier request with the key got (its status and JSON body), and its body's fingerprint.</summary>
    public sealed record EarlierAnswer(byte[] Fingerprint, int Status, string Response);

    /// <summary>
    /// Claims the caller's key in the caller's transaction, or returns the earlier answer to it. A concurrent request
    /// with the same key waits on the primary key until the first one's transaction ends: it then reads its answer
    /// (committed), or claims the key itself (rolled back). An expired key is claimed anew.
    /// </summary>
    public static async Task<EarlierAnswer?> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, string key, byte[] fingerprint, DateTimeOffset now, CancellationToken ct)
    {
        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM notification_idempotency_keys WHERE user_id = @UserId AND key = @Key AND expires_at <= @Now;
            INSERT INTO notification_idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
            VALUES (@UserId, @Key, @Fingerprint, @Now, @ExpiresAt)
            ON CONFLICT (user_id, key) DO NOTHING;
            """,
            new { UserId = userId, Key = key, Fingerprint = fingerprint, Now = now, ExpiresAt = now + NotificationIdempotencyKeys.Retention },
            transaction, cancellationToken: ct));
        if (claimed > 0)
        {
            return null;
        }
        return await connection.QuerySingleAsync<EarlierAnswer>(new CommandDefinition(
            "SELECT fingerprint, status, response FROM notification_idempotency_keys WHERE user_id = @UserId AND key = @Key",
            new { UserId = userId, Key = key }, transaction, cancellationToken: ct));
    }

    /// <summary>Keeps the answer beside the claimed key, in the transaction that did the work.</summary>
    public static Task SaveAnswerAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, string key, int status, string response, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE notification_idempotency_keys SET status = @Status, response = @Response WHERE user_id = @UserId AND key = @Key",
            new { UserId = userId, Key = key, Status = status, Response = response }, transaction, cancellationToken: ct));

    public static async Task<int> DeleteExpiredAsync(NpgsqlDataSource database, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM notification_idempotency_keys WHERE expires_at <= @Now", new { Now = now }, cancellationToken: ct));
    }
}

/// <summary>Deletes the idempotency keys past their 24 hours; Coravel runs it every 15 minutes.</summary>
public sealed partial class DeleteExpiredIdempotencyKeys(NpgsqlDataSource database, TimeProvider time, ILogger<DeleteExpiredIdempotencyKeys> logger)
    : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        try
        {
            var deleted = await NotificationIdempotencyData.DeleteExpiredAsync(database, time.GetUtcNow(), CancellationToken);
            if (deleted > 0)
            {
                LogDeleted(logger, deleted);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogFailed(logger, e);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Keys} expired notification idempotency keys")]
    private static partial void LogDeleted(ILogger logger, int keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired notification idempotency keys failed; it runs again at its next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Puts <see cref="DeleteExpiredIdempotencyKeys"/> on Coravel's scheduler when the host starts.</summary>
internal sealed class IdempotencyKeyHousekeeping(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.UseScheduler(scheduler => scheduler.Schedule<DeleteExpiredIdempotencyKeys>().EveryFifteenMinutes().PreventOverlapping(nameof(DeleteExpiredIdempotencyKeys)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
