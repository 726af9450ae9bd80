using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(RetryDeadJobsTests))]
public sealed class RetryDeadJobsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(RetryDeadJobsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Every_dead_job_of_the_queue_and_only_those_wait_again_and_the_body_counts_them()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var dead = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "dead", Attempts: 3),
            new NewJobRow("test", "test_job", "dead", Attempts: 3));
        var others = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "failed", Attempts: 1, RunIn: TimeSpan.FromHours(1)),
            new NewJobRow("test", "test_job", "completed", Attempts: 1),
            new NewJobRow("notification", "deliver_notification", "dead", Attempts: 5, MaxAttempts: 5));
        var othersBefore = await JobRows.ReadAsync(dashboard.ConnectionString, others);

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/retry-dead", new StringContent(""), dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response));
        Assert.All(await JobRows.ReadAsync(dashboard.ConnectionString, dead), job => Assert.Equal(("waiting", 0), (job.State, job.Attempts)));
        Assert.Equal(othersBefore, await JobRows.ReadAsync(dashboard.ConnectionString, others));
        var audit = Assert.Single(dashboard.AuditEvents);
        Assert.Equal((dashboard.Admin.Id.ToString(), "2", "test"), (audit.Scalar("AdminId"), audit.Scalar("Jobs"), audit.Scalar("Queue")));
    }
}
