using System.Globalization;
using System.Reflection;
using FastEndpoints;
using FastEndpoints.Swagger;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using MinimalBackend.Infrastructure.Validation;
using Namotion.Reflection;
using NJsonSchema;
using NSwag;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// Makes each operation say what a client needs to call it and to handle every answer: a short operationId from the
/// endpoint's class name, its XML summary and who may call it as the description, <c>security: []</c> when anonymous,
/// the validator's limits on its parameters and body, and each error status it can really return (problem details
/// bodies are attached by <see cref="ClientContract"/>). It reads only what endpoints declare: their metadata, roles
/// and validators, never a list of features.
/// </summary>
internal sealed class ContractOperationProcessor(IServiceProvider services) : IOperationProcessor
{
    public const string BearerScheme = "bearerAuth";

    private static readonly Dictionary<int, string> ErrorDescriptions = new()
    {
        [StatusCodes.Status400BadRequest] = "The request is malformed or breaks a validation rule: `errors` names each field with its messages",
        [StatusCodes.Status401Unauthorized] = "No valid access token: missing, expired or tampered with, or its account no longer exists",
        [StatusCodes.Status403Forbidden] = "The access token's role may not do this",
        [StatusCodes.Status404NotFound] = "What the route names does not exist",
        [StatusCodes.Status409Conflict] = "The request conflicts with the current state of what it names",
        [StatusCodes.Status413PayloadTooLarge] = "The request body is larger than the service accepts",
        [StatusCodes.Status415UnsupportedMediaType] = "The request body is not JSON (Content-Type: application/json)",
        [StatusCodes.Status429TooManyRequests] = "Too many requests of this kind from this client; try again after Retry-After seconds",
        [StatusCodes.Status500InternalServerError] = "An unexpected failure; the problem's traceId finds it in the service's logs",
        [StatusCodes.Status503ServiceUnavailable] = "The service is overloaded; try again after Retry-After seconds",
    };

    public bool Process(OperationProcessorContext context)
    {
        var endpoint = context.GetEndpointDefinition();
        if (endpoint is null)
        {
            return true;
        }
        var metadata = ((AspNetCoreOperationProcessorContext)context).ApiDescription.ActionDescriptor.EndpointMetadata;
        var operation = context.OperationDescription.Operation;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        var roles = endpoint.AllowedRoles ?? [];

        operation.OperationId = OperationId(endpoint.EndpointType);
        operation.Description = Description(endpoint.EndpointType, anonymous, roles);
        operation.Security = anonymous ? [] : [new OpenApiSecurityRequirement { [BearerScheme] = [] }];

        ApplyValidator(operation, endpoint);
        ApplyClosedSets(operation, endpoint.ReqDtoType);
        ApplyHeaders(operation, metadata);

        var hasBody = operation.RequestBody is not null;
        AddError(operation, StatusCodes.Status400BadRequest, when: hasBody || operation.Parameters.Count > 0);
        AddError(operation, StatusCodes.Status401Unauthorized, when: !anonymous);
        AddError(operation, StatusCodes.Status403Forbidden, when: roles.Count > 0);
        AddError(operation, StatusCodes.Status413PayloadTooLarge, when: hasBody);
        AddError(operation, StatusCodes.Status415UnsupportedMediaType, when: hasBody);
        AddError(operation, StatusCodes.Status429TooManyRequests, when: metadata.OfType<EnableRateLimitingAttribute>().Any());
        AddError(operation, StatusCodes.Status500InternalServerError, when: true);
        // Removed last: a Dictionary fills a removed entry's place with the next key added, which would reorder the document.
        if (roles.Count == 0 && endpoint.EndpointSummary?.Responses.ContainsKey(StatusCodes.Status403Forbidden) is not true)
        {
            // FastEndpoints lists a 403 for any endpoint with a policy. Without a role, the signed-in policy refuses only
            // a token with no user id, which this service never issues: a 403 stays where the endpoint describes its own.
            operation.Responses.Remove(StatusCodes.Status403Forbidden.ToString(CultureInfo.InvariantCulture));
        }
        foreach (var (status, response) in operation.Responses)
        {
            var code = int.Parse(status, CultureInfo.InvariantCulture);
            if (endpoint.EndpointSummary?.Responses.TryGetValue(code, out var own) is true)
            {
                response.Description = own;
            }
            else if (code >= 400 && ErrorDescriptions.TryGetValue(code, out var standard))
            {
                response.Description = standard;
            }
        }

        DeclareTags(context.Document, endpoint.EndpointType.Assembly);
        return true;
    }

    /// <summary><c>GetCurrentUserEndpoint</c> is <c>getCurrentUser</c>: the class names are already unique and say what the operation does.</summary>
    public static string OperationId(Type endpointType)
    {
        var name = endpointType.Name.EndsWith("Endpoint", StringComparison.Ordinal) ? endpointType.Name[..^"Endpoint".Length] : endpointType.Name;
        return string.Concat(name[..1].ToLowerInvariant(), name[1..]);
    }

