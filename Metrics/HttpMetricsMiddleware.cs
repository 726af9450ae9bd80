using System.Diagnostics;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Metrics;

/// <summary>
/// Outermost middleware: it sees the status the client really got (an exception the exception handler
/// turns into a 500 is a 500 here, one that escapes it too) and stops the clock once the response is complete.
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, HttpRequestMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.CompleteAsync();
            }
        }
        catch
        {
            var status = context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
            metrics.Record(RouteTemplates.MatchedEndpoint(context), context.Request.Method, status, Stopwatch.GetElapsedTime(started));
            throw;
        }
        metrics.Record(RouteTemplates.MatchedEndpoint(context), context.Request.Method, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
    }
}
