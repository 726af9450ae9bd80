using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

[Collection(nameof(GetQueueSummariesTests))]
public sealed class GetQueueSummariesTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(GetQueueSummariesTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_summary_body_has_the_contract_shape()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "waiting", CreatedAgo: TimeSpan.FromMinutes(10)),
            new NewJobRow("test", "test_job", "waiting"),
            new NewJobRow("test", "test_job", "active", Attempts: 1),
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromMinutes(1)),
            new NewJobRow("test", "test_job", "completed", Attempts: 2, FinishedAgo: TimeSpan.FromMinutes(2), FailedAgo: TimeSpan.FromMinutes(3)),
            new NewJobRow("test", "test_job", "completed", Attempts: 1, FinishedAgo: TimeSpan.FromHours(1)),
            new NewJobRow("test", "test_job", "failed", Attempts: 1, FailedAgo: TimeSpan.FromSeconds(30), RunIn: TimeSpan.FromMinutes(5)),
            new NewJobRow("test", "test_job", "dead", Attempts: 3, FailedAgo: TimeSpan.FromHours(1)),
            // A waiting job on every queue, so that every queue has an oldest waiting age to scrub (the admin's welcome and confirmation emails wait on email).
            new NewJobRow("notification", "deliver_notification", "waiting"));

        var response = await dashboard.Client.GetAsync("/api/admin/queues", dashboard.Admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "oldestWaitingAgeSeconds"));
    }

    [Fact]
    public async Task The_oldest_waiting_age_is_the_oldest_waiting_job_and_counts_are_per_queue()
    {
        await using var dashboard = await QueueDashboardHost.StartAsync(database);
        await JobRows.InsertAsync(dashboard.ConnectionString,
            new NewJobRow("test", "test_job", "waiting", CreatedAgo: TimeSpan.FromMinutes(10)),
            new NewJobRow("test", "test_job", "waiting", CreatedAgo: TimeSpan.FromMinutes(1)),
            // Failed jobs wait for their retry, but the age is of jobs never attempted.
            new NewJobRow("test", "test_job", "failed", CreatedAgo: TimeSpan.FromHours(5), RunIn: TimeSpan.FromMinutes(5)),
            new NewJobRow("notification", "deliver_notification", "dead"));

        var summary = await (await dashboard.Client.GetAsync("/api/admin/queues", dashboard.Admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();

        var queues = summary.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("name").GetString()!);
        Assert.Equal(["email", "notification", "test"], queues.Keys);
        Assert.InRange(queues["test"].GetProperty("oldestWaitingAgeSeconds").GetInt64(), 600, 660);
        Assert.Equal((2, 1, 0), Counts(queues["test"]));
        Assert.Equal((0, 0, 1), Counts(queues["notification"]));
        Assert.Equal(JsonValueKind.Null, queues["notification"].GetProperty("oldestWaitingAgeSeconds").ValueKind);
    }

    [Fact]
    public async Task The_open_page_asking_every_few_seconds_is_logged_at_debug_while_actions_are_logged_at_information()
    {
        const string requestLog = "MinimalBackend.Infrastructure.Logging.RequestLoggingMiddleware";
        await using var dashboard = await QueueDashboardHost.StartAsync(database,
            settings: new Dictionary<string, string?> { ["Serilog:MinimumLevel:Override:" + requestLog] = "Information" });
        var id = (await JobRows.InsertAsync(dashboard.ConnectionString, new NewJobRow("test", "test_job", "dead")))[0];

        await dashboard.Client.GetAsync("/api/admin/queues", dashboard.Admin.AccessToken);
        await dashboard.Client.GetAsync("/api/admin/queues/test/jobs?state=dead", dashboard.Admin.AccessToken);
        await dashboard.Client.GetAsync($"/api/admin/queues/test/jobs/{id}", dashboard.Admin.AccessToken);
        await dashboard.Client.SendAsync(HttpMethod.Post, "/api/admin/queues/test/pause", new StringContent(""), dashboard.Admin.AccessToken);

        var logged = await Eventually.UntilAsync(
            () => Task.FromResult(dashboard.Log.From(requestLog).Select(e => e.Scalar("RouteTemplate")).Where(r => r!.StartsWith("/api/admin/", StringComparison.Ordinal)).ToList()),
            routes => routes.Count > 0, "the pause request to be logged");
        Assert.Equal(["/api/admin/queues/{queue}/pause"], logged);
    }

    private static (int Waiting, int Failed, int Dead) Counts(JsonElement queue)
    {
        var counts = queue.GetProperty("counts");
        return (counts.GetProperty("waiting").GetInt32(), counts.GetProperty("failed").GetInt32(), counts.GetProperty("dead").GetInt32());
    }
}
