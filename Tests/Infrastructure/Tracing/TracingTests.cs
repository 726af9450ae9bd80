using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Tracing;
using MinimalBackend.Tests.Support;
using OpenTelemetry.Trace;
using Serilog.Core;

namespace MinimalBackend.Tests.Infrastructure.Tracing;

// One trace from a request into the jobs it enqueued, spans captured with OpenTelemetry's in-memory exporter.
// Each test has a database of its own, so no other host can run its jobs. Every tracer provider in this process
// hears every host's spans (ActivitySource listeners are process-wide): tests pick their spans by trace id.
[Collection(nameof(TracingTests))]
public sealed class TracingTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(TracingTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly Dictionary<string, string?> Recording = new() { ["OTEL_TRACES_SAMPLER"] = "always_on" };

    [Fact]
    public async Task Registering_is_one_trace_from_the_request_through_the_insert_and_the_welcome_email_job_to_the_SMTP_send()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var smtp = await SmtpTestServer.StartAsync();
        var spans = new SpanCollection();
        await using var host = scope.Host(new Dictionary<string, string?>(smtp.Settings) { ["OTEL_TRACES_SAMPLER"] = "always_on" }, spans.Register);
        using var client = host.CreateSocketClient();
        var fake = FakeUsers.Next();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = ActivityTraceId.CreateFromString(Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader)));
        // The registration enqueues a confirmation email in the same trace too: the send followed is the welcome's.
        var run = await spans.WaitForAsync(s => s.TraceId == traceId && s.DisplayName == "run send_welcome_email", "the welcome email job's run in the request's trace");
        var send = await spans.WaitForAsync(s => s.TraceId == traceId && s.DisplayName == "smtp send" && s.ParentSpanId == run.SpanId, "the welcome email's SMTP send");
        await smtp.WaitForMessageToAsync(fake.Email);
        var trace = spans.InTrace(traceId);
        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        Assert.Equal("POST /api/auth/register", request.DisplayName);
        var insert = Assert.Single(trace, s => s.Source.Name == "Npgsql" && (s.GetTagItem("db.query.text") as string ?? "").Contains("INSERT INTO users", StringComparison.Ordinal));
        Assert.Equal(request.SpanId, insert.ParentSpanId);
        var enqueue = Assert.Single(trace, s => s.DisplayName == "enqueue send_welcome_email");
        Assert.Equal((ActivityKind.Producer, request.SpanId), (enqueue.Kind, enqueue.ParentSpanId));
        Assert.Single(trace, s => s.DisplayName == "run send_welcome_email");
        Assert.Equal((ActivityKind.Consumer, enqueue.SpanId, "email"), (run.Kind, run.ParentSpanId, run.GetTagItem("messaging.destination.name")));
        Assert.Equal((ActivityKind.Client, run.SpanId, "127.0.0.1"), (send.Kind, send.ParentSpanId, send.GetTagItem("server.address")));
        // The run begins after the request's transaction committed: it is a child that outlives its parent.
        Assert.True(run.StartTimeUtc >= enqueue.StartTimeUtc);
    }

    [Fact]
    public async Task An_admin_notification_is_one_trace_from_the_request_through_the_job_and_the_NOTIFY_to_the_push_on_another_instance()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        // Both hosts live in this process, where every tracer provider hears every ActivitySource: one collection is the truth.
        var spans = new SpanCollection();
        await using var hostA = scope.Host(Recording, spans.Register);
        // B runs no jobs: the job runs on A, and only B has the user's connection, so the push happens on B.
        await using var hostB = scope.Host(new Dictionary<string, string?>(Recording) { ["Jobs:RunJobs"] = "false" });
        using var httpA = hostA.CreateSocketClient();
        using var httpB = hostB.CreateSocketClient();
        var admin = await TestAccounts.SignUpAdminAsync(httpA, scope.ConnectionString);
        var user = await TestAccounts.SignUpAsync(httpA);
        var gauge = await ConnectionGauge.ReadAsync(httpB);
        await using var client = await NotificationClient.ConnectAsync(hostB.BaseAddress, user.AccessToken);
        await ConnectionGauge.WaitForAsync(httpB, gauge + 1);

        var response = await httpA.SendJsonAsync(HttpMethod.Post, "/api/admin/notifications",
            new { userId = user.Id, title = "Traced", body = "From the request to the socket." }, admin.AccessToken);

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await client.WaitForAsync(id);
        var traceId = ActivityTraceId.CreateFromString(Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader)));
        var push = await spans.WaitForAsync(s => s.TraceId == traceId && s.DisplayName == "push notification", "the push span on instance B");
        var onA = spans.InTrace(traceId);
        var request = Assert.Single(onA, s => s.Kind == ActivityKind.Server);
        Assert.Equal("POST /api/admin/notifications", request.DisplayName);
        var enqueue = Assert.Single(onA, s => s.DisplayName == "enqueue deliver_notification");
        Assert.Equal(request.SpanId, enqueue.ParentSpanId);
        var run = Assert.Single(onA, s => s.DisplayName == "run deliver_notification");
        Assert.Equal(enqueue.SpanId, run.ParentSpanId);
        var notify = Assert.Single(onA, s => s.Source.Name == "Npgsql" && (s.GetTagItem("db.query.text") as string ?? "").Contains("count(pg_notify", StringComparison.Ordinal));
        Assert.Equal(run.SpanId, notify.ParentSpanId);
        Assert.Equal((ActivityKind.Consumer, run.SpanId), (push.Kind, push.ParentSpanId));
        Assert.Single(onA, s => s.DisplayName == "push notification");
        await client.CloseAsync();
    }

    [Fact]
    public async Task Spans_are_exported_by_OTLP_over_HTTP_to_the_endpoint_the_standard_variables_name()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "otlp-export-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        using var client = host.CreateSocketClient();

        var response = await client.GetAsync($"/api/users/{Guid.NewGuid()}");

        var traceId = Convert.FromHexString(Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader)));
        var export = await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Exports.FirstOrDefault(e => e.Holds(traceId))), e => e is not null, "an OTLP export holding the request's trace id");
        Assert.Equal(("/v1/traces", "application/x-protobuf"), (export!.Path, export.ContentType));
        Assert.True(export.Holds(Encoding.UTF8.GetBytes("otlp-export-test")), "the export names the service from OTEL_SERVICE_NAME");
        Assert.True(export.Holds(Encoding.UTF8.GetBytes("GET /api/users/{id}")), "the export holds the request's span, named by its route");
    }

    [Fact]
    public async Task With_no_endpoint_and_no_sampler_the_response_and_its_log_event_name_the_same_trace()
    {
        const string requestLog = "MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware";
        var log = new RecordingLogSink();
        await using var host = new ServiceHost(database.ConnectionString,
            new Dictionary<string, string?> { ["Serilog:MinimumLevel:Override:" + requestLog] = "Information" },
            services => services.AddSingleton<ILogEventSink>(log));
        using var client = host.CreateSocketClient();

        var response = await client.GetAsync($"/api/users/{Guid.NewGuid()}");

        var header = Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader));
        var logged = await Eventually.UntilAsync(() => Task.FromResult(log.From(requestLog)), events => events.Count > 0, "the request to be logged");
        var request = Assert.Single(logged);
        Assert.Equal(header, request.TraceId!.Value.ToHexString());
        Assert.NotEqual(default, request.SpanId!.Value);
    }

    [Fact]
    public async Task With_no_endpoint_and_no_sampler_no_tracing_SDK_runs_and_responses_still_name_a_trace()
    {
        await using var host = new ServiceHost(database.ConnectionString);
        using var client = host.CreateSocketClient();

        var response = await client.GetAsync("/api/info");

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader)));
    }

    [Fact]
    public async Task A_sampler_setting_registers_the_tracing_SDK()
    {
        await using var host = new ServiceHost(database.ConnectionString, Recording);

        Assert.NotNull(host.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task A_500_still_carries_the_trace_id_header_that_its_problem_details_name()
    {
        await using var host = new ServiceHost(database.ConnectionString);
        using var client = host.CreateSocketClient();

        var response = await client.GetAsync("/test/throw/plain");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var header = Assert.Single(response.Headers.GetValues(TracingModule.TraceIdHeader));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(header, problem.GetProperty("traceId").GetString(), StringComparison.Ordinal);
    }
}
