using FastEndpoints;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record RetryDeadJobsRequest(string Queue);

public sealed record RetriedJobsResponse(string Queue, int Retried);

/// <summary>Runs every dead job of a queue again now, each with a fresh set of attempts.</summary>
public sealed class RetryDeadJobsEndpoint(QueueDashboardData queues, QueueAudit audit) : Endpoint<RetryDeadJobsRequest, RetriedJobsResponse>
{
    public override void Configure()
    {
        Post("/api/admin/queues/{queue}/retry-dead");
        Group<QueueDashboardApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "Retry every dead job of a queue (administrators only)");
    }

    public override async Task HandleAsync(RetryDeadJobsRequest req, CancellationToken ct)
    {
        var retried = await queues.RetryDeadJobsAsync(req.Queue, ct);
        audit.DeadJobsRetried(User.SignedInUserId(), req.Queue, retried);
        await Send.OkAsync(new RetriedJobsResponse(req.Queue, retried), ct);
    }
}
