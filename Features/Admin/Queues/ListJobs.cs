using System.Globalization;
using FastEndpoints;
using FluentValidation;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Infrastructure.OpenApi;

namespace MinimalBackend.Features.Admin.Queues;

public sealed record ListJobsRequest(string Queue, [property: ClosedSet(typeof(JobStates))] string State, int PageSize = Paging.DefaultPageSize, string? Cursor = null);

/// <summary>A page of jobs, newest first (the shared list envelope), and the queue and state it lists.</summary>
public sealed record JobPageResponse(IReadOnlyList<JobListItem> Items, string? NextCursor, string Queue, [property: ClosedSet(typeof(JobStates))] string State)
    : ListPage<JobListItem>(Items, NextCursor);

/// <summary>A job in a list: <c>lastError</c> is its first <see cref="ListJobsEndpoint.ErrorPreviewLength"/> characters (ending in … when cut); the job's detail has all of it.</summary>
public sealed record JobListItem(
    long Id, string Type, int Attempts, int MaxAttempts, DateTime CreatedAt, DateTime RunAt, DateTime? StartedAt, DateTime? FinishedAt, string? LastError);

public sealed class ListJobsValidator : Validator<ListJobsRequest>
{
    public ListJobsValidator()
    {
        RuleFor(x => x.State).Must(state => JobStates.All.Contains(state))
            .WithMessage($"'state' must be one of {string.Join(", ", JobStates.All)}.");
        RuleFor(x => x.PageSize).ValidPageSize();
        RuleFor(x => x.Cursor).Must(cursor => cursor is null || long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .WithMessage("'cursor' is not a nextCursor this list gave.");
    }
}

/// <summary>One queue's jobs in one state, newest first, a page at a time.</summary>
public sealed class ListJobsEndpoint(QueueDashboardData queues) : Endpoint<ListJobsRequest, JobPageResponse>
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
            s.Params[nameof(ListJobsRequest.PageSize)] = Paging.PageSizeDescription;
            s.Params[nameof(ListJobsRequest.Cursor)] = Paging.CursorDescription;
        });
    }

    public override async Task HandleAsync(ListJobsRequest req, CancellationToken ct)
    {
        // One more than the page, to learn whether another page follows without counting them all.
        var after = req.Cursor is null ? (long?)null : long.Parse(req.Cursor, CultureInfo.InvariantCulture);
        var jobs = await queues.ListJobsAsync(req.Queue, req.State, after, req.PageSize + 1, ErrorPreviewLength + 1, ct);
        var (items, next) = Paging.Cut(
            jobs.Select(job => job with { LastError = JobSecrets.MaskText(Preview(job.LastError)) }).ToList(),
            req.PageSize, job => job.Id.ToString(CultureInfo.InvariantCulture));
        await Send.OkAsync(new JobPageResponse(items, next, req.Queue, req.State), ct);
    }

    private static string? Preview(string? error) =>
        error is { Length: > ErrorPreviewLength } ? string.Concat(error.AsSpan(0, ErrorPreviewLength), "…") : error;
}
