namespace MinimalBackend.Features.Notifications;

/// <summary>Bound from the <c>Notifications</c> section.</summary>
public sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    /// <summary>How often the hub pings an idle connection, so clients (and proxies) see it is alive. Clients
    /// should allow twice this before giving up on the server (SignalR clients' ServerTimeout: 30 s).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A connection the client has sent nothing on (not even its pings, every 15 s by default) for this
    /// long is closed: how a client that vanished without closing (a dead network, a killed laptop) leaves the gauge.</summary>
    public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Users written per transaction when a notification goes to all users.</summary>
    public int BroadcastBatchSize { get; set; } = 1000;
}
