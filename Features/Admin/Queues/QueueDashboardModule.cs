using FastEndpoints;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.OpenApi;

[assembly: ApiTag("Admin", "Administrators only. The job queues: counts, jobs, retries, pauses.")]

namespace MinimalBackend.Features.Admin.Queues;

public static class QueueDashboardModule
{
    /// <summary>
    /// The queue dashboard: its page at <c>/admin/queues</c> and its JSON API under <c>/api/admin/queues</c>
    /// (FastEndpoints finds both), its SQL (<see cref="QueueDashboardData"/>, over the jobs engine's
    /// <see cref="JobQueues"/>) and its audit log.
    /// </summary>
    public static WebApplicationBuilder AddQueueDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QueueDashboardData>();
        builder.Services.AddSingleton<QueueAudit>();
        return builder;
    }
}

/// <summary>
/// What every endpoint of the dashboard's API shares: administrators only (<see cref="AdministratorsApi"/>), no
/// caching of what it answers, and 404 for a <c>{queue}</c> that no job type of this service runs on. No route
/// prefix: each endpoint spells its whole route (<c>/api/admin/queues/...</c>), so a route is found by searching
/// for it, and the summaries' route has no trailing slash (a prefix plus an empty route would give one).
/// </summary>
public sealed class QueueDashboardApi : SubGroup<AdministratorsApi>
{
    public QueueDashboardApi()
    {
        Configure("", endpoint =>
        {
            endpoint.PreProcessor<NoStore>(Order.Before);
            endpoint.PreProcessor<QueueMustExist>(Order.Before);
        });
    }
}

/// <summary>
/// Answers 404 problem details, before the handler runs, when the route's <c>{queue}</c> is not a queue of this
/// service: the handlers only ever see a known queue.
/// </summary>
public sealed class QueueMustExist : IGlobalPreProcessor
{
    public const string RouteValue = "queue";

    public async Task PreProcessAsync(IPreProcessorContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        if (http.Request.RouteValues.TryGetValue(RouteValue, out var value) && value is string queue
            && !http.RequestServices.GetRequiredService<JobQueues>().Exists(queue))
        {
            await QueueProblems.UnknownQueue(queue).ExecuteAsync(http);
        }
    }
}

/// <summary>
/// <c>Cache-Control: no-store</c> on every answer, set before the handler (and before a validation failure
/// is written): job data must not stay in a browser's or a proxy's cache after the admin has gone.
/// </summary>
public sealed class NoStore : IGlobalPreProcessor
{
    public Task PreProcessAsync(IPreProcessorContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }
}
