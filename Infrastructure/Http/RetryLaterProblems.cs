using System.Globalization;
using System.Threading.RateLimiting;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// 429 (the client sent too many requests, RFC 6585) and 503 (the service is overloaded) as problem details,
/// with <c>Retry-After</c> in whole seconds (RFC 9110, section 10.2.3) so clients know when to try again.
/// </summary>
public static class RetryLaterProblems
{
    public static IResult TooManyRequests(HttpContext context, TimeSpan? retryAfter) =>
        Create(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            "This client has sent too many requests of this kind; try again after the time in Retry-After.", retryAfter,
            // ASP.NET Core's problem details name a type for the RFC 9110 statuses only; 429 is RFC 6585's.
            type: "https://tools.ietf.org/html/rfc6585#section-4");

    public static IResult Create(HttpContext context, int statusCode, string title, string detail, TimeSpan? retryAfter, string? type = null)
    {
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return TypedResults.Problem(statusCode: statusCode, title: title, detail: detail, type: type);
    }

    /// <summary>When a rejected lease says the client may try again.</summary>
    public static TimeSpan? RetryAfter(this RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : null;
}

/// <summary>Thrown where the service sheds load on purpose; <see cref="ServiceBusyExceptionHandler"/> answers 503.</summary>
public sealed class ServiceBusyException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

public sealed partial class ServiceBusyExceptionHandler(ILogger<ServiceBusyExceptionHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not ServiceBusyException busy)
        {
            return false;
        }
        LogShed(logger, busy.Message);
        await RetryLaterProblems.Create(httpContext, StatusCodes.Status503ServiceUnavailable, "Service busy", busy.Message, busy.RetryAfter)
            .ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shed a request with 503: {Reason}")]
    private static partial void LogShed(ILogger logger, string reason);
}
