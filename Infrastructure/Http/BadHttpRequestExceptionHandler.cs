using Microsoft.AspNetCore.Diagnostics;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// Kestrel signals a client's fault (a body over <c>Kestrel:Limits:MaxRequestBodySize</c>, a body that
/// ends early) by throwing <see cref="BadHttpRequestException"/> from the body read. That is a 4xx the
/// client caused, not a server error: answer with its status and do not log a stack trace.
/// </summary>
public sealed partial class BadHttpRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadHttpRequestExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        LogRejected(logger, badRequest.StatusCode, badRequest.Message);
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Detail = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is larger than this service accepts."
                    : "The request could not be read.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a request with {StatusCode}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int statusCode, string reason);
}
