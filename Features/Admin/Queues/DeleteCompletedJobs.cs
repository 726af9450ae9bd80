using FastEndpoints;
using FluentValidation;
using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record DeleteCompletedJobsRequest(string Queue, [property: QueryParam] int? OlderThanMinutes);

public sealed record DeletedJobsResponse(string Queue, int Deleted, int OlderThanMinutes);

public sealed class DeleteCompletedJobsValidator : Validator<DeleteCompletedJobsRequest>
{
    public const int MaxMinutes = 366 * 24 * 60;

    public DeleteCompletedJobsValidator()
    {
        RuleFor(x => x.OlderThanMinutes).NotNull().InclusiveBetween(0, MaxMinutes);
    }
}

/// <summary>
/// Deletes a queue's jobs that completed at least <c>olderThanMinutes</c> ago (0: all of them), before the
/// automatic pruning after <c>Jobs:CompletedRetention</c> would.
/// </summary>
public sealed class DeleteCompletedJobsEndpoint(QueueDashboardData queues, QueueAudit audit) : Endpoint<DeleteCompletedJobsRequest, DeletedJobsResponse>
{
    public override void Configure()
    {
        Delete("/api/admin/queues/{queue}/completed-jobs");
        Group<QueueDashboardApi>();
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "Delete a queue's completed jobs older than an age (administrators only)";
            s.Params[nameof(DeleteCompletedJobsRequest.OlderThanMinutes)] = $"Required: minutes since the job completed, 0 (every completed job) to {DeleteCompletedJobsValidator.MaxMinutes}";
        });
    }

    public override async Task HandleAsync(DeleteCompletedJobsRequest req, CancellationToken ct)
    {
        var minutes = req.OlderThanMinutes!.Value;
        var deleted = await queues.DeleteCompletedJobsAsync(req.Queue, TimeSpan.FromMinutes(minutes), ct);
        audit.CompletedJobsDeleted(User.SignedInUserId(), req.Queue, deleted, minutes);
        await Send.OkAsync(new DeletedJobsResponse(req.Queue, deleted, minutes), ct);
    }
}
