using System.Diagnostics;
using MinimalBackend.Infrastructure.Http;
using Serilog.Events;
using Serilog.Parsing;
using ILogger = Serilog.ILogger;

namespace MinimalBackend.Infrastructure.Logging;

/// <summary>
/// One event per request: method, route template, status, elapsed milliseconds and the request's trace
/// and span ids. Serilog's own request logging (UseSerilogRequestLogging) writes the same event, but per
/// request it also starts a diagnostic-context collection, creates a logger and concatenates the
/// properties through LINQ; on the HTTP benchmark that cost more than the event itself, so the event is
/// built here directly. The message names the route template, not the path, so events group by endpoint;
/// the query string (SignalR sends its token there) is never logged.
/// </summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger logger)
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms");

    // Created once, so level overrides for this class's name apply and no logger is made per request.
    private readonly ILogger _logger = logger.ForContext<RequestLoggingMiddleware>();

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (Exception exception) when (Write(context, StatusCodes.Status500InternalServerError, started, exception))
        {
            // Never entered: Write returns false, so the exception travels on to the handlers outside
            // this middleware, logged while its stack is still intact.
        }
        Write(context, context.Response.StatusCode, started, exception: null);
    }

    private bool Write(HttpContext context, int status, long started, Exception? exception)
    {
        var endpoint = RouteTemplates.MatchedEndpoint(context);
        var level = exception is not null || status >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
            : endpoint?.Metadata.GetMetadata<RoutineRequest>() is not null ? LogEventLevel.Debug
            : LogEventLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return false;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var activity = Activity.Current;
        _logger.Write(new LogEvent(
            DateTimeOffset.Now,
            level,
            exception,
            Template,
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RouteTemplate", new ScalarValue(RouteTemplates.Of(endpoint))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ],
            activity?.TraceId ?? default,
            activity?.SpanId ?? default));
        return false;
    }
}

/// <summary>
/// Endpoint metadata for requests machines make every few seconds (health probes, metric scrapes):
/// logged at Debug unless they fail, so they do not drown the requests people make.
/// </summary>
public sealed class RoutineRequest;
