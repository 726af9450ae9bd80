using System.Net;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(DeleteCompletedJobsTests))]
public sealed class DeleteCompletedJobsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(DeleteCompletedJobsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task Completed_jobs_of_the_queue_older_than_the_age_are_deleted_and_nothing_else()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var old = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromHours(3)),
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromHours(2)));
        var kept = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromMinutes(30)),
            new NewJobRow("test", "test_job", "dead", Attempts: 3, FinishedAgo: TimeSpan.FromHours(5)),
            new NewJobRow("notification", "deliver_notification", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromHours(5)));

        var response = await dashboard.Client.SendAsync(HttpMethod.Delete, "/api/admin/queues/test/completed-jobs?olderThanMinutes=60", new StringContent(""), dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response));
        Assert.Empty(await JobRows.ReadAsync(dashboard.ConnectionString, old));
        Assert.Equal(kept, (await JobRows.ReadAsync(dashboard.ConnectionString, kept)).Select(j => j.Id));
        var audit = Assert.Single(dashboard.AuditEvents);
        Assert.Equal((dashboard.Admin.Id.ToString(), "2", "test", "60"), (audit.Scalar("AdminId"), audit.Scalar("Jobs"), audit.Scalar("Queue"), audit.Scalar("OlderThanMinutes")));
    }

    [Fact]
    public async Task An_age_of_zero_deletes_every_completed_job_of_the_queue()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var completed = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "completed", Attempts: 1),
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromDays(3)));

        var response = await dashboard.Client.SendAsync(HttpMethod.Delete, "/api/admin/queues/test/completed-jobs?olderThanMinutes=0", new StringContent(""), dashboard.Admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await JobRows.ReadAsync(dashboard.ConnectionString, completed));
    }
}

[Collection(PostgresTests.Name)]
public sealed class DeleteCompletedJobsRefusalTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Theory]
    [InlineData("")]
    [InlineData("?olderThanMinutes=-1")]
    [InlineData("?olderThanMinutes=527041")]
    [InlineData("?olderThanMinutes=an-hour")]
    public async Task A_missing_or_bad_age_is_400_problem_details_naming_it_and_deletes_nothing(string query)
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);
        var id = (await JobRows.InsertAsync(service.ConnectionString, new NewJobRow("email", "send_welcome_email", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromDays(1))))[0];

        var response = await service.Client.SendAsync(HttpMethod.Delete, $"/api/admin/queues/email/completed-jobs{query}", new StringContent(""), admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["olderThanMinutes"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Single(await JobRows.ReadAsync(service.ConnectionString, [id]));
    }
}
