using System.Text.Json;
using FastEndpoints;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// What a request's content may be, and how each way it can be wrong becomes a 4xx with a fixed message:
/// bodies are UTF-8 JSON (any other charset 415), nested at most <see cref="MaxJsonDepth"/> levels; a JSON
/// body's fields come from the body only (a query parameter of the same name is ignored), an empty query
/// parameter is a 400 rather than its default, and any failure to read a body is the client's (400), never
/// a 500. Messages never carry parser text or .NET type names.
/// </summary>
public static class RequestContentRules
{
    /// <summary>
    /// The one JSON depth limit: request bodies, and so what the service stores of them (a notification's
    /// <c>data</c>, job payloads), which it can then always serialize again (System.Text.Json's own limit is 64).
    /// </summary>
    public const int MaxJsonDepth = 32;

    /// <summary>The field named in a 400 for a body that is not JSON at all (rather than one wrong field).</summary>
    public const string BodyField = "body";

    public const string JsonMessage =
        "The body must be well-formed JSON, nested at most 32 levels deep, with each field of the type the API document gives.";

    /// <summary>Checks the charset of every request with a body; goes before anything that reads one.</summary>
    public static IApplicationBuilder UseUtf8RequestBodies(this IApplicationBuilder app) =>
        app.Use(next => context => Utf8Only(context) ? next(context) : UnsupportedMediaType(context));

    /// <summary>
    /// A request without a Content-Type to an endpoint that reads a JSON body gets the 415 problem details a wrong
    /// charset gets. FastEndpoints' own check answers it with an empty 415 whose response it has already started,
    /// so nothing after it could add problem details. This is the same check (the endpoint declares the media types
    /// it accepts, not */*), in the same place: after authentication and authorization, before the endpoint.
    /// </summary>
    public static IApplicationBuilder UseDeclaredRequestBodies(this IApplicationBuilder app) =>
        app.Use(next => context => LacksContentTypeItNeeds(context) ? UnsupportedMediaType(context) : next(context));

    /// <summary>FastEndpoints' binding and JSON reading under the rules above.</summary>
    public static void UseStrictRequestBinding(this Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var requestJson = new JsonSerializerOptions(config.Serializer.Options) { MaxDepth = MaxJsonDepth };
        config.Serializer.RequestDeserializer = async (request, type, context, cancellationToken) =>
        {
            try
            {
                return await request.ReadFromJsonAsync(type, context is null ? requestJson : new JsonSerializerOptions(context.Options) { MaxDepth = MaxJsonDepth }, cancellationToken);
            }
            catch (Exception e) when (e is not JsonException and not OperationCanceledException and not BadHttpRequestException)
            {
                // Whatever else reading a client's body throws (a decoder, a stream, a content type) is the client's fault.
                throw new BadHttpRequestException("The request body could not be read.", StatusCodes.Status400BadRequest, e);
            }
        };
        config.Binding.JsonExceptionTransformer = e => new ValidationFailure(
            e.Path is null or "$" || e.Path.StartsWith("$[", StringComparison.Ordinal) ? BodyField : e.Path[2..], JsonMessage);
        config.Binding.FailureMessage = (type, name, _) => $"'{name}' must be {Describe(Nullable.GetUnderlyingType(type) ?? type)}.";
    }

    /// <summary>
    /// The endpoint's binder under the rules above: bodies from JSON only, GET and DELETE from the query (a DELETE
    /// whose request is marked <see cref="JsonBodyOnDeleteAttribute"/> from a JSON body). Called
    /// from FastEndpoints' one endpoint configurator (<c>config.Endpoints.Configurator</c>, which has no getter to chain).
    /// </summary>
    public static void BindStrictly(this EndpointDefinition endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.ReqDtoType == typeof(EmptyRequest))
        {
            return;
        }
        var fromQuery = endpoint.Verbs.Any(HttpMethods.IsGet)
            || (endpoint.Verbs.Any(HttpMethods.IsDelete) && !endpoint.ReqDtoType.IsDefined(typeof(JsonBodyOnDeleteAttribute), inherit: false));
        endpoint.RequestBinder(fromQuery ? typeof(QueryRequestBinder<>) : typeof(JsonBodyRequestBinder<>));
    }

    private static string Describe(Type type) =>
        type == typeof(Guid) ? "a UUID"
        : type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(DateTime) || type == typeof(DateTimeOffset) ? "an ISO 8601 date and time"
        : type.IsEnum ? "one of the values the API document lists"
        : "a value of the type the API document gives";

    /// <summary>True when the request has no charset, or UTF-8 in any letter case, quoted or not (RFC 9110, section 8.3.2).</summary>
    private static bool Utf8Only(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }
        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        if (charset.Length == 0)
        {
            return true;
        }
        if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // What reads the body further on understands the plain spelling only.
        mediaType.Charset = "utf-8";
        context.Request.ContentType = mediaType.ToString();
        return true;
    }

    private static bool LacksContentTypeItNeeds(HttpContext context) =>
        !context.Request.Headers.ContainsKey(HeaderNames.ContentType)
        && context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts
        && !accepts.ContentTypes.Contains("*/*");

    private static Task UnsupportedMediaType(HttpContext context) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type",
            detail: "Request bodies are UTF-8 JSON: send Content-Type: application/json, with no charset or charset=utf-8.")
        .ExecuteAsync(context);
}

/// <summary>
/// Marks the request of a DELETE that carries a secret (a password typed again): it is read from a JSON body like
/// a POST's, never from the query string, where it would end up in access logs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class JsonBodyOnDeleteAttribute : Attribute;

/// <summary>
/// Binds a request from its JSON body (and route values, claims, headers), never from the query string or a
/// form: credentials and tokens sent in a URL end up in proxy and access logs, and a query value must not
/// override the body.
/// </summary>
public sealed class JsonBodyRequestBinder<TRequest>() : RequestBinder<TRequest>(
    BindingSource.JsonBody | BindingSource.RouteValues | BindingSource.UserClaims | BindingSource.Headers | BindingSource.Permissions)
    where TRequest : notnull;

/// <summary>
/// Binds a request of a GET or DELETE from its route and query string; a parameter sent empty
/// (<c>?olderThanMinutes=</c>) is a 400, never its default.
/// </summary>
public sealed class QueryRequestBinder<TRequest>() : RequestBinder<TRequest>(
    BindingSource.RouteValues | BindingSource.QueryParams | BindingSource.UserClaims | BindingSource.Headers | BindingSource.Permissions)
    where TRequest : notnull
{
    private static readonly HashSet<string> PropertyNames =
        typeof(TRequest).GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public override ValueTask<TRequest> BindAsync(BinderContext ctx, CancellationToken ct)
    {
        foreach (var (name, values) in ctx.HttpContext.Request.Query)
        {
            if (PropertyNames.Contains(name) && values.All(string.IsNullOrEmpty))
            {
                ctx.ValidationFailures.Add(new ValidationFailure(name, $"'{name}' is empty: give it a value, or leave it out where it is optional."));
            }
        }
        return ctx.ValidationFailures.Count > 0
            ? throw new ValidationFailureException(ctx.ValidationFailures, "Empty query parameters")
            : base.BindAsync(ctx, ct);
    }
}
