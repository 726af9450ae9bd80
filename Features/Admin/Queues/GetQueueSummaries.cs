using FastEndpoints;
using MinimalBackend.Infrastructure.Logging;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record QueueSummariesResponse(IReadOnlyList<QueueSummary> Queues, int CountLimit);

/// <summary>
/// One queue at a glance. <c>counts</c> stop at <c>countLimit</c> (a count equal to it means at least that many);
/// <c>failedLast5Minutes</c> counts jobs whose latest failed attempt was in the window, each job once.
/// </summary>
public sealed record QueueSummary(
    string Name, bool Paused, DateTime? PausedAt, string? PausedBy, JobCounts Counts,
    long CompletedLast5Minutes, long FailedLast5Minutes, long? OldestWaitingAgeSeconds);

public sealed record JobCounts(long Waiting, long Active, long Completed, long Failed, long Dead);

/// <summary>Every queue's counts by state, its throughput and failures over the last 5 minutes, and its oldest waiting job's age.</summary>
public sealed class GetQueueSummariesEndpoint(QueueDashboardData queues) : EndpointWithoutRequest<QueueSummariesResponse>
{
    public override void Configure()
    {
        Get("/api/admin/queues");
        Group<QueueDashboardApi>();
        // The open page asks again every 5 s: logged at Debug unless it fails, like health probes.
        Options(x => x.WithMetadata(new RoutineRequest()));
        Summary(s => s.Summary = "Every job queue: counts by state, the last 5 minutes, the oldest waiting job (administrators only)");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var summaries = await queues.ReadQueuesAsync(ct);
        await Send.OkAsync(new QueueSummariesResponse(summaries, QueueDashboardData.CountLimit), ct);
    }
}
