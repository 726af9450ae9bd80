using FastEndpoints;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record ResumeQueueRequest(string Queue);

/// <summary>Lets every instance claim the queue's jobs again, at once. Resuming a running queue changes nothing.</summary>
public sealed class ResumeQueueEndpoint(QueueDashboardData queues, QueueAudit audit) : Endpoint<ResumeQueueRequest, QueuePauseResponse>
{
    public override void Configure()
    {
        Post("/api/admin/queues/{queue}/resume");
        Group<QueueDashboardApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "Resume a paused queue (administrators only)");
    }

    public override async Task HandleAsync(ResumeQueueRequest req, CancellationToken ct)
    {
        var wasPaused = await queues.ResumeAsync(req.Queue, ct);
        audit.QueueResumed(User.SignedInUserId(), req.Queue, wasPaused);
        await Send.OkAsync(new QueuePauseResponse(req.Queue, false, null, null), ct);
    }
}
