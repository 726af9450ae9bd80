using Microsoft.AspNetCore.Cors;
using Microsoft.Extensions.Options;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>Bound from the <c>Cors</c> section: which web apps on other origins may call the API from a browser.</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, exactly as browsers send them) whose pages may call the API. Empty: no
    /// response carries CORS headers, so browsers let only pages of the service's own origin read its answers.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Response headers a page's script may read besides the CORS-safelisted ones. Configured values are added to
    /// these: <c>Location</c> (where a created resource is), <c>Retry-After</c> (on 429 and 503).
    /// </summary>
    public string[] ExposedHeaders { get; set; } = ["Location", "Retry-After"];

    /// <summary>How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours, Firefox at 24).</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Cross-origin requests (CORS) for browser apps served from another origin, with ASP.NET Core's CORS middleware.
/// No credentials mode: clients send their access token in the Authorization header (and the hub's in the
/// <c>access_token</c> query), never in cookies, so a browser has no ambient credential to include, and a
/// response that allowed credentials would only widen what a listed origin's page could do with some future cookie.
/// </summary>
public static class CrossOrigin
{
    public static WebApplicationBuilder AddCrossOriginRequests(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.SectionName)
            .Validate(o => o.AllowedOrigins.All(IsOrigin),
                "Cors:AllowedOrigins must hold origins such as https://app.example.com (scheme, host and port only; no path, no '*').")
            .Validate(o => o.PreflightMaxAge >= TimeSpan.Zero, "Cors:PreflightMaxAge must not be negative.")
            .ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CrossOriginOptions>>((cors, crossOrigin) => cors.AddDefaultPolicy(policy =>
            {
                var settings = crossOrigin.Value;
                policy.WithOrigins(settings.AllowedOrigins)
                    .AllowAnyMethod()
                    // The typed clients send Content-Type and Authorization, SignalR's X-Requested-With and
                    // X-SignalR-User-Agent, writers Idempotency-Key: any header, since none of them is a credential here.
                    .AllowAnyHeader()
                    .WithExposedHeaders(settings.ExposedHeaders.Distinct(StringComparer.OrdinalIgnoreCase).ToArray())
                    .SetPreflightMaxAge(settings.PreflightMaxAge);
            }));
        return builder;
    }

    /// <summary>
    /// Answers preflights (204, with the CORS headers only for an allowed origin) before authentication, so a
    /// preflight never needs a token; inside the metrics and the request log, so it is counted and logged.
    /// </summary>
    public static WebApplication UseCrossOriginRequests(this WebApplication app)
    {
        app.UseCors();
        return app;
    }

    /// <summary>
    /// Marks an endpoint as taking part in CORS. Routing then matches a preflight (<c>OPTIONS</c> with
    /// <c>Access-Control-Request-Method</c>) to the endpoint itself instead of to a 405, so it is counted under the
    /// endpoint's route template, and the CORS middleware answers it without running the endpoint.
    /// </summary>
    public static TBuilder AcceptCrossOriginRequests<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EnableCorsAttribute());

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.AbsolutePath == "/" && !value.EndsWith('/') && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);
}
