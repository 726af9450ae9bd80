using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Infrastructure.Logging;
using MinimalBackend.Tests.Support;
using Serilog.Core;
using Serilog.Events;

namespace MinimalBackend.Tests.Infrastructure.Logging;

[Collection(nameof(RequestLoggingTests))]
public sealed class RequestLoggingTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(RequestLoggingTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Production_writes_one_compact_json_event_per_request_with_route_status_elapsed_and_trace_id()
    {
        var id = Guid.NewGuid();
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Production");
        using var client = new HttpClient { BaseAddress = service.BaseAddress };

        var response = await client.GetAsync($"/api/users/{id}?access_token=secret-token-value");
        await service.StopAsync();

        var events = service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        var request = Assert.Single(events, e => e.TryGetProperty("RouteTemplate", out var route) && route.GetString() == "/api/users/{id}");
        Assert.Equal("GET", request.GetProperty("RequestMethod").GetString());
        Assert.Equal(401, request.GetProperty("StatusCode").GetInt32());
        Assert.True(request.GetProperty("Elapsed").GetDouble() > 0);
        Assert.Equal(32, request.GetProperty("@tr").GetString()!.Length);
        Assert.Contains(request.GetProperty("@tr").GetString()!, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("HTTP GET /api/users/{id} responded 401 in ", request.GetProperty("@m").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", service.Output, StringComparison.Ordinal);
    }

    [Theory]
    // ASP.NET Core's request scope is off by default (it cost a sixth of a request's CPU), so a routine request's event
    // names its route template, not the path with its ids; a level for its category brings the scope back. Kestrel's
    // connection scope (ConnectionId, opened once per connection) stays.
    [InlineData(null, new[] { "ConnectionId" })]
    [InlineData("Warning", new[] { "ConnectionId", "RequestId", "RequestPath" })]
    public async Task Aspnet_cores_request_scope_adds_its_properties_once_only_when_its_category_has_a_level(string? level, string[] scopeProperties)
    {
        var id = Guid.NewGuid();
        var settings = level is null ? null : new Dictionary<string, string> { ["Serilog__MinimumLevel__Override__" + LoggingModule.AspNetCoreRequestScope] = level };
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Production", settings);
        using var client = new HttpClient { BaseAddress = service.BaseAddress };

        await client.GetAsync($"/api/users/{id}?access_token=secret-token-value");
        await client.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/api/info"));
        await service.StopAsync();

        var lines = service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var request = JsonDocument.Parse(Assert.Single(lines, l => l.Contains("\"RouteTemplate\":\"/api/users/{id}\"", StringComparison.Ordinal))).RootElement;
        string[] eventProperties = ["@t", "@m", "@i", "@tr", "@sp", "RequestMethod", "RouteTemplate", "StatusCode", "Elapsed", "SourceContext"];
        // Each once: the names of a JSON object's properties, sorted.
        Assert.Equal([.. eventProperties.Concat(scopeProperties).Order(StringComparer.Ordinal)],
            request.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        if (level is not null)
        {
            Assert.StartsWith(request.GetProperty("ConnectionId").GetString() + ":", request.GetProperty("RequestId").GetString(), StringComparison.Ordinal);
            Assert.Equal($"/api/users/{id}", request.GetProperty("RequestPath").GetString());
        }
        var purge = JsonDocument.Parse(Assert.Single(lines, l => l.Contains("\"RequestMethod\":\"PURGE\"", StringComparison.Ordinal))).RootElement;
        Assert.StartsWith("HTTP PURGE ", purge.GetProperty("@m").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_that_throws_is_logged_at_error_as_500_and_its_exception_once_under_the_same_trace_id()
    {
        const string requestLog = "MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware";
        var log = new RecordingLogSink();
        await using var host = new ServiceHost(database.ConnectionString,
            new Dictionary<string, string?> { ["Serilog:MinimumLevel:Override:" + requestLog] = "Information" },
            services => services.AddSingleton<ILogEventSink>(log));
        using var client = host.CreateSocketClient();

        var response = await client.GetAsync("/test/throw/plain?access_token=secret-token-value");
        var traceId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString();

        var logged = await Eventually.UntilAsync(() => Task.FromResult(log.From(requestLog)), events => events.Count > 0, "the request to be logged");
        var request = Assert.Single(logged);
        // A failed request's event names its path (without the query), to tell which resource failed.
        Assert.Equal((LogEventLevel.Error, "500", "/test/throw/{kind}", "/test/throw/plain"),
            (request.Level, request.Scalar("StatusCode"), request.Scalar("RouteTemplate"), request.Scalar("RequestPath")));
        Assert.Contains(request.TraceId!.Value.ToHexString(), traceId, StringComparison.Ordinal);
        // The exception handler logs the exception with its stack; the request event does not repeat it.
        var withException = Assert.Single(log.Events, e => e.Exception is InvalidOperationException);
        Assert.Equal(request.TraceId, withException.TraceId);
    }

    [Fact]
    public async Task Probes_and_scrapes_are_not_logged_at_information()
    {
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Production");
        using var client = new HttpClient { BaseAddress = service.BaseAddress };

        await client.GetAsync("/health/live");
        await client.GetAsync("/metrics");
        await client.GetAsync("/api/info");
        await service.StopAsync();

        Assert.DoesNotContain("/health/live responded", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("/metrics responded", service.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP GET /api/info responded 200", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_writes_readable_lines()
    {
        await using var service = await ServiceProcess.StartAsync(database.ConnectionString, "Development");
        using var client = new HttpClient { BaseAddress = service.BaseAddress };

        await client.GetAsync("/api/info");
        await service.StopAsync();

        Assert.Matches(@"\[\d\d:\d\d:\d\d INF\] HTTP GET /api/info responded 200 in \d+\.\d ms", service.Output);
    }
}
