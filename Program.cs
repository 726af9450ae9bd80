using FastEndpoints;
using MinimalBackend.Features.Admin.Queues;
using MinimalBackend.Features.Auth;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Commands;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Email;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Infrastructure.Tracing;
using MinimalBackend.Metrics;

var builder = WebApplication.CreateBuilder(args);

// Logging: Serilog from the Serilog section, one event per request
builder.AddSerilogLogging();

// Time: one clock for every feature (tokens, rate-limit windows, ...), which tests replace with a FakeTimeProvider
builder.Services.AddSingleton(TimeProvider.System);

// Tracing: OpenTelemetry spans of requests, SQL and jobs, sent by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
builder.AddTracing();

// Errors: RFC 9457 problem details for every failure
builder.AddProblemDetailsForAllErrors();

// Browsers: CORS for the web apps on the origins in Cors:AllowedOrigins (none by default)
builder.AddCrossOriginRequests();

// Database: one NpgsqlDataSource, SQL migrations, the readiness check
builder.AddDatabase();

// Metrics: HTTP requests per route template, process and runtime metrics
builder.AddPrometheusMetrics();

// Jobs: durable queues in PostgreSQL run as Coravel invocables; email through SMTP or to .eml files
builder.AddJobs();
builder.AddEmailSender();

// Auth and users: JWT sign-in with rotating refresh tokens, roles, rate limits; the users API and its commands
builder.AddAuthFeature();
builder.AddUsersFeature();

// Features that run as jobs: the welcome, confirmation and password reset emails; notifications, pushed to clients over WebSocket on every instance
builder.AddEmailFeature();
builder.AddNotificationsFeature();

// Admin: the queue dashboard, a page at /admin/queues over an admin-only API; every action audited
builder.AddQueueDashboard();

// API: FastEndpoints (one use case per file under Features/) and its OpenAPI document
// Endpoints and validators are looked for in the service's own assemblies only (the test project's test-only
// endpoints included): scanning every loaded package at start cost a measurable part of the start (README, Start-up and memory).
builder.Services.AddFastEndpoints(discovery =>
    discovery.AssemblyFilter = assembly => assembly.GetName().Name?.StartsWith("MinimalBackend", StringComparison.Ordinal) == true);
builder.AddApiDocument();

var app = builder.Build();

await app.MigrateDatabaseAsync();

// Commands (`dotnet run -- seed --users 100`, `dotnet run -- users create-admin ...`) run once and exit instead of serving
if (CommandsModule.IsCommand(args))
{
    Environment.ExitCode = await app.RunCommandAsync(args);
    return;
}

// Pipeline: the trace id header on every response, metrics outermost so they see the final status, then logging, then
// errors (and the AllowedHosts check, whose 400 they write), then CORS (preflights answered without a token, and every
// answer readable by an allowed origin), then auth (its 401, 403, 429 become problem details)
app.UseTraceIdHeader();
app.UseHttpRequestMetrics();
app.UseRequestLogging();
app.UseProblemDetailsForAllErrors();
app.UseCrossOriginRequests();
// Request content: UTF-8 bodies only (415 otherwise), before anything reads one; nosniff on every answer
app.UseUtf8RequestBodies();
app.UseNoSniff();
app.UseAuthFeature();
// A JSON endpoint asked without a Content-Type: 415 problem details, once the caller is known (as FastEndpoints' bare 415)
app.UseDeclaredRequestBodies();

app.UseFastEndpoints(config =>
{
    config.Errors.UseValidationProblemDetails();
    config.UseStrictRequestBinding();
    config.Endpoints.Configurator = endpoint =>
    {
        endpoint.BindStrictly();
        endpoint.Options(route => route.AcceptCrossOriginRequests());
    };
});
app.MapHealthEndpoints();
app.MapMetricsEndpoint();
app.MapNotificationsHub();
app.MapApiDocument();

await app.RunAsync();
