using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(ChangePasswordTests))]
public sealed class ChangePasswordTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ChangePasswordTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string NewPassword = "a new password of the owner";

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_change_keeps_this_session_and_ends_the_others()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var otherDevice = await TestAccounts.SignInAsync(_client, account.Email, account.Password);

        var response = await ChangeAsync(account.AccessToken, account.Password, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(account.RefreshToken)).StatusCode);
        await ProblemResponses.AssertProblemAsync(await RefreshAsync(otherDevice.GetProperty("refreshToken").GetString()!), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task After_a_change_the_new_password_signs_in_and_the_old_one_does_not()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        await ChangeAsync(account.AccessToken, account.Password, NewPassword);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = NewPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password })).StatusCode);
    }

    [Fact]
    public async Task A_wrong_current_password_is_400_on_its_field_counted_as_a_failed_attempt_and_changes_nothing()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var otherDevice = await TestAccounts.SignInAsync(_client, account.Email, account.Password);
        var hashBefore = (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash;
        var before = await MetricsText.ScrapeAsync(_client);

        var response = await ChangeAsync(account.AccessToken, "not the password", NewPassword);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["currentPassword"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        var after = await MetricsText.ScrapeAsync(_client);
        Assert.Equal(1, after.Value("login_attempts_total", ("status", "failed")) - before.Value("login_attempts_total", ("status", "failed")));
        Assert.Equal(hashBefore, (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(otherDevice.GetProperty("refreshToken").GetString()!)).StatusCode);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("")]
    [InlineData("1234567")]
    public async Task A_new_password_that_registration_would_refuse_is_400_and_changes_nothing(string newPassword)
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var hashBefore = (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash;

        var response = await ChangeAsync(account.AccessToken, account.Password, newPassword);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["newPassword"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(hashBefore, (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"currentPassword\": 5, \"newPassword\": true}")]
    [InlineData("{\"currentPassword\": \"x\"")]
    [InlineData("{\"currentPassword\": \"a password\", \"newPassword\": \"lone surrogate \\uD800 here\"}")]
    public async Task A_malformed_body_is_400_problem_details(string body)
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(HttpMethod.Post, "/api/users/me/password", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), account.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_oversized_password_is_400_and_an_oversized_body_413()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var tooLong = await ChangeAsync(account.AccessToken, account.Password, new string('p', 129));
        var tooLarge = await ChangeAsync(account.AccessToken, account.Password, new string('p', 2 * 1024 * 1024));

        await ProblemResponses.AssertProblemAsync(tooLong, HttpStatusCode.BadRequest);
        await ProblemResponses.AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        var response = await ChangeAsync(accessToken: null, "whatever it is", NewPassword);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Guessing_the_current_password_shares_the_sign_in_limit_of_the_account()
    {
        // A clock that does not move: the per-account window cannot roll over between the guesses.
        await using var host = new ServiceHost(service.ConnectionString, new Dictionary<string, string?> { ["Auth:RateLimits:PerEmail"] = "3" })
        {
            Time = new FakeTimeProvider(DateTimeOffset.UtcNow),
        };
        using var client = host.CreateClient();
        var account = await TestAccounts.SignUpAsync(client);
        var limitedBySignUp = 1;

        for (var i = limitedBySignUp; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendJsonAsync(
                HttpMethod.Post, "/api/users/me/password", new { currentPassword = $"guess {i}", newPassword = NewPassword }, account.AccessToken)).StatusCode);
        }

        await ProblemResponses.AssertProblemAsync(await client.SendJsonAsync(
            HttpMethod.Post, "/api/users/me/password", new { currentPassword = account.Password, newPassword = NewPassword }, account.AccessToken), (HttpStatusCode)429);
        await ProblemResponses.AssertProblemAsync(
            await client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password }), (HttpStatusCode)429);
    }

    private Task<HttpResponseMessage> ChangeAsync(string? accessToken, string currentPassword, string newPassword) =>
        _client.SendJsonAsync(HttpMethod.Post, "/api/users/me/password", new { currentPassword, newPassword }, accessToken);

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
}
