using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MinimalBackend.Infrastructure.Tracing;

/// <summary>
/// OpenTelemetry tracing, configured by the standard <c>OTEL_*</c> variables
/// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): spans of every request,
/// outgoing HTTP call and SQL command made for one, and the service's own (<see cref="ServiceTraces"/>), sent by
/// OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. With no endpoint and no <c>OTEL_TRACES_SAMPLER</c> nothing would be
/// recorded or sent, so the OpenTelemetry SDK is not registered at all (<see cref="TraceIdsOnly"/>): each request and
/// job still gets a trace id for its logs and its <see cref="TraceIdHeader"/>, at the cost of one Activity.
/// </summary>
public static class TracingModule
{
    /// <summary>The response header that names the request's trace, so a client's bug report leads to its logs and trace.</summary>
    public const string TraceIdHeader = "X-Trace-Id";

    public const string DefaultServiceName = "minimal-backend";

    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder)
    {
        // Decided on the builder's configuration (environment variables, appsettings, a test host's settings): an
        // SDK registered with an always_off sampler still ran its instrumentations' per-request work.
        if (!IsRecording(builder.Configuration))
        {
            builder.Services.AddHostedService<TraceIdsOnly>();
            return builder;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddDetector(services => new ServiceResource(services.GetRequiredService<IConfiguration>())))
            .WithTracing(tracing => tracing
                .AddSource(ServiceTraces.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsRoutine(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                // Endpoint, protocol (grpc, or http/protobuf), headers and timeout from OTEL_EXPORTER_OTLP_*.
                .AddOtlpExporter());
        return builder;
    }

    /// <summary>Spans are recorded when they have somewhere to go (an OTLP endpoint) or the operator chose a sampler.</summary>
    private static bool IsRecording(IConfiguration configuration) =>
        IsSet(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || IsSet(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        || IsSet(configuration, "OTEL_TRACES_SAMPLER");

    /// <summary>
    /// Traces SQL only inside a trace: the job claims, lease renewals and housekeeping every instance runs every
    /// second would otherwise each be a trace of their own.
    /// </summary>
    public static NpgsqlDataSourceBuilder TraceCommandsInsideTraces(this NpgsqlDataSourceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null)
            .EnablePhysicalOpenTracing(false));
        return builder;
    }

    /// <summary>Sets <see cref="TraceIdHeader"/> on every response, errors included (the exception handler clears headers set earlier).</summary>
    public static WebApplication UseTraceIdHeader(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                if (http.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
                {
                    http.Response.Headers[TraceIdHeader] = activity.TraceId.ToHexString();
                }
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        return app;
    }

    // Scrapes and probes come every few seconds from machines: a trace each would bury the requests people make.
    private static bool IsRoutine(PathString path) =>
        path.StartsWithSegments("/metrics", StringComparison.Ordinal) || path.StartsWithSegments("/health", StringComparison.Ordinal);

    /// <summary>
    /// Without the SDK: a listener that asks for propagation-only Activities (ids, no data, nothing exported) of
    /// requests and of the service's own spans, so a request has a trace id whatever its log levels, and a job run
    /// continues the trace id of the request that enqueued it. Listeners are process-wide, so it is removed on stop.
    /// </summary>
    private sealed class TraceIdsOnly : IHostedService, IDisposable
    {
        private readonly ActivityListener _listener = new()
        {
            ShouldListenTo = static source => source.Name is ServiceTraces.SourceName or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };

        public Task StartAsync(CancellationToken cancellationToken)
        {
            ActivitySource.AddActivityListener(_listener);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _listener.Dispose();
            return Task.CompletedTask;
        }

        public void Dispose() => _listener.Dispose();
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    /// <summary>
    /// service.name from OTEL_SERVICE_NAME (else <see cref="DefaultServiceName"/>) and service.version from the build.
    /// Added last, so it wins over the SDK's <c>unknown_service</c> default; read from the final configuration.
    /// </summary>
    private sealed class ServiceResource(IConfiguration configuration) : IResourceDetector
    {
        public Resource Detect() => new(new Dictionary<string, object>
        {
            ["service.name"] = IsSet(configuration, "OTEL_SERVICE_NAME") ? configuration["OTEL_SERVICE_NAME"]! : DefaultServiceName,
            ["service.version"] = BuildInfo.Version,
        });
    }
}
