using System.Net;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(RetryJobTests))]
public sealed class RetryJobTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(RetryJobTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_retried_job_body_has_the_contract_shape()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var id = (await JobRows.InsertAsync(dashboard.ConnectionString, new NewJobRow("test", "test_job", "dead", Attempts: 3)))[0];

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/test/jobs/{id}/retry", new StringContent(""), dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id"));
    }

    [Theory]
    [InlineData("dead")]
    [InlineData("failed")]
    public async Task A_retried_job_waits_as_new_due_now_with_its_last_error_kept_and_the_admin_is_audited(string state)
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var id = (await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", state, Attempts: 2, LastError: "System.IO.IOException: Broken pipe", RunIn: TimeSpan.FromHours(1))))[0];

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/test/jobs/{id}/retry", new StringContent(""), dashboard.Admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var job = await JobRows.ReadAsync(dashboard.ConnectionString, id);
        Assert.Equal(("waiting", 0, "System.IO.IOException: Broken pipe", (DateTime?)null), (job.State, job.Attempts, job.LastError, job.FinishedAt));
        Assert.InRange(job.RunAt, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddSeconds(5));
        var audit = Assert.Single(dashboard.AuditEvents);
        Assert.Equal(dashboard.Admin.Id.ToString(), audit.Scalar("AdminId"));
        Assert.Equal((id.ToString(System.Globalization.CultureInfo.InvariantCulture), "test", state), (audit.Scalar("JobId"), audit.Scalar("Queue"), audit.Scalar("StateBefore")));
    }

    [Fact]
    public async Task A_retried_dead_job_is_run_again_and_completes()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database, runJobs: true);
        var id = (await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "dead", Attempts: 3, Payload: """{"run": "retry", "index": 0}""")))[0];

        await dashboard.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/test/jobs/{id}/retry", new StringContent(""), dashboard.Admin.AccessToken);

        var job = (await JobRows.WaitUntilFinishedAsync(dashboard.ConnectionString, [id])).Single();
        Assert.Equal(("completed", 1), (job.State, job.Attempts));
        Assert.Equal([1], dashboard.Runs.Of(id).Select(r => r.Attempt));
    }

    [Theory]
    [InlineData("waiting")]
    [InlineData("active")]
    [InlineData("completed")]
    public async Task A_job_that_is_not_failed_or_dead_is_409_problem_details_naming_its_state_and_is_left_alone(string state)
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var id = (await JobRows.InsertAsync(dashboard.ConnectionString, new NewJobRow("test", "test_job", state, Attempts: state == "waiting" ? 0 : 1)))[0];
        var before = await JobRows.ReadAsync(dashboard.ConnectionString, id);

        var response = await dashboard.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/test/jobs/{id}/retry", new StringContent(""), dashboard.Admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(state, problem.GetProperty("state").GetString());
        Assert.Equal(before, await JobRows.ReadAsync(dashboard.ConnectionString, id));
        Assert.Equal($"refused: {state}", "refused: " + Assert.Single(dashboard.AuditEvents).Scalar("State"));
    }
}

// Refusals that need no rows of their own (or only a completed one, which no worker touches): the shared service.
[Collection(PostgresTests.Name)]
public sealed class RetryJobRefusalTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task A_completed_job_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);
        var id = (await JobRows.InsertAsync(service.ConnectionString, new NewJobRow("email", "send_welcome_email", "completed", Attempts: 1)))[0];

        var response = await service.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/email/jobs/{id}/retry", new StringContent(""), admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task An_unknown_job_is_404_problem_details()
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);

        var response = await service.Client.SendAsync(HttpMethod.Post, $"/api/admin/queues/email/jobs/{long.MaxValue}/retry", new StringContent(""), admin.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }
}
