using FastEndpoints.Swagger;
using MinimalBackend.Infrastructure.Json;
using NJsonSchema.Generation.TypeMappers;
using NSwag.Generation;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document of every endpoint at a stable URL (<see cref="DocumentPath"/>), generated from the
/// FastEndpoints definitions, and the interactive API page at <c>/docs</c>, each behind a setting (<see cref="ApiDocumentOptions"/>).
/// </summary>
public static class ApiDocumentModule
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";

    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.SwaggerDocument(options =>
        {
            options.ShortSchemaNames = true;
            options.RemoveEmptyRequestSchema = true;
            options.AutoTagPathSegmentIndex = 2;
            options.DocumentSettings = settings =>
            {
                settings.DocumentName = DocumentName;
                settings.Title = "MinimalBackend API";
                settings.Version = DocumentName;
                // The generator's version string would make every NSwag upgrade look like a contract change.
                settings.PostProcess = document => document.Generator = null;
                // Any JSON value, as a JsonElement is shown.
                settings.SchemaSettings.TypeMappers.Add(new PrimitiveTypeMapper(typeof(StoredJson), _ => { }));
            };
        });
        builder.Services.AddSingleton<ApiDocument>();
        return builder;
    }

    public static WebApplication MapApiDocument(this WebApplication app)
    {
        var options = app.Configuration.GetSection(ApiDocumentOptions.SectionName).Get<ApiDocumentOptions>() ?? new ApiDocumentOptions();
        if (options.ServeDocument)
        {
            // An endpoint rather than NSwag's middleware, so requests for the document are counted under their route.
            app.MapGet(DocumentPath, async (ApiDocument document) => Results.Text(await document.JsonAsync(), "application/json"))
                .ExcludeFromDescription();
        }
        if (options.ServeDocument && (options.ServeDocs ?? app.Environment.IsDevelopment()))
        {
            app.UseSwaggerUi(ui =>
            {
                ui.Path = "/docs";
                ui.DocumentPath = DocumentPath;
            });
        }
        return app;
    }

    /// <summary>The endpoints are fixed once the app runs, so the document is generated once.</summary>
    private sealed class ApiDocument(IOpenApiDocumentGenerator generator)
    {
        private readonly Lazy<Task<string>> _json = new(async () => (await generator.GenerateAsync(DocumentName)).ToJson());

        public Task<string> JsonAsync() => _json.Value;
    }
}

/// <summary>Bound from the <c>ApiDocument</c> section.</summary>
public sealed class ApiDocumentOptions
{
    public const string SectionName = "ApiDocument";

    /// <summary>Serve the OpenAPI document at <c>/openapi/v1.json</c> (default: yes; clients generate from it, and it says nothing the API does not).</summary>
    public bool ServeDocument { get; set; } = true;

    /// <summary>Serve the interactive page at <c>/docs</c> (default: in Development only); it needs the document.</summary>
    public bool? ServeDocs { get; set; }
}
