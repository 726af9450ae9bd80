using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing.Template;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// The route template a request matched (<c>/api/users/{id}</c>), never its raw path, so metrics and logs
/// stay bounded however many distinct URLs clients send.
/// </summary>
public static class RouteTemplates
{
    public const string Unmatched = "unmatched";

    private static readonly ConcurrentDictionary<Endpoint, string> Templates = new();

    private static readonly ConditionalWeakTable<EndpointDataSource, PathMatchers> Matchers = new();

    /// <summary>
    /// The endpoint that served the request; the exception handler clears it, but keeps a copy. When routing
    /// rejected a known path for its method (405) or content type (415), it served the request with an endpoint
    /// of its own that has no template: the route whose template the path matches is named instead, so the
    /// request counts under <c>/api/auth/login</c>, not <c>unmatched</c>. Only those rare responses pay for the lookup.
    /// </summary>
    public static Endpoint? MatchedEndpoint(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        if (endpoint is RouteEndpoint || context.Response.StatusCode is not (StatusCodes.Status405MethodNotAllowed or StatusCodes.Status415UnsupportedMediaType))
        {
            return endpoint;
        }
        return context.RequestServices.GetService<EndpointDataSource>() is { } source
            ? Matchers.GetValue(source, static s => new PathMatchers(s)).Find(context.Request.Path) ?? endpoint
            : endpoint;
    }

    public static string Resolve(HttpContext context) => Of(MatchedEndpoint(context));

    public static string Of(Endpoint? endpoint) =>
        endpoint is RouteEndpoint route ? Templates.GetOrAdd(route, static e => Normalize(((RouteEndpoint)e).RoutePattern.RawText)) : Unmatched;

    private static string Normalize(string? rawText) =>
        string.IsNullOrEmpty(rawText) ? "/" : rawText[0] == '/' ? rawText : "/" + rawText;

    /// <summary>Every route endpoint's template as a matcher of paths, method and content type aside; built on first use.</summary>
    private sealed class PathMatchers(EndpointDataSource source)
    {
        // Most specific first, as routing chooses: /api/users/me before /api/users/{id}.
        private readonly Lazy<(RouteEndpoint Endpoint, TemplateMatcher Matcher)[]> _matchers = new(() => [.. source.Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Template: TemplateParser.Parse(e.RoutePattern.RawText ?? "/")))
            .OrderBy(e => e.Endpoint.Order)
            .ThenBy(e => RoutePrecedence.ComputeInbound(e.Template))
            .Select(e => (e.Endpoint, new TemplateMatcher(e.Template, new RouteValueDictionary())))]);

        public RouteEndpoint? Find(PathString path)
        {
            var values = new RouteValueDictionary();
            foreach (var (endpoint, matcher) in _matchers.Value)
            {
                values.Clear();
                if (matcher.TryMatch(path, values))
                {
                    return endpoint;
                }
            }
            return null;
        }
    }
}
