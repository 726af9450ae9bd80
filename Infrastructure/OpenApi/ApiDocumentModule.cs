using FastEndpoints.Swagger;
using NSwag.Generation;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document of every endpoint at a stable URL (<see cref="DocumentPath"/>), generated from the
/// FastEndpoints definitions, and the interactive API page at <c>/docs</c> in Development.
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
            };
        });
        builder.Services.AddSingleton<ApiDocument>();
        return builder;
    }

    public static WebApplication MapApiDocument(this WebApplication app)
    {
        // An endpoint rather than NSwag's middleware, so requests for the document are counted under their route.
        app.MapGet(DocumentPath, async (ApiDocument document) => Results.Text(await document.JsonAsync(), "application/json"))
            .ExcludeFromDescription();
        if (app.Environment.IsDevelopment())
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
