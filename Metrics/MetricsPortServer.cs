using Microsoft.Extensions.Options;
using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// With <c>MetricsEndpoint:Port</c> set, a second, minimal Kestrel server in the process that serves
/// <c>/metrics</c> and nothing else. It starts and stops with the service, so a port that is taken stops
/// startup with Kestrel's error. prometheus-net's KestrelMetricServer would do the serving, but it has no
/// place for the scrape credentials, which this server checks exactly as the service's port does.
/// </summary>
internal sealed partial class MetricsPortServer(IOptions<MetricsEndpointOptions> options, CollectorRegistry registry, ILoggerFactory loggerFactory, ILogger<MetricsPortServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Port is not { } port)
        {
            return;
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.WebHost.UseUrls($"http://{settings.Host}:{port}");
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggerFactory);
        _server = builder.Build();
        _server.MapScrapeEndpoint(settings, registry);
        await _server.StartAsync(cancellationToken);
        LogServing(logger, settings.Host, port);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving /metrics on http://{Host}:{Port}/metrics, not on the service's port")]
    private static partial void LogServing(ILogger logger, string host, int port);
}
