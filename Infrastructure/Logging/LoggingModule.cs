using Serilog;

namespace MinimalBackend.Infrastructure.Logging;

/// <summary>
/// Serilog configured from the <c>Serilog</c> section (sinks, levels, formatters), and one event per
/// request with method, route template, status, elapsed milliseconds and trace id.
/// </summary>
public static class LoggingModule
{
    public static WebApplicationBuilder AddSerilogLogging(this WebApplicationBuilder builder)
    {
        // Enrichers come from the section too ("Enrich": ["FromLogContext"] in appsettings.json): adding FromLogContext
        // here as well ran it twice for every event, and each run reads ASP.NET Core's request and connection scopes
        // (RequestId, RequestPath, ConnectionId) into new properties again, only for the second to find them there.
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services),
            // The logger is the host's, disposed with it; Serilog's static Log is not set, so two hosts in one
            // process (the tests run many at once) never write to, or close, each other's logger.
            preserveStaticLogger: true);
        return builder;
    }

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLoggingMiddleware>();
        return app;
    }
}
