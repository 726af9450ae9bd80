var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

// The same JSON body as the service's GET /api/info.
app.MapGet("/api/info", () => new ServiceInfo("MinimalBackend", "1.0.0", "Production"));

app.Run();

internal sealed record ServiceInfo(string Service, string Version, string Environment);
