using System.Collections.Frozen;
using System.Security.Cryptography;
using FastEndpoints;
using Microsoft.Net.Http.Headers;

namespace MinimalBackend.Features.Admin.Queues;

/// <summary>
/// The dashboard's page at <c>/admin/queues</c>: static HTML, CSS and plain JavaScript (Features/Admin/Queues/Page,
/// embedded in the assembly, so the service serves them from any working directory). It is public: it holds no
/// data, and signs in through the normal login to call the admin-only API. Its two routes are templates, so the
/// HTTP metrics count it under <c>/admin/queues</c> and <c>/admin/queues/{file}</c> whatever file names clients ask for.
/// </summary>
public sealed class QueueDashboardPageEndpoint : EndpointWithoutRequest
{
    /// <summary>
    /// Scripts and styles from this origin's files only (no inline script, no eval), calls to this origin only,
    /// never framed (the actions must not be clickjacked), no forms posted anywhere.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public override void Configure()
    {
        Get("/admin/queues", "/admin/queues/{file}");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var name = Route<string>("file", isRequired: false) ?? PageFiles.Index;
        if (!PageFiles.All.TryGetValue(name, out var file))
        {
            await Send.ResultAsync(TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "The dashboard has no such file."));
            return;
        }
        var headers = HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Revalidated on every load (a 304 when unchanged), so a deploy's new page is never mixed with an old script.
        headers.CacheControl = "no-cache";
        await Send.ResultAsync(TypedResults.Bytes(file.Content, file.ContentType, entityTag: file.ETag));
    }

    private sealed record PageFile(byte[] Content, string ContentType, EntityTagHeaderValue ETag);

    private static class PageFiles
    {
        public const string Index = "index.html";
        private const string ResourcePrefix = "QueueDashboardPage/";

        public static readonly FrozenDictionary<string, PageFile> All = Load();

        private static FrozenDictionary<string, PageFile> Load()
        {
            var assembly = typeof(QueueDashboardPageEndpoint).Assembly;
            return assembly.GetManifestResourceNames()
                .Where(resource => resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                .ToFrozenDictionary(resource => resource[ResourcePrefix.Length..], resource =>
                {
                    using var stream = assembly.GetManifestResourceStream(resource)!;
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    var content = buffer.ToArray();
                    var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
                    return new PageFile(content, ContentTypeOf(resource), etag);
                }, StringComparer.Ordinal);
        }

        private static string ContentTypeOf(string resource) => Path.GetExtension(resource) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            var other => throw new InvalidOperationException($"The dashboard page has a file of unknown type: {other}"),
        };
    }
}
