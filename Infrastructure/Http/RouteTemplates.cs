using System.Collections.Concurrent;
using Microsoft.AspNetCore.Diagnostics;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// The route template a request matched (<c>/api/users/{id}</c>), never its raw path, so metrics and logs
/// stay bounded however many distinct URLs clients send.
/// </summary>
public static class RouteTemplates
{
    public const string Unmatched = "unmatched";

    private static readonly ConcurrentDictionary<Endpoint, string> Templates = new();

    /// <summary>The endpoint that served the request; the exception handler clears it, but keeps a copy.</summary>
    public static Endpoint? MatchedEndpoint(HttpContext context) =>
        context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;

    public static string Resolve(HttpContext context) => Of(MatchedEndpoint(context));

    public static string Of(Endpoint? endpoint) =>
        endpoint is RouteEndpoint route ? Templates.GetOrAdd(route, static e => Normalize(((RouteEndpoint)e).RoutePattern.RawText)) : Unmatched;

    private static string Normalize(string? rawText) =>
        string.IsNullOrEmpty(rawText) ? "/" : rawText[0] == '/' ? rawText : "/" + rawText;
}
