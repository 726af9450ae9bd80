using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MinimalBackend.Infrastructure.Logging;

namespace MinimalBackend.Infrastructure.Health;

/// <summary>
/// <c>/health/live</c>: the process answers (no dependency is checked, so a database outage never
/// gets the process restarted). <c>/health/ready</c>: every check tagged <see cref="ReadyTag"/> passes.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteReportAsync,
        }).WithMetadata(new RoutineRequest(), new HealthProbe());
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReportAsync,
        }).WithMetadata(new RoutineRequest(), new HealthProbe());
        return endpoints;
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        var checks = report.Entries.ToDictionary(e => e.Key, e => new HealthCheckEntry(e.Value.Status.ToString(), e.Value.Description));
        if (report.Status == HealthStatus.Healthy)
        {
            return TypedResults.Json(new HealthResponse(report.Status.ToString(), checks)).ExecuteAsync(context);
        }

        var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}");
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Service not ready",
            detail: string.Join("; ", failing),
            extensions: new Dictionary<string, object?> { ["checks"] = checks }).ExecuteAsync(context);
    }

    private sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthCheckEntry> Checks);

    private sealed record HealthCheckEntry(string Status, string? Description);
}

/// <summary>
/// Endpoint metadata marking a liveness or readiness probe: what a load balancer or orchestrator asks every few
/// seconds, not a client's request, so the HTTP request metrics leave it out (README, Metrics).
/// </summary>
public sealed class HealthProbe;
