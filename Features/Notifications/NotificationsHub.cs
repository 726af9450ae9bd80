using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Notifications;

/// <summary>A <c>notification</c> message, as clients receive it: the stored notification, without its owner.</summary>
public sealed record NotificationMessage(Guid Id, string Title, string Body, JsonElement Data, DateTime CreatedAt)
{
    public const string Method = "notification";

    public static NotificationMessage Of(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return new(notification.Id, notification.Title, notification.Body, notification.Data, notification.CreatedAt);
    }
}

/// <summary>
/// Real-time notifications, from the server to the client only (clients call nothing on it): a signed-in client
/// connects with its access token and receives a <c>notification</c> message for each of its notifications
/// stored while it is connected, on every connection it has, whichever instance it is connected to.
/// Each connection joins its user's group: SignalR sends to a group by looking that group up, while sending to
/// a user (<c>Clients.User</c>) scans every connection of the instance, for every message.
/// </summary>
[Authorize]
public sealed class NotificationsHub(ConnectedUsers users, NotificationMetrics metrics) : Hub
{
    public const string Path = "/hubs/notifications";

    private const string CountedUser = "user";

    public static string GroupOf(Guid userId) => "user:" + userId.ToString("N");

    public override async Task OnConnectedAsync()
    {
        if (Context.User?.SignedInUserId() is not { } userId)
        {
            // A validly signed token without a user id: there is nobody to deliver to.
            Context.Abort();
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(userId));
        users.Add(userId);
        Context.Items[CountedUser] = userId;
        metrics.ConnectionOpened();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        // Called once for each connection whose OnConnectedAsync returned, however it ended: closed, dropped,
        // timed out (no ping within ClientTimeoutInterval), its token expired, or the server stopping.
        if (Context.Items.TryGetValue(CountedUser, out var counted) && counted is Guid userId)
        {
            metrics.ConnectionClosed();
            users.Remove(userId);
        }
        return Task.CompletedTask;
    }
}

/// <summary>The users with at least one connection to this instance, and how many each has.</summary>
public sealed class ConnectedUsers
{
    private readonly Dictionary<Guid, int> _connections = [];
    private readonly Lock _gate = new();

    public void Add(Guid userId)
    {
        lock (_gate)
        {
            _connections[userId] = _connections.GetValueOrDefault(userId) + 1;
        }
    }

    public void Remove(Guid userId)
    {
        lock (_gate)
        {
            if (_connections.TryGetValue(userId, out var count) && count > 1)
            {
                _connections[userId] = count - 1;
            }
            else
            {
                _connections.Remove(userId);
            }
        }
    }

    public bool Contains(Guid userId)
    {
        lock (_gate)
        {
            return _connections.ContainsKey(userId);
        }
    }

    public Guid[] All()
    {
        lock (_gate)
        {
            return [.. _connections.Keys];
        }
    }
}
