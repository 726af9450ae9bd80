using Microsoft.Net.Http.Headers;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// Writes problem details for a request whose <c>Accept</c> header names no JSON type (a browser's navigation
/// sends <c>text/html</c>). ASP.NET Core's own writer declines such a request, and the status code pages then
/// answer a bare text 401 or 404. The API has one error format, so it is sent anyway: RFC 9110 (section 12.1)
/// lets a server disregard Accept rather than answer 406.
/// </summary>
internal sealed class ProblemDetailsForAnyAccept : IProblemDetailsWriter
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue ProblemJson = new("application/problem+json");

    public bool CanWrite(ProblemDetailsContext context) => !AcceptsJson(context.HttpContext.Request);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The request is shown to ASP.NET Core's writer as one that accepts problem details, so the body is
        // exactly the one every other error gets (defaults, trace id, customisations). Then this writer declines,
        // so the service cannot come back here.
        var headers = context.HttpContext.Request.Headers;
        var accept = headers.Accept;
        headers.Accept = ProblemJson.ToString();
        try
        {
            // Resolved per call: the problem details service is built from the writers, this one included.
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context);
        }
        finally
        {
            headers.Accept = accept;
        }
    }

    private static bool AcceptsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Count == 0 || accept.Any(type => Json.IsSubsetOf(type) || ProblemJson.IsSubsetOf(type));
    }
}
