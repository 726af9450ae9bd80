using FastEndpoints;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record RetryJobRequest(string Queue, long Id);

public sealed record RetriedJobResponse(long Id, string Queue, [property: ClosedSet(typeof(JobStates))] string StateBefore, [property: ClosedSet(typeof(JobStates))] string State);

/// <summary>
/// Runs a failed or dead job again now, with a fresh set of attempts; 409 for a job in any other state
/// (waiting and active jobs run anyway, completed ones ran).
/// </summary>
public sealed class RetryJobEndpoint(QueueDashboardData queues, QueueAudit audit) : Endpoint<RetryJobRequest, RetriedJobResponse>
{
    public override void Configure()
    {
        Post("/api/admin/queues/{queue}/jobs/{id}/retry");
        Group<QueueDashboardApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict));
        Summary(s =>
        {
            s.Summary = "Retry a failed or dead job now, with a fresh set of attempts (administrators only)";
            s.Responses[StatusCodes.Status409Conflict] = "The job is waiting, active or completed; the problem's state says which";
        });
    }

    public override async Task HandleAsync(RetryJobRequest req, CancellationToken ct)
    {
        var result = await queues.RetryJobAsync(req.Queue, req.Id, ct);
        if (!result.Retried)
        {
            audit.JobRetryRefused(User.SignedInUserId(), req.Queue, req.Id, result.StateBefore);
            await Send.ResultAsync(result.StateBefore is null
                ? QueueProblems.UnknownJob(req.Queue, req.Id)
                : TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Job cannot be retried",
                    detail: $"The job is {result.StateBefore}: only failed and dead jobs can be retried.",
                    extensions: new Dictionary<string, object?> { ["state"] = result.StateBefore }));
            return;
        }
        audit.JobRetried(User.SignedInUserId(), req.Queue, req.Id, result.StateBefore!);
        await Send.OkAsync(new RetriedJobResponse(req.Id, req.Queue, result.StateBefore!, JobStates.Waiting), ct);
    }
}
