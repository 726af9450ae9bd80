using System.Collections.Concurrent;
using System.Collections.Frozen;
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
/// the query string (SignalR sends its token there) is never logged. A request that failed (5xx) also gets its path,
/// to tell which resource failed; ASP.NET Core's request scope, which would add the path to every event, is off
/// (<see cref="LoggingModule.AspNetCoreRequestScope"/>).
/// </summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger logger)
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms");

    // These four, RequestPath for a failed request, and the SourceContext the logger adds.
    private const int PropertyCount = 6;

    // The values an event shares with the others (ScalarValue is immutable): the common methods, every status code,
    // each route template (a closed set: RouteTemplates names endpoints, never paths). A method outside the common
    // ones (any client can send one) gets a value of its own, so nothing a client sends grows these.
    private static readonly FrozenDictionary<string, ScalarValue> MethodValues = new[]
    {
        HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Options,
    }.ToFrozenDictionary(method => method, method => new ScalarValue(method));

    private static readonly ScalarValue[] StatusValues = [.. Enumerable.Range(100, 500).Select(status => new ScalarValue(status))];

    private static readonly ConcurrentDictionary<string, ScalarValue> RouteTemplateValues = new();

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

    private static ScalarValue MethodValue(string method) =>
        MethodValues.TryGetValue(method, out var value) ? value : new ScalarValue(method);

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
        // The event's dictionary made here at its final size and handed over as it is: the constructor that takes a
        // list of properties copies them into one it grows on the way.
        var properties = new Dictionary<string, LogEventPropertyValue>(PropertyCount)
        {
            ["RequestMethod"] = MethodValue(context.Request.Method),
            ["RouteTemplate"] = RouteTemplateValues.GetOrAdd(RouteTemplates.Of(endpoint), static template => new ScalarValue(template)),
            ["StatusCode"] = status is >= 100 and < 600 ? StatusValues[status - 100] : new ScalarValue(status),
            ["Elapsed"] = new ScalarValue(elapsed),
        };
        if (level == LogEventLevel.Error)
        {
            properties["RequestPath"] = new ScalarValue(context.Request.Path.Value);
        }
        _logger.Write(LogEvent.UnstableAssembleFromParts(
            DateTimeOffset.Now, level, exception, Template, properties, activity?.TraceId ?? default, activity?.SpanId ?? default));
        return false;
    }
}

/// <summary>
/// Endpoint metadata for requests machines make every few seconds (health probes, metric scrapes):
/// logged at Debug unless they fail, so they do not drown the requests people make.
/// </summary>
public sealed class RoutineRequest;
