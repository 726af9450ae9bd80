using Microsoft.Extensions.DependencyInjection.Extensions;
using MinimalBackend.Infrastructure.Jobs;

namespace MinimalBackend.Features.Notifications;

public static class NotificationsModule
{
    public const string Queue = "notification";

    /// <summary>
    /// Notification jobs on the <c>notification</c> queue, <see cref="NotificationJobs"/> to enqueue them, and
    /// the default <see cref="INotificationPublisher"/> (log only), which a real-time transport replaces by
    /// registering its own.
    /// </summary>
    public static WebApplicationBuilder AddNotificationsFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddJob<DeliverNotification, NotificationToDeliver>(DeliverNotification.JobType, Queue, new JobTypeOptions
        {
            MaxAttempts = 5,
            BackoffBase = TimeSpan.FromSeconds(5),
            BackoffMax = TimeSpan.FromMinutes(5),
        });
        builder.Services.TryAddSingleton<INotificationPublisher, LoggingNotificationPublisher>();
        builder.Services.AddSingleton<NotificationJobs>();
        return builder;
    }
}
