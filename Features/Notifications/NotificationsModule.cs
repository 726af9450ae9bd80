using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Metrics;

[assembly: ApiTag("Notifications", "The signed-in user's notifications: list them, mark them read. New ones are also pushed over the hub at /hubs/notifications.")]
[assembly: ApiTag("Admin", "Sending notifications to one user or to all.")]

namespace MinimalBackend.Features.Notifications;

public static class NotificationsModule
{
    public const string Queue = "notification";

    // Clients send the hub nothing but their handshake and pings.
    private const long MaxClientMessageBytes = 4096;

    /// <summary>
    /// Notification jobs on the <c>notification</c> queue (one user's, and the broadcast to all users),
    /// <see cref="NotificationJobs"/> to enqueue them, the SignalR hub and its gauge, and the fan-out that pushes
    /// each stored notification to its user's connections on every instance through PostgreSQL LISTEN/NOTIFY.
    /// </summary>
    public static WebApplicationBuilder AddNotificationsFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.SectionName)
            .Validate(o => o.KeepAliveInterval >= TimeSpan.FromSeconds(1) && o.ClientTimeoutInterval >= TimeSpan.FromSeconds(1),
                "Notifications:KeepAliveInterval and Notifications:ClientTimeoutInterval must be at least 1 second.")
            .Validate(o => o.BroadcastBatchSize is >= 1 and <= 10_000, "Notifications:BroadcastBatchSize must be between 1 and 10000.")
            .ValidateOnStart();
        builder.Services.AddJob<DeliverNotification, NotificationToDeliver>(DeliverNotification.JobType, Queue, Retries());
        builder.Services.AddJob<BroadcastNotification, NotificationBroadcast>(BroadcastNotification.JobType, Queue, Retries());
        builder.Services.AddSingleton<NotificationJobs>();
        builder.Services.AddTransient<DeleteExpiredIdempotencyKeys>();
        builder.Services.AddHostedService<IdempotencyKeyHousekeeping>();

        builder.Services.AddSignalR();
        builder.Services.AddOptions<HubOptions>().Configure<IOptions<NotificationsOptions>>((hub, notifications) =>
        {
            hub.KeepAliveInterval = notifications.Value.KeepAliveInterval;
            hub.ClientTimeoutInterval = notifications.Value.ClientTimeoutInterval;
            hub.MaximumReceiveMessageSize = MaxClientMessageBytes;
        });
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, AcceptQueryStringTokenOnTheHub);
        builder.Services.AddSingleton<ConnectedUsers>();
        builder.Services.AddMetrics<NotificationMetrics>();
        builder.Services.TryAddSingleton<INotificationPublisher, FanoutNotificationPublisher>();
        builder.Services.AddChannelSubscriber<NotificationFanout>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NotificationFanout>());
        return builder;
    }

    // A notification is worth little late: five attempts, the retries 5 to 40 s apart, so it is pushed or dead within about a minute.
    private static JobTypeOptions Retries() => new()
    {
        MaxAttempts = 5,
        BackoffBase = TimeSpan.FromSeconds(5),
        BackoffMax = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// The hub, over WebSockets only. A connection ends when its access token expires: the client reconnects with
    /// a fresh one, so a revoked session or a changed role reaches open connections within a token's lifetime.
    /// </summary>
    public static WebApplication MapNotificationsHub(this WebApplication app)
    {
        app.MapHub<NotificationsHub>(NotificationsHub.Path, connection =>
        {
            connection.Transports = HttpTransportType.WebSockets;
            connection.CloseOnAuthenticationExpiration = true;
        }).AcceptCrossOriginRequests();
        return app;
    }

    /// <summary>
    /// Browsers cannot set headers on a WebSocket request, so SignalR clients send the token as <c>access_token</c>
    /// in the query string; it is accepted there for the hub only, never for the API. The token stays out of the logs:
    /// the request event writes route templates, never query strings, and ASP.NET Core's own request log (the one
    /// that writes them) is held at Warning in appsettings.json.
    /// </summary>
    private static void AcceptQueryStringTokenOnTheHub(JwtBearerOptions bearer)
    {
        bearer.Events ??= new JwtBearerEvents();
        var received = bearer.Events.OnMessageReceived;
        bearer.Events.OnMessageReceived = async context =>
        {
            await received(context);
            var request = context.Request;
            if (context.Token is null && request.Path.StartsWithSegments(NotificationsHub.Path)
                && request.Headers.Authorization.Count == 0 && request.Query.TryGetValue("access_token", out var token) && token.Count == 1)
            {
                context.Token = token;
            }
        };
    }
}
