using MinimalBackend.Infrastructure.Http;
using Serilog;
using Serilog.Events;

namespace MinimalBackend.Infrastructure.Logging;

/// <summary>
/// Serilog configured from the <c>Serilog</c> section (sinks, levels, formatters), and one event per
/// request with method, route template, status, elapsed milliseconds and trace id.
/// </summary>
public static class LoggingModule
{
    public static WebApplicationBuilder AddSerilogLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // The route template, not the path: ids and query strings (SignalR sends its token there) stay out of the log.
            options.MessageTemplate = "HTTP {RequestMethod:l} {RouteTemplate:l} responded {StatusCode} in {Elapsed:0.0} ms";
            options.IncludeQueryInRequestPath = false;
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
                : RouteTemplates.MatchedEndpoint(context)?.Metadata.GetMetadata<RoutineRequest>() is not null ? LogEventLevel.Debug
                : LogEventLevel.Information;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RouteTemplate", RouteTemplates.Resolve(context));
            };
        });
        return app;
    }
}

/// <summary>
/// Endpoint metadata for requests machines make every few seconds (health probes, metric scrapes):
/// logged at Debug unless they fail, so they do not drown the requests people make.
/// </summary>
public sealed class RoutineRequest;
