using System.Text.Json.Nodes;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// The rules of the document as a whole, applied to NSwag's output: what a generated client needs to compile
/// without casts (every always-present response property <c>required</c>, one problem details schema on every
/// error, <c>uuid</c> rather than .NET's <c>guid</c>), and what the linters ask of a published API (servers,
/// description, contact, license).
/// </summary>
internal static class ClientContract
{
    public const string ProblemSchema = "ProblemDetails";
    private const string ProblemContentType = "application/problem+json";

    public static JsonObject Apply(JsonObject document, ApiDocumentOptions options)
    {
        ApplyInfo(document, options);
        var schemas = document["components"]!["schemas"]!.AsObject();
        schemas.Remove("HttpValidationProblemDetails");
        schemas[ProblemSchema] = Problem();
        foreach (var operation in Operations(document))
        {
            // NSwag writes no empty list: an anonymous operation would fall back to a document-wide requirement.
            operation["security"] ??= new JsonArray();
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (status[0] is '4' or '5')
                {
                    SetProblemContent(status, response!.AsObject());
                }
            }
        }
        foreach (var name in ResponseSchemas(document, schemas))
        {
            if (schemas[name]?["properties"] is JsonObject properties)
            {
                schemas[name]!["required"] = new JsonArray([.. properties.Select(p => JsonValue.Create(p.Key))]);
            }
        }
        foreach (var (_, schema) in schemas.ToList())
        {
            if (schema?[AnnotatedSchemaProcessor.OneOfSelectorsExtension] is JsonArray selectors)
            {
                BuildShapes(schema.AsObject(), [.. selectors.Select(s => s!.GetValue<string>())]);
            }
        }
        RenameFormat(document, "guid", "uuid");
        if (document["tags"] is JsonArray tags)
        {
            document["tags"] = new JsonArray([.. tags.OrderBy(t => (string?)t!["name"], StringComparer.Ordinal).Select(t => t!.DeepClone())]);
        }
        var duplicates = Operations(document).GroupBy(o => (string?)o["operationId"]).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException($"Two endpoints share an operationId (their class names): {string.Join(", ", duplicates)}");
        }
        return document;
    }

    private static void ApplyInfo(JsonObject document, ApiDocumentOptions options)
    {
        var info = document["info"]!.AsObject();
        // Says nothing of any feature: the operations and the tags their features declare describe themselves.
        info["description"] = """
            The JSON API of MinimalBackend for web and mobile clients. An operation that needs an access token says so
            in its description, with the role it needs, and takes it as `Authorization: Bearer <accessToken>`. Every
            error is RFC 9457 problem details (`application/problem+json`, the `ProblemDetails` schema) with a `traceId`.
            """;
        var contact = new JsonObject { ["name"] = options.ContactName };
        if (!string.IsNullOrEmpty(options.ContactUrl))
        {
            contact["url"] = options.ContactUrl;
        }
        if (!string.IsNullOrEmpty(options.ContactEmail))
        {
            contact["email"] = options.ContactEmail;
        }
        info["contact"] = contact;
        info["license"] = new JsonObject { ["name"] = options.LicenseName, ["url"] = options.LicenseUrl };
        document["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The host that serves this document" });
    }

    private static List<JsonObject> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value!.AsObject())).ToList();

    /// <summary>RFC 9457 as this service writes it: ASP.NET Core's problem details with the trace id, and <c>errors</c> on validation failures.</summary>
    private static JsonObject Problem() => JsonNode.Parse("""
        {
          "type": "object",
          "description": "An error, as RFC 9457 problem details. Other members may appear (a 409 of a job retry names the job's `state`).",
          "required": ["type", "title", "status", "traceId"],
          "properties": {
            "type": { "type": "string", "description": "A URI reference naming the kind of problem" },
            "title": { "type": "string", "description": "A short summary of the kind of problem" },
            "status": { "type": "integer", "format": "int32", "minimum": 400, "maximum": 599, "description": "The HTTP status code" },
            "detail": { "type": "string", "description": "What went wrong with this request" },
            "instance": { "type": "string", "description": "A URI reference naming this occurrence" },
            "traceId": { "type": "string", "description": "The W3C trace id of the request: quote it to find the request in the service's logs" },
            "errors": {
              "type": "object",
              "description": "Validation failures (400 only): each field's messages, keyed by its JSON name",
              "additionalProperties": { "type": "array", "items": { "type": "string" } }
            }
          },
          "additionalProperties": {}
        }
        """)!.AsObject();

    private static void SetProblemContent(string status, JsonObject response)
    {
        response["content"] = new JsonObject
        {
            [ProblemContentType] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{ProblemSchema}" } },
        };
        if (status is "429" or "503")
        {
            response["headers"] = new JsonObject
            {
                ["Retry-After"] = new JsonObject
                {
                    ["description"] = "Whole seconds to wait before trying again",
                    ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                },
            };
        }
    }

    /// <summary>The component schemas a successful response can hold, directly or inside another: each of their properties is always written (null when it has no value).</summary>
    private static HashSet<string> ResponseSchemas(JsonObject document, JsonObject schemas)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonNode>();
        foreach (var operation in Operations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (status[0] == '2' && response?["content"] is JsonObject content)
                {
                    foreach (var (_, media) in content)
                    {
                        pending.Push(media!["schema"]!);
                    }
                }
            }
        }
        while (pending.TryPop(out var node))
        {
            foreach (var reference in References(node))
            {
                if (found.Add(reference) && schemas[reference] is { } schema)
                {
                    pending.Push(schema);
                }
            }
        }
        return found;
    }

    private static IEnumerable<string> References(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref" && value is JsonValue reference)
                    {
                        yield return reference.GetValue<string>().Split('/')[^1];
                    }
                    foreach (var inner in References(value))
                    {
                        yield return inner;
                    }
                }
                break;
            case JsonArray array:
                foreach (var inner in array.SelectMany(References))
                {
                    yield return inner;
                }
                break;
        }
    }

    /// <summary>See <see cref="OneOfShapesAttribute"/>: one closed shape per selector, holding the shared properties and that selector.</summary>
    private static void BuildShapes(JsonObject schema, IReadOnlyList<string> selectors)
    {
        var properties = schema["properties"]!.AsObject();
        var required = schema["required"] is JsonArray list ? list.Select(r => r!.GetValue<string>()).ToList() : [];
        var shapes = new JsonArray();
        foreach (var selector in selectors)
        {
            var shapeProperties = new JsonObject();
            foreach (var (name, property) in properties)
            {
                var isBoolean = (string?)property?["type"] == "boolean";
                if (name == selector)
                {
                    var chosen = property!.DeepClone().AsObject();
                    chosen.Remove("nullable");
                    if (isBoolean)
                    {
                        chosen["enum"] = new JsonArray(true);
                    }
                    shapeProperties[name] = chosen;
                }
                else if (!selectors.Contains(name))
                {
                    shapeProperties[name] = property?.DeepClone();
                }
                else if (isBoolean)
                {
                    // Another shape's boolean selector may still be sent, as false.
                    shapeProperties[name] = new JsonObject { ["type"] = "boolean", ["enum"] = new JsonArray(false) };
                }
            }
            shapes.Add(new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["required"] = new JsonArray([.. required.Where(r => !selectors.Contains(r)).Prepend(selector).Select(r => JsonValue.Create(r))]),
                ["properties"] = shapeProperties,
            });
        }
        schema.Clear();
        schema["oneOf"] = shapes;
    }

    private static void RenameFormat(JsonNode? node, string from, string to)
    {
        switch (node)
        {
            case JsonObject obj:
                if ((string?)(obj["format"] as JsonValue) == from)
                {
                    obj["format"] = to;
                }
                foreach (var (_, value) in obj)
                {
                    RenameFormat(value, from, to);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RenameFormat(item, from, to);
                }
                break;
        }
    }
}
