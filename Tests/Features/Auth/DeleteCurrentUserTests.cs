using System.Net;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(DeleteCurrentUserTests))]
public sealed class DeleteCurrentUserTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(DeleteCurrentUserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Deleting_removes_the_account_its_sessions_notifications_and_every_job_no_worker_holds()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await TestAccounts.SignInAsync(_client, account.Email, account.Password);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "For the leaver");
        var jobs = await AccountRows.InsertJobsAsync(service.ConnectionString, account.Id, account.Email);
        var bystander = await TestAccounts.SignUpAsync(_client);
        await NotificationRows.InsertAsync(service.ConnectionString, bystander.Id, "For the one who stays");
        // Its confirmation email's job writes a link token when it runs: counted after, not during.
        await JobRows.WaitUntilJobsOfUserFinishedAsync(service.ConnectionString, bystander.Id);
        var bystanderBefore = await AccountRows.CountAsync(service.ConnectionString, bystander.Id);

        var response = await DeleteAsync(account.AccessToken, account.Password);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var rows = await AccountRows.CountAsync(service.ConnectionString, account.Id);
        Assert.Equal((0, 0, 0, 0), (rows.Users, rows.RefreshTokens, rows.Notifications, rows.AccountTokens));
        // Only the active job is left, to its worker, whose handler finds the account gone.
        Assert.Equal([jobs[^1]], await AccountRows.RemainingJobsAsync(service.ConnectionString, jobs));
        Assert.Equal(bystanderBefore, await AccountRows.CountAsync(service.ConnectionString, bystander.Id));
        Assert.Equal([new AccountRows.Deletion(account.Id, "self")], await AccountRows.DeletionsOfAsync(service.ConnectionString, account.Id));
    }

    [Fact]
    public async Task After_deletion_the_refresh_token_the_access_token_and_the_password_are_refused()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        await DeleteAsync(account.AccessToken, account.Password);

        await ProblemResponses.AssertProblemAsync(
            await _client.SendJsonAsync(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = account.RefreshToken }, accessToken: null), HttpStatusCode.Unauthorized);
        await ProblemResponses.AssertProblemAsync(await _client.GetAsync("/api/users/me", account.AccessToken), HttpStatusCode.Unauthorized);
        await ProblemResponses.AssertProblemAsync(
            await _client.SendJsonAsync(HttpMethod.Post, "/api/auth/login", new { email = account.Email, password = account.Password }, accessToken: null), HttpStatusCode.Unauthorized);
        await ProblemResponses.AssertProblemAsync(await DeleteAsync(account.AccessToken, account.Password), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_wrong_password_is_400_on_its_field_and_deletes_nothing()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Still here");
        await JobRows.WaitUntilJobsOfUserFinishedAsync(service.ConnectionString, account.Id);
        var before = await AccountRows.CountAsync(service.ConnectionString, account.Id);

        var response = await DeleteAsync(account.AccessToken, "not the password");

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["password"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await AccountRows.CountAsync(service.ConnectionString, account.Id));
        Assert.Empty(await AccountRows.DeletionsOfAsync(service.ConnectionString, account.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"password\": 12345678}")]
    [InlineData("{\"password\": \"\\uD800\"}")]
    [InlineData("{\"password\": \"x\"")]
    public async Task A_missing_or_malformed_body_is_400_and_deletes_nothing(string body)
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(HttpMethod.Delete, "/api/users/me", new StringContent(body, Encoding.UTF8, "application/json"), account.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(1, (await AccountRows.CountAsync(service.ConnectionString, account.Id)).Users);
    }

    [Fact]
    public async Task The_password_in_the_query_string_is_ignored()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(
            HttpMethod.Delete, $"/api/users/me?password={Uri.EscapeDataString(account.Password)}", new StringContent("{}", Encoding.UTF8, "application/json"), account.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(1, (await AccountRows.CountAsync(service.ConnectionString, account.Id)).Users);
    }

    [Fact]
    public async Task An_oversized_password_is_400_and_an_oversized_body_413()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        await ProblemResponses.AssertProblemAsync(await DeleteAsync(account.AccessToken, new string('p', 129)), HttpStatusCode.BadRequest);
        await ProblemResponses.AssertProblemAsync(await DeleteAsync(account.AccessToken, new string('p', 2 * 1024 * 1024)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1, (await AccountRows.CountAsync(service.ConnectionString, account.Id)).Users);
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await ProblemResponses.AssertProblemAsync(await DeleteAsync(accessToken: null, "whatever it is"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_deletion_counts_once_by_self()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var before = await MetricsText.ScrapeAsync(_client);

        await DeleteAsync(account.AccessToken, "not the password");
        await DeleteAsync(account.AccessToken, account.Password);

        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(1, after.Value("users_deleted_total", ("by", "self")) - before.Value("users_deleted_total", ("by", "self")));
        Assert.Equal(0, after.Value("users_deleted_total", ("by", "admin")) - before.Value("users_deleted_total", ("by", "admin")));
    }

    private Task<HttpResponseMessage> DeleteAsync(string? accessToken, string password) =>
        _client.SendJsonAsync(HttpMethod.Delete, "/api/users/me", new { password }, accessToken);
}
