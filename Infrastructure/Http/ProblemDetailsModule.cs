using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// Every error leaves the service as RFC 9457 problem details (<c>application/problem+json</c>):
/// unhandled exceptions (500, with a trace id and no exception text outside Development), requests
/// Kestrel rejects (413 and friends), load the service sheds on purpose (503 with Retry-After), and empty
/// 4xx/5xx responses such as unknown routes (404) or the authentication middleware's 401 and 403, and the 400 for
/// a <c>Host</c> that <c>AllowedHosts</c> does not list, whatever the request's <c>Accept</c> header names.
/// </summary>
public static class ProblemDetailsModule
{
    // WebApplication's defaults run ASP.NET Core's host filtering from this startup filter (an internal type), ahead
    // of every middleware, where a refused Host gets an HTML page of its own: no problem details, log line or metric.
    private const string HostFilteringStartupFilter = "Microsoft.AspNetCore.HostFilteringStartupFilter";

    public static WebApplicationBuilder AddProblemDetailsForAllErrors(this WebApplicationBuilder builder)
    {
        // Kestrel reads only its endpoints from the Kestrel section; the limits (MaxRequestBodySize, the
        // 413 below) and the other server options apply only when the section is bound explicitly.
        builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        builder.Services.AddProblemDetails();
        // After ASP.NET Core's writer, which keeps every request that accepts JSON.
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemDetailsForAnyAccept>();
        builder.Services.AddExceptionHandler<BadHttpRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<ServiceBusyExceptionHandler>();
        // Host filtering moves inside the pipeline (UseProblemDetailsForAllErrors), where its 400 is left empty for
        // the status code pages to fill. The defaults still read AllowedHosts into HostFilteringOptions.
        var hostFiltering = builder.Services.SingleOrDefault(service =>
            service.ServiceType == typeof(IStartupFilter) && service.ImplementationType?.FullName == HostFilteringStartupFilter)
            ?? throw new InvalidOperationException($"ASP.NET Core no longer registers {HostFilteringStartupFilter}: see where AllowedHosts is applied now.");
        builder.Services.Remove(hostFiltering);
        builder.Services.PostConfigure<HostFilteringOptions>(options => options.IncludeFailureMessage = false);
        return builder;
    }

    public static WebApplication UseProblemDetailsForAllErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHostFiltering();
        return app;
    }
}
