using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Dapper;
using Microsoft.AspNetCore.SignalR;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Tracing;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>
/// Real-time delivery across instances: a stored notification is NOTIFYed on the <c>notifications</c> channel,
/// every instance hears it, and the ones where its user has connections send it to them. The payload carries
/// the whole notification when it fits in a NOTIFY (under 8000 bytes), and only its id otherwise: the instances
/// with a connection of that user then read it from the table.
/// </summary>
public sealed class FanoutNotificationPublisher(NpgsqlDataSource database) : INotificationPublisher
{
    public async Task PublishAsync(Notification notification, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await PostgresChannels.NotifyAsync(connection, null, NotificationFanout.Channel, [NotificationFanout.PayloadOf(notification)], cancellationToken);
    }
}

/// <summary>
/// This instance's end of the fan-out: hears every notification on the channel, keeps those of users connected
/// here, and sends each to its user's connections, in order, without waiting on any one slow client. If the
/// LISTEN connection was lost, the notifications stored meanwhile for the users connected here are sent again
/// from the table; clients drop any they already have by id.
/// </summary>
public sealed partial class NotificationFanout(
    IHubContext<NotificationsHub> hub, ConnectedUsers users, NpgsqlDataSource database, ILogger<NotificationFanout> logger)
    : BackgroundService, IChannelSubscriber
{
    public const string Channel = "notifications";

    // A notification's created_at is its insert transaction's start, and it is published after the commit:
    // one stored just before the connection was last known alive can have been published just after.
    private static readonly TimeSpan CommitToPublishSlack = TimeSpan.FromSeconds(5);
    private const int MaxReplayed = 10_000;
    private const int MaxQueued = 100_000;
    // Sends still being written at once; one stalled client holds its own sends, not everyone else's.
    private const int MaxSendsInFlight = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly Channel<Envelope> _queue = System.Threading.Channels.Channel.CreateBounded<Envelope>(
        new BoundedChannelOptions(MaxQueued) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
    private readonly SemaphoreSlim _sendSlots = new(MaxSendsInFlight);

    string IChannelSubscriber.Channel => Channel;

    /// <summary>
    /// The NOTIFY payload for a stored notification: all of it when it fits, its id otherwise; with the current
    /// trace, so the push on whichever instance holds the user's connections is a span of the same trace.
    /// </summary>
    public static string PayloadOf(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var trace = ServiceTraces.CurrentTraceParent();
        var whole = JsonSerializer.Serialize(new Envelope(notification.UserId, NotificationMessage.Of(notification), null, trace), Json);
        return PostgresChannels.Fits(whole) ? whole : JsonSerializer.Serialize(new Envelope(notification.UserId, null, notification.Id, trace), Json);
    }

    public void Received(string payload)
    {
        var envelope = JsonSerializer.Deserialize<Envelope>(payload, Json);
        if (envelope is null || !users.Contains(envelope.UserId))
        {
            return;
        }
        if (!_queue.Writer.TryWrite(envelope))
        {
            LogDropped(logger, MaxQueued, envelope.UserId);
        }
    }

    public async Task ResumedAsync(DateTime lastAlive, CancellationToken cancellationToken)
    {
        var connected = users.All();
        if (connected.Length == 0)
        {
            return;
        }
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var missed = (await connection.QueryAsync<StoredRow>(new CommandDefinition(
            """
            SELECT * FROM (
                SELECT id, user_id, title, body, data::text AS data, created_at FROM notifications
                WHERE user_id = ANY(@Users) AND created_at >= @Since
                ORDER BY created_at DESC LIMIT @Limit
            ) AS newest ORDER BY created_at
            """,
            new { Users = connected, Since = lastAlive - CommitToPublishSlack, Limit = MaxReplayed },
            cancellationToken: cancellationToken))).AsList();
        foreach (var row in missed)
        {
            _queue.Writer.TryWrite(new Envelope(row.UserId, row.ToMessage(), null));
        }
        LogReplayed(logger, missed.Count, connected.Length);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var envelope in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                var message = envelope.Notification ?? await ReadAsync(envelope, stoppingToken);
                if (message is null)
                {
                    continue;
                }
                await _sendSlots.WaitAsync(stoppingToken);
                _ = SendAsync(envelope.UserId, message, envelope.TraceParent);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The client misses this push, not the notification: it is in the REST list.
                LogDeliveryFailed(logger, envelope.UserId, e);
            }
        }
    }

    public override void Dispose()
    {
        _sendSlots.Dispose();
        base.Dispose();
    }

    private async Task SendAsync(Guid userId, NotificationMessage message, string? traceParent)
    {
        using var span = ServiceTraces.Source.StartActivity("push notification", ActivityKind.Consumer, ServiceTraces.ParseTraceParent(traceParent));
        span?.SetTag("messaging.system", "postgresql");
        span?.SetTag("messaging.operation.type", "process");
        span?.SetTag("messaging.destination.name", Channel);
        try
        {
            await hub.Clients.Group(NotificationsHub.GroupOf(userId)).SendAsync(NotificationMessage.Method, message);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            LogDeliveryFailed(logger, userId, e);
        }
        finally
        {
            _sendSlots.Release();
        }
    }

    private async Task<NotificationMessage?> ReadAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<StoredRow>(new CommandDefinition(
            "SELECT id, user_id, title, body, data::text AS data, created_at FROM notifications WHERE id = @Id AND user_id = @UserId",
            new { Id = envelope.StoredId, envelope.UserId }, cancellationToken: cancellationToken));
        return row?.ToMessage();
    }

    /// <summary>
    /// What travels on the channel: the notification itself, or the id of a stored one too large for a NOTIFY,
    /// and the W3C traceparent of the span that published it (absent outside a trace).
    /// </summary>
    private sealed record Envelope(Guid UserId, NotificationMessage? Notification, Guid? StoredId, string? TraceParent = null);

    private sealed record StoredRow(Guid Id, Guid UserId, string Title, string Body, string Data, DateTime CreatedAt)
    {
        public NotificationMessage ToMessage()
        {
            using var data = JsonDocument.Parse(Data);
            return new NotificationMessage(Id, Title, Body, data.RootElement.Clone(), CreatedAt);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Real-time delivery is {Limit} notifications behind; one for user {UserId} was not pushed (it is in the list)")]
    private static partial void LogDropped(ILogger logger, int limit, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Count} notifications again to the {Users} users connected here, after listening resumed")]
    private static partial void LogReplayed(ILogger logger, int count, int users);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A notification for user {UserId} could not be pushed (it is in the list)")]
    private static partial void LogDeliveryFailed(ILogger logger, Guid userId, Exception exception);
}
