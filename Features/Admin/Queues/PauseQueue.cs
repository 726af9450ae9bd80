using FastEndpoints;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record PauseQueueRequest(string Queue);

/// <summary>A queue's pause: who paused it and when, or nothing when it runs.</summary>
public sealed record QueuePauseResponse(string Queue, bool Paused, DateTime? PausedAt, string? PausedBy);

/// <summary>
/// Stops every instance from claiming the queue's jobs (running ones finish; enqueues go on and wait). Pausing
/// a paused queue changes nothing and answers the same, with the first pause's time and admin.
/// </summary>
public sealed class PauseQueueEndpoint(QueueDashboardData queues, QueueAudit audit) : Endpoint<PauseQueueRequest, QueuePauseResponse>
{
    public override void Configure()
    {
        Post("/api/admin/queues/{queue}/pause");
        Group<QueueDashboardApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "Pause a queue on every instance (administrators only)");
    }

    public override async Task HandleAsync(PauseQueueRequest req, CancellationToken ct)
    {
        var adminId = User.SignedInUserId();
        var (pause, paused) = await queues.PauseAsync(req.Queue, adminId?.ToString() ?? "unknown", ct);
        audit.QueuePaused(adminId, req.Queue, alreadyPaused: !paused);
        await Send.OkAsync(new QueuePauseResponse(req.Queue, true, pause.PausedAt, pause.PausedBy), ct);
    }
}
