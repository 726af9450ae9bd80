using System.Reflection;
using FastEndpoints;
using MinimalBackend.Infrastructure.OpenApi;

[assembly: ApiTag("Info", "Which build of the service answers.")]

namespace MinimalBackend.Features.ServiceInfo;

public sealed record ServiceInfoResponse(string Service, string Version, string Environment);

/// <summary>Which build of the service a client is talking to. No I/O: also the benchmarks' cheap endpoint.</summary>
public sealed class GetServiceInfoEndpoint(IHostEnvironment environment) : EndpointWithoutRequest<ServiceInfoResponse>
{
    private static readonly string BuildVersion =
        typeof(GetServiceInfoEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override void Configure()
    {
        Get("/api/info");
        AllowAnonymous();
        Summary(s => s.Summary = "Name, version and environment of the running service");
    }

    public override Task HandleAsync(CancellationToken ct) =>
        Send.OkAsync(new ServiceInfoResponse("MinimalBackend", BuildVersion, environment.EnvironmentName), ct);
}
