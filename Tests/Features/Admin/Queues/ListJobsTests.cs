using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(ListJobsTests))]
public sealed class ListJobsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ListJobsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_page_body_has_the_contract_shape()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "dead", Attempts: 3, CreatedAgo: TimeSpan.FromMinutes(4), LastError: "Not on the first page."),
            new NewJobRow("test", "test_job", "dead", Attempts: 3, CreatedAgo: TimeSpan.FromMinutes(3),
                LastError: "System.InvalidOperationException: " + new string('x', 400)),
            new NewJobRow("test", "test_job", "dead", Attempts: 3, CreatedAgo: TimeSpan.FromMinutes(2),
                LastError: "Npgsql.NpgsqlException: Failed to connect with Host=db;Password=hunter2;Username=app"),
            new NewJobRow("test", "test_job", "dead", Attempts: 3, CreatedAgo: TimeSpan.FromMinutes(1), LastError: "System.TimeoutException: Timed out."));

        var response = await dashboard.Client.GetAsync("/api/admin/queues/test/jobs?state=dead&page=1&pageSize=3", dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "createdAt", "runAt", "startedAt", "finishedAt"));
    }

    [Fact]
    public async Task Pages_go_newest_first_through_every_job_of_the_queue_and_state_once()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var newestFirst = (await JobRows.InsertAsync(dashboard.ConnectionString, [.. Enumerable.Range(0, 5).Select(i =>
            new NewJobRow("test", "test_job", "completed", CreatedAgo: TimeSpan.FromMinutes(10 - i)))])).Reverse().ToArray();
        await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "dead"),
            new NewJobRow("notification", "deliver_notification", "completed"));

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
        {
            pages.Add(await (await dashboard.Client.GetAsync($"/api/admin/queues/test/jobs?state=completed&page={page}&pageSize=2", dashboard.Admin.AccessToken))
                .Content.ReadFromJsonAsync<JsonElement>());
        }

        var listed = pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(j => j.GetProperty("id").GetInt64());
        Assert.Equal(newestFirst, listed);
        Assert.Equal([true, true, false], pages.Select(p => p.GetProperty("hasMore").GetBoolean()));
    }

    [Fact]
    public async Task Jobs_created_in_the_same_instant_are_ordered_by_id_newest_first()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        var ids = await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "failed", CreatedAgo: TimeSpan.FromMinutes(1), RunIn: TimeSpan.FromHours(1)),
            new NewJobRow("test", "test_job", "failed", CreatedAgo: TimeSpan.FromMinutes(1), RunIn: TimeSpan.FromHours(1)));
        await using (var connection = new Npgsql.NpgsqlConnection(dashboard.ConnectionString))
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE jobs SET created_at = '2024-01-01T00:00:00Z' WHERE id = ANY(@Ids)", new { Ids = ids });
        }

        var page = await (await dashboard.Client.GetAsync("/api/admin/queues/test/jobs?state=failed", dashboard.Admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(ids.Reverse(), page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));
    }
}

// Answers that need no rows of their own: the shared service, whose queues are email and notification.
[Collection(PostgresTests.Name)]
public sealed class ListJobsRefusalTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Theory]
    [InlineData("state=sleeping", "state")]
    [InlineData("", "state")]
    [InlineData("state=DEAD", "state")]
    [InlineData("state=dead&page=0", "page")]
    [InlineData("state=dead&page=abc", "page")]
    [InlineData("state=dead&page=99999999999", "page")]
    [InlineData("state=dead&pageSize=0", "pageSize")]
    [InlineData("state=dead&pageSize=101", "pageSize")]
    [InlineData("state=dead&pageSize=%27%3B%20DROP%20TABLE%20jobs%3B--", "pageSize")]
    public async Task A_bad_paging_or_filter_value_is_400_problem_details_naming_it(string query, string field)
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);

        var response = await service.Client.GetAsync($"/api/admin/queues/email/jobs?{query}", admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_bad_state_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);

        var response = await service.Client.GetAsync("/api/admin/queues/email/jobs?state=sleeping", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Theory]
    [InlineData("/api/admin/queues/no-such-queue/jobs?state=dead")]
    [InlineData("/api/admin/queues/EMAIL/jobs?state=dead")]
    [InlineData("/api/admin/queues/%27%20OR%201%3D1--/jobs?state=dead")]
    public async Task A_queue_no_job_type_runs_on_is_404_problem_details(string path)
    {
        var admin = await TestAccounts.SignUpAdminAsync(service.Client, service.ConnectionString);

        var response = await service.Client.GetAsync(path, admin.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }
}