    private static string Description(Type endpointType, bool anonymous, List<string> roles)
    {
        var access = anonymous
            ? "No access token needed."
            : roles.Count == 0
                ? "Needs an access token (any role)."
                : $"Needs an access token with the role {string.Join(" or ", roles.Select(r => $"`{r}`"))}; other roles get 403.";
        var summary = endpointType.GetXmlDocsSummary();
        return string.IsNullOrWhiteSpace(summary) ? access : $"{summary}\n\n{access}";
    }

    private static void AddError(OpenApiOperation operation, int status, bool when)
    {
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (when && !operation.Responses.ContainsKey(key))
        {
            operation.Responses[key] = new OpenApiResponse { Description = ErrorDescriptions[status] };
        }
    }

    private static void DeclareTags(OpenApiDocument document, Assembly assembly)
    {
        foreach (var tag in assembly.GetCustomAttributes<ApiTagAttribute>().GroupBy(t => t.Name, StringComparer.Ordinal))
        {
            if (document.Tags.All(t => t.Name != tag.Key))
            {
                document.Tags.Add(new OpenApiTag
                {
                    Name = tag.Key,
                    Description = string.Join(" ", tag.Select(t => t.Description).Order(StringComparer.Ordinal)),
                });
            }
        }
    }

    /// <summary>The limits the endpoint's validator enforces, on the parameters and body properties they apply to.</summary>
    private void ApplyValidator(OpenApiOperation operation, EndpointDefinition endpoint)
    {
        if (endpoint.ValidatorType is null)
        {
            return;
        }
        var validator = (IValidator)ActivatorUtilities.CreateInstance(services, endpoint.ValidatorType);
        var body = operation.RequestBody?.Content.Values.FirstOrDefault()?.Schema?.ActualSchema;
        foreach (var member in validator.CreateDescriptor().GetMembersWithValidators())
        {
            var name = AnnotatedSchemaProcessor.JsonName(member.Key);
            var rules = member.Where(rule => !rule.Options.HasCondition && !rule.Options.HasAsyncCondition).Select(rule => rule.Validator).ToList();
            var parameter = operation.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (parameter is not null)
            {
                Constrain(parameter.Schema, rules);
                parameter.IsRequired |= rules.Any(IsRequiredRule);
            }
            else if (body is not null && body.Properties.TryGetValue(name, out var property))
            {
                Constrain(property, rules);
                if (rules.Any(IsRequiredRule) && !body.RequiredProperties.Contains(name))
                {
                    body.RequiredProperties.Add(name);
                }
            }
        }
    }

    private static bool IsRequiredRule(IPropertyValidator rule) => rule is INotNullValidator or INotEmptyValidator;

    private static void Constrain(JsonSchema schema, List<IPropertyValidator> rules)
    {
        var minLength = rules.OfType<INotEmptyValidator>().Any() ? 1 : 0;
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case ILengthValidator length:
                    minLength = Math.Max(minLength, length.Min);
                    if (length.Max > 0)
                    {
                        schema.MaxLength = length.Max;
                    }
                    break;
                case IBetweenValidator between when IsNumber(between.From) && IsNumber(between.To):
                    schema.Minimum = Convert.ToDecimal(between.From, CultureInfo.InvariantCulture);
                    schema.Maximum = Convert.ToDecimal(between.To, CultureInfo.InvariantCulture);
                    break;
                case IComparisonValidator { Comparison: Comparison.GreaterThanOrEqual } comparison when IsNumber(comparison.ValueToCompare):
                    schema.Minimum = Convert.ToDecimal(comparison.ValueToCompare, CultureInfo.InvariantCulture);
                    break;
                case IComparisonValidator { Comparison: Comparison.LessThanOrEqual } comparison when IsNumber(comparison.ValueToCompare):
                    schema.Maximum = Convert.ToDecimal(comparison.ValueToCompare, CultureInfo.InvariantCulture);
                    break;
                case ITextFormatValidator format:
                    schema.Format = format.Format;
                    break;
            }
        }
        if (schema.Type.HasFlag(JsonObjectType.String))
        {
            schema.MinLength = minLength > 0 ? minLength : null;
        }
    }

    private static void ApplyHeaders(OpenApiOperation operation, IList<object> metadata)
    {
        foreach (var header in metadata.OfType<AcceptsHeader>())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                Kind = OpenApiParameterKind.Header,
                Description = header.Description,
                Schema = new JsonSchema { Type = JsonObjectType.String, MinLength = 1, MaxLength = header.MaxLength },
            });
        }
        foreach (var header in metadata.OfType<AnswersWithHeader>())
        {
            if (operation.Responses.TryGetValue(header.Status.ToString(CultureInfo.InvariantCulture), out var response))
            {
                response.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Schema = new JsonSchema { Type = JsonObjectType.String } };
            }
        }
    }

    private static bool IsNumber(object? value) => value is int or long or short or decimal or double or float;

    private static void ApplyClosedSets(OpenApiOperation operation, Type requestType)
    {
        foreach (var property in requestType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameter = operation.Parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            if (parameter?.Schema is not null && property.GetCustomAttribute<ClosedSetAttribute>() is { } closedSet)
            {
                parameter.Schema.Enumeration.Clear();
                foreach (var value in closedSet.Values())
                {
                    parameter.Schema.Enumeration.Add(value);
                }
            }
        }
    }
}
