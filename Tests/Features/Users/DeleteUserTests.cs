using System.Net;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(DeleteUserTests))]
public sealed class DeleteUserTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(DeleteUserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_administrator_deletes_an_account_with_its_rows_audited_by_id()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        await NotificationRows.InsertAsync(service.ConnectionString, user.Id, "For the deleted");
        var jobs = await AccountRows.InsertJobsAsync(service.ConnectionString, user.Id, user.Email);

        var response = await DeleteAsync(admin.AccessToken, user.Id);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var rows = await AccountRows.CountAsync(service.ConnectionString, user.Id);
        Assert.Equal((0, 0, 0, 0), (rows.Users, rows.RefreshTokens, rows.Notifications, rows.AccountTokens));
        Assert.Equal([jobs[^1]], await AccountRows.RemainingJobsAsync(service.ConnectionString, jobs));
        Assert.Equal([new AccountRows.Deletion(admin.Id, "admin")], await AccountRows.DeletionsOfAsync(service.ConnectionString, user.Id));
        await ProblemResponses.AssertProblemAsync(await _client.GetAsync($"/api/users/{user.Id}", admin.AccessToken), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_user_is_refused_403_and_nothing_is_deleted()
    {
        var user = await TestAccounts.SignUpAsync(_client);
        var other = await TestAccounts.SignUpAsync(_client);

        var others = await DeleteAsync(user.AccessToken, other.Id);
        var own = await DeleteAsync(user.AccessToken, user.Id);

        await ProblemResponses.AssertProblemAsync(others, HttpStatusCode.Forbidden);
        await ProblemResponses.AssertProblemAsync(own, HttpStatusCode.Forbidden);
        Assert.Equal(1, (await AccountRows.CountAsync(service.ConnectionString, other.Id)).Users);
        Assert.Equal(1, (await AccountRows.CountAsync(service.ConnectionString, user.Id)).Users);
    }

    [Fact]
    public async Task An_unknown_id_is_404_and_an_id_that_is_not_a_uuid_400()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        await ProblemResponses.AssertProblemAsync(await DeleteAsync(admin.AccessToken, Guid.NewGuid()), HttpStatusCode.NotFound);
        await ProblemResponses.AssertProblemAsync(
            await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/users/not-a-uuid") { Headers = { Authorization = new("Bearer", admin.AccessToken) } }),
            HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_deletion_counts_once_by_admin()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var before = await MetricsText.ScrapeAsync(_client);

        await DeleteAsync(admin.AccessToken, user.Id);
        await DeleteAsync(admin.AccessToken, user.Id);

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(1, after.Value("users_deleted_total", ("by", "admin")) - before.Value("users_deleted_total", ("by", "admin")));
        Assert.Equal(0, after.Value("users_deleted_total", ("by", "self")) - before.Value("users_deleted_total", ("by", "self")));
    }

    [Fact]
    public async Task The_last_administrator_cannot_be_deleted_by_anyone_but_one_of_two_can()
    {
        await using var isolated = await IsolatedDatabase.CreateAsync(database);
        await using var host = isolated.Host();
        using var client = host.CreateClient();
        var first = await TestAccounts.SignUpAdminAsync(client, isolated.ConnectionString);

        var alone = await DeleteAsync(client, first.AccessToken, first.Id);
        var leavingAlone = await client.SendJsonAsync(HttpMethod.Delete, "/api/users/me", new { password = first.Password }, first.AccessToken);
        var second = await TestAccounts.SignUpAdminAsync(client, isolated.ConnectionString);
        var withAnother = await DeleteAsync(client, second.AccessToken, first.Id);
        var secondAlone = await client.SendJsonAsync(HttpMethod.Delete, "/api/users/me", new { password = second.Password }, second.AccessToken);

        await ProblemResponses.AssertProblemAsync(alone, HttpStatusCode.Conflict);
        await ProblemResponses.AssertProblemAsync(leavingAlone, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, withAnother.StatusCode);
        await ProblemResponses.AssertProblemAsync(secondAlone, HttpStatusCode.Conflict);
        Assert.Equal(1, (await AccountRows.CountAsync(isolated.ConnectionString, second.Id)).Users);
    }

    private Task<HttpResponseMessage> DeleteAsync(string accessToken, Guid id) => DeleteAsync(_client, accessToken, id);

    private static Task<HttpResponseMessage> DeleteAsync(HttpClient client, string accessToken, Guid id) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/users/{id}") { Headers = { Authorization = new("Bearer", accessToken) } });
}
