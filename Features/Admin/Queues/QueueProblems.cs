namespace MinimalBackend.Features.Admin.Queues;

/// <summary>The dashboard API's own problem details (RFC 9457); validation failures come from the validators.</summary>
public static class QueueProblems
{
    public static IResult UnknownQueue(string queue) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Queue not found", detail: $"No job type of this service runs on a queue named '{queue}'.");

    public static IResult UnknownJob(string queue, long id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Job not found", detail: $"Queue '{queue}' has no job {id}.");
}
