using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(PauseQueueTests))]
public sealed class PauseQueueTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(PauseQueueTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_pause_body_has_the_contract_shape_and_names_the_admin()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/pause", new StringContent(""), dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "pausedAt", "pausedBy"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(dashboard.Admin.Id.ToString(), body.GetProperty("pausedBy").GetString());
    }

    [Fact]
    public async Task A_paused_queue_shows_as_paused_until_it_is_resumed_and_both_actions_are_audited()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);

        await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/pause", new StringContent(""), dashboard.Admin.AccessToken);
        await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/pause", new StringContent(""), dashboard.Admin.AccessToken);
        var paused = await PausedQueuesAsync(dashboard);
        var resume = await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/resume", new StringContent(""), dashboard.Admin.AccessToken);
        var resumed = await PausedQueuesAsync(dashboard);

        Assert.Equal(["test"], paused);
        Assert.Empty(resumed);
        Assert.True(resume.IsSuccessStatusCode);
        Assert.Equal(
            [("7005", "False"), ("7005", "True"), ("7006", "True")],
            dashboard.AuditEvents.Select(e => (EventId(e), e.Scalar("AlreadyPaused") ?? e.Scalar("WasPaused"))));
        Assert.All(dashboard.AuditEvents, e => Assert.Equal(dashboard.Admin.Id.ToString(), e.Scalar("AdminId")));
    }

    private static async Task<string[]> PausedQueuesAsync(QueueDashboardHost dashboard)
    {
        var summary = await (await dashboard.Client.GetAsync("/api/admin/queues", dashboard.Admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        return [.. summary.GetProperty("queues").EnumerateArray().Where(q => q.GetProperty("paused").GetBoolean()).Select(q => q.GetProperty("name").GetString()!)];
    }

    private static string? EventId(Serilog.Events.LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var id) && id is Serilog.Events.StructureValue structure
            ? structure.Properties.Single(p => p.Name == "Id").Value.ToString()
            : null;
}
