using FastEndpoints;
using MinimalBackend.Features.Email;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Email;
using MinimalBackend.Infrastructure.Health;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Metrics;

var builder = WebApplication.CreateBuilder(args);

// Logging: Serilog from the Serilog section, one event per request
builder.AddSerilogLogging();

// Errors: RFC 9457 problem details for every failure
builder.AddProblemDetailsForAllErrors();

// Database: one NpgsqlDataSource, SQL migrations, the readiness check
builder.AddDatabase();

// Metrics: HTTP requests per route template, process and runtime metrics
builder.AddPrometheusMetrics();

// Jobs: durable queues in PostgreSQL run as Coravel invocables; email through SMTP or to .eml files
builder.AddJobs();
builder.AddEmailSender();

// Features that run as jobs: the welcome email, notifications
builder.AddEmailFeature();
builder.AddNotificationsFeature();

// API: FastEndpoints (one use case per file under Features/) and its OpenAPI document
builder.Services.AddFastEndpoints();
builder.AddApiDocument();

var app = builder.Build();

await app.MigrateDatabaseAsync();

// Pipeline: metrics outermost so they see the final status, then logging, then errors
app.UseHttpRequestMetrics();
app.UseRequestLogging();
app.UseProblemDetailsForAllErrors();

app.UseFastEndpoints(config => config.Errors.UseValidationProblemDetails());
app.MapHealthEndpoints();
app.MapMetricsEndpoint();
app.MapApiDocument();

await app.RunAsync();
