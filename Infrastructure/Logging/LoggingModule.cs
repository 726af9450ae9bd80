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
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLoggingMiddleware>();
        return app;
    }
}
