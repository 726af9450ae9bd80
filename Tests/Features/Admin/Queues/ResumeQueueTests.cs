using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(ResumeQueueTests))]
public sealed class ResumeQueueTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ResumeQueueTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_resume_body_has_the_contract_shape()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/pause", new StringContent(""), dashboard.Admin.AccessToken);

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/resume", new StringContent(""), dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response));
    }

    [Fact]
    public async Task Resuming_a_queue_that_runs_changes_nothing_and_the_audit_says_it_was_not_paused()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/resume", new StringContent(""), dashboard.Admin.AccessToken);

        Assert.True(response.IsSuccessStatusCode);
        var audit = Assert.Single(dashboard.AuditEvents);
        Assert.Equal((dashboard.Admin.Id.ToString(), "test", "False"), (audit.Scalar("AdminId"), audit.Scalar("Queue"), audit.Scalar("WasPaused")));
    }
}
