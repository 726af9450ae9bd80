namespace MinimalBackend.Infrastructure.Http;

/// <summary>Headers every response carries, whatever wrote it (an endpoint, the exception handler, a status code page).</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// <c>X-Content-Type-Options: nosniff</c>: a browser takes each answer as the type it says (JSON stays JSON,
    /// never a script or a page it guessed). Set as the response starts, since the exception handler clears
    /// the headers set before it.
    /// </summary>
    public static IApplicationBuilder UseNoSniff(this IApplicationBuilder app) =>
        app.Use(next => context =>
        {
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
}
