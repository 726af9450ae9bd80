using System.Diagnostics;
using System.Text.Json;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// FastEndpoints' validation and binding failures in the same RFC 9457 shape as every other error:
/// ASP.NET Core's <see cref="HttpValidationProblemDetails"/>, <c>errors</c> keyed by the JSON field name,
/// and the same <c>traceId</c> the exception handler writes.
/// </summary>
public static class ValidationProblems
{
    public static void UseValidationProblemDetails(this ErrorOptions errors)
    {
        // Messages name a field as the client wrote it ('displayName'), not as FluentValidation would ('Display Name').
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        errors.ContentType = "application/problem+json";
        errors.ProducesMetadataType = typeof(HttpValidationProblemDetails);
        errors.ResponseBuilder = Create;
    }

    /// <summary>The problem for these failures; also for a handler that finds a field wrong after validation (a password that does not match).</summary>
    public static HttpValidationProblemDetails Create(List<ValidationFailure> failures, HttpContext context, int statusCode)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(context);
        var errors = failures
            .GroupBy(f => f.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        return new HttpValidationProblemDetails(errors)
        {
            Status = statusCode,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            Title = "One or more validation errors occurred.",
            Extensions = { ["traceId"] = Activity.Current?.Id ?? context.TraceIdentifier },
        };
    }
}
