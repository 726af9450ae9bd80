using System.Text.Json.Nodes;
using FastEndpoints.Swagger;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Json;
using NJsonSchema.Generation.TypeMappers;
using NSwag;
using NSwag.Generation;
using NSwag.Generation.Processors.Security;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document of every endpoint at a stable URL (<see cref="DocumentPath"/>), generated from the
/// FastEndpoints definitions and shaped for generated clients (<see cref="ContractOperationProcessor"/>,
/// <see cref="AnnotatedSchemaProcessor"/>, <see cref="ClientContract"/>), and the interactive API page at
/// <c>/docs</c>, each behind a setting (<see cref="ApiDocumentOptions"/>).
/// </summary>
public static class ApiDocumentModule
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";

    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiDocumentOptions>().BindConfiguration(ApiDocumentOptions.Section);
        builder.Services.SwaggerDocument(options =>
        {
            options.ShortSchemaNames = true;
            options.RemoveEmptyRequestSchema = true;
            options.AutoTagPathSegmentIndex = 2;
            // Roles are no OAuth scopes: the scheme is a plain bearer token, and roles are in each operation's description.
            options.EnableJWTBearerAuth = false;
            options.DocumentSettings = settings =>
            {
                settings.DocumentName = DocumentName;
                settings.Title = "MinimalBackend API";
                settings.Version = DocumentName;
                settings.SchemaSettings.SchemaProcessors.Add(new AnnotatedSchemaProcessor());
                settings.OperationProcessors.Add(new ContractOperationProcessor(options.Services));
                settings.DocumentProcessors.Add(new SecurityDefinitionAppender(ContractOperationProcessor.BearerScheme, new OpenApiSecurityScheme
                {
                    Type = OpenApiSecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The accessToken of login or refresh, as `Authorization: Bearer <accessToken>`.",
                }));
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
        var options = app.Configuration.GetSection(ApiDocumentOptions.Section).Get<ApiDocumentOptions>() ?? new ApiDocumentOptions();
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
    private sealed class ApiDocument(IOpenApiDocumentGenerator generator, IOptions<ApiDocumentOptions> options)
    {
        private readonly Lazy<Task<string>> _json = new(async () =>
        {
            var document = JsonNode.Parse((await generator.GenerateAsync(DocumentName)).ToJson())!.AsObject();
            return ClientContract.Apply(document, options.Value).ToJsonString(new() { WriteIndented = true });
        });

        public Task<string> JsonAsync() => _json.Value;
    }
}
