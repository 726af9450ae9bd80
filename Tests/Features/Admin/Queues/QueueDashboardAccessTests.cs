using System.Net;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

// Who may use the dashboard's API: administrators only, whatever the endpoint.
[Collection(nameof(QueueDashboardAccessTests))]
public sealed class QueueDashboardAccessTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(QueueDashboardAccessTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    public static TheoryData<string, string> Endpoints() => new()
    {
        { "GET", "/api/admin/queues" },
        { "GET", "/api/admin/queues/email/jobs?state=dead" },
        { "GET", "/api/admin/queues/email/jobs/1" },
        { "POST", "/api/admin/queues/email/jobs/1/retry" },
        { "POST", "/api/admin/queues/email/retry-dead" },
        { "DELETE", "/api/admin/queues/email/completed-jobs?olderThanMinutes=60" },
        { "POST", "/api/admin/queues/email/pause" },
        { "POST", "/api/admin/queues/email/resume" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_every_endpoint_is_401_problem_details(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var response = await _client.SendAsync(request);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_user_who_is_not_an_admin_gets_403_problem_details_from_every_endpoint(string method, string path)
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(new HttpMethod(method), path, new StringContent(""), user.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Requests_are_counted_under_their_route_templates_whatever_the_queue_and_id()
    {
        var before = await MetricsText.ScrapeAsync(_client);

        await _client.GetAsync("/api/admin/queues");
        await _client.GetAsync($"/api/admin/queues/email/jobs/{Random.Shared.Next()}");
        await _client.GetAsync($"/api/admin/queues/{Guid.NewGuid()}/jobs/1");

        var after = await MetricsText.ScrapeAsync(_client);
        double Delta(string route) =>
            after.Value("http_requests_total", ("route", route), ("status", "401")) - before.Value("http_requests_total", ("route", route), ("status", "401"));
        Assert.Equal((1, 2), (Delta("/api/admin/queues"), Delta("/api/admin/queues/{queue}/jobs/{id}")));
    }

    [Fact]
    public async Task A_403_body_has_the_contract_shape_and_no_queue_data()
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync("/api/admin/queues", user.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task A_user_token_with_the_admin_role_forged_into_it_is_401()
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync("/api/admin/queues", TestTokens.Tampered(user.AccessToken, "admin"));

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Answers_to_an_admin_are_never_stored_by_a_cache_even_a_validation_failure()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var summary = await _client.GetAsync("/api/admin/queues", admin.AccessToken);
        var invalid = await _client.GetAsync("/api/admin/queues/email/jobs?state=sleeping", admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.All([summary, invalid], response => Assert.True(response.Headers.CacheControl?.NoStore, $"{response.RequestMessage!.RequestUri}: {response.Headers.CacheControl}"));
    }
}
