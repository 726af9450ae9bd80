using System.Text.Json;
using FastEndpoints;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Infrastructure.OpenApi;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record GetJobRequest(string Queue, long Id);

/// <summary>Everything about a job; secrets in its payload and error are masked (<see cref="JobSecrets"/>).</summary>
public sealed record JobDetailsResponse(
    long Id, string Queue, string Type, [property: ClosedSet(typeof(JobStates))] string State, int Attempts, int MaxAttempts, JsonElement Payload,
    DateTime CreatedAt, DateTime RunAt, DateTime? StartedAt, DateTime? FinishedAt, DateTime? LastFailedAt,
    string? LeaseOwner, DateTime? LeaseExpiresAt, string? LastError);

/// <summary>One job of a queue with its payload and whole last error; 404 when the queue has no such job.</summary>
public sealed class GetJobEndpoint(QueueDashboardData queues) : Endpoint<GetJobRequest, JobDetailsResponse>
{
    public override void Configure()
    {
        Get("/api/admin/queues/{queue}/jobs/{id}");
        Group<QueueDashboardApi>();
        // The open page asks again every 5 s: logged at Debug unless it fails, like health probes.
        Options(x => x.WithMetadata(new RoutineRequest()));
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "A job with its payload (secrets masked) and its whole last error (administrators only)");
    }

    public override async Task HandleAsync(GetJobRequest req, CancellationToken ct)
    {
        var job = await queues.FindJobAsync(req.Queue, req.Id, ct);
        if (job is null)
        {
            await Send.ResultAsync(QueueProblems.UnknownJob(req.Queue, req.Id));
            return;
        }
        await Send.OkAsync(new JobDetailsResponse(
            job.Id, job.Queue, job.Type, job.State, job.Attempts, job.MaxAttempts, JsonSerializer.SerializeToElement(JobSecrets.MaskPayload(job.Payload)),
            job.CreatedAt, job.RunAt, job.StartedAt, job.FinishedAt, job.LastFailedAt, job.LeaseOwner, job.LeaseExpiresAt,
            JobSecrets.MaskText(job.LastError)), ct);
    }
}
