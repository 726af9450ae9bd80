using Microsoft.AspNetCore.Diagnostics;
using MinimalBackend.Infrastructure.Database;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// A request that failed because PostgreSQL is unavailable (down, restarting, refusing connections, or no pooled
/// connection freed within <c>Database:PoolTimeout</c>) answers 503 problem details with <c>Retry-After</c>: the
/// request was fine, the service cannot serve it now. Any other database error stays a 500.
/// Registered by <see cref="DatabaseModule.AddDatabase"/>, beside the other exception handlers of the pipeline.
/// </summary>
public sealed partial class DatabaseUnavailableExceptionHandler(ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>
    /// A restart of PostgreSQL takes a few seconds, and a pool drains as fast as its slowest statements; clients
    /// that come back after this see it served, or wait the same again.
    /// </summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseUnavailability.IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        LogUnavailable(logger, httpContext.Request.Method, exception.Message);
        await RetryLaterProblems.Create(httpContext, StatusCodes.Status503ServiceUnavailable, "Database unavailable",
                "The database cannot serve this request right now; try again after the time in Retry-After.", RetryAfter)
            .ExecuteAsync(httpContext);
        return true;
    }

    // One line, no stack trace: an outage fails every request alike, and the trace says nothing the message does not.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered a {Method} request with 503: the database is unavailable ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string method, string reason);
}
