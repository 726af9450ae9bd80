using FastEndpoints;
using FluentValidation;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Infrastructure.OpenApi;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record ListJobsRequest(string Queue, [property: ClosedSet(typeof(JobStates))] string State, int Page = 1, int PageSize = 20);

/// <summary>A page of jobs, newest first; <c>hasMore</c> says whether a next page has any.</summary>
public sealed record JobPageResponse(string Queue, [property: ClosedSet(typeof(JobStates))] string State, IReadOnlyList<JobListItem> Items, int Page, int PageSize, bool HasMore);

/// <summary>A job in a list: <c>lastError</c> is its first <see cref="ListJobsEndpoint.ErrorPreviewLength"/> characters (ending in … when cut); the job's detail has all of it.</summary>
public sealed record JobListItem(
    long Id, string Type, int Attempts, int MaxAttempts, DateTime CreatedAt, DateTime RunAt, DateTime? StartedAt, DateTime? FinishedAt, string? LastError);

public sealed class ListJobsValidator : Validator<ListJobsRequest>
{
    public const int MaxPageSize = 100;

    public ListJobsValidator()
    {
        RuleFor(x => x.State).Must(state => JobStates.All.Contains(state))
            .WithMessage($"'state' must be one of {string.Join(", ", JobStates.All)}.");
        RuleFor(x => x.Page).GreaterThanOrEqualTo(1);
        RuleFor(x => x.PageSize).InclusiveBetween(1, MaxPageSize);
    }
}

/// <summary>One queue's jobs in one state, newest first, a page at a time.</summary>
public sealed class ListJobsEndpoint(QueueAdministration queues) : Endpoint<ListJobsRequest, JobPageResponse>
{
    public const int ErrorPreviewLength = 300;

    public override void Configure()
    {
        Get("/api/admin/queues/{queue}/jobs");
        Group<QueueDashboardApi>();
        // The open page asks again every 5 s: logged at Debug unless it fails, like health probes.
        Options(x => x.WithMetadata(new RoutineRequest()));
        Description(d => d.ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s =>
        {
            s.Summary = "A queue's jobs in one state, newest first, paged (administrators only)";
            s.Params[nameof(ListJobsRequest.State)] = string.Join(", ", JobStates.All);
            s.Params[nameof(ListJobsRequest.Page)] = "1-based page number";
            s.Params[nameof(ListJobsRequest.PageSize)] = $"Jobs per page, 1 to {ListJobsValidator.MaxPageSize}";
        });
    }

    public override async Task HandleAsync(ListJobsRequest req, CancellationToken ct)
    {
        // One more than the page, to learn whether another page follows without counting them all.
        var jobs = await queues.ListJobsAsync(req.Queue, req.State, (req.Page - 1L) * req.PageSize, req.PageSize + 1, ErrorPreviewLength + 1, ct);
        var items = jobs.Take(req.PageSize).Select(job => new JobListItem(
            job.Id, job.Type, job.Attempts, job.MaxAttempts, job.CreatedAt, job.RunAt, job.StartedAt, job.FinishedAt,
            JobSecrets.MaskText(Preview(job.LastError)))).ToList();
        await Send.OkAsync(new JobPageResponse(req.Queue, req.State, items, req.Page, req.PageSize, jobs.Count > req.PageSize), ct);
    }

    private static string? Preview(string? error) =>
        error is { Length: > ErrorPreviewLength } ? string.Concat(error.AsSpan(0, ErrorPreviewLength), "…") : error;
}
