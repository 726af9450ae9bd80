using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(PostgresTests.Name)]
public sealed class LoginTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Correct_credentials_are_200_with_a_bearer_token_pair_that_works()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.Equal(900, tokens.GetProperty("expiresIn").GetInt32());
        Assert.Equal(43, tokens.GetProperty("refreshToken").GetString()!.Length);
        var me = await _client.GetAsync("/api/users/me", tokens.GetProperty("accessToken").GetString());
        Assert.Equal(account.Id, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_token_pair_is_stored_by_no_cache()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal("no-cache", Assert.Single(response.Headers.Pragma).Name);
    }

    [Fact]
    public async Task A_token_pair_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "accessToken", "refreshToken"));
    }

    [Fact]
    public async Task The_email_matches_in_any_letter_case()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email.ToUpperInvariant(), password = account.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_401_body()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var wrongPassword = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password + "x" });
        var unknownEmail = await _client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = account.Password });

        var wrong = await ResponseSnapshot.OfAsync(wrongPassword, "traceId");
        Assert.Equal(wrong, await ResponseSnapshot.OfAsync(unknownEmail, "traceId"));
        Snapshot.Match(wrong);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_take_about_the_same_time()
    {
        // At a cost where one hash (~20 ms) dwarfs the database lookup; without the dummy hash an unknown
        // email would be answered in a fraction of that.
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["PasswordHashing:IterationCount"] = "50000" });
        using var client = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        await client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "warm-up" });

        var wrongPassword = await MedianMillisecondsAsync(() => client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = "wrong password" }));
        var unknownEmail = await MedianMillisecondsAsync(() => client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "wrong password" }));

        Assert.InRange(unknownEmail / wrongPassword, 0.6, 1.67);
    }

    [Fact]
    public async Task Raising_the_iteration_count_rehashes_the_stored_hash_at_the_next_login()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await using var stronger = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["PasswordHashing:IterationCount"] = "2000" });
        using var client = stronger.CreateSocketClient();

        await TestAccounts.SignInAsync(client, account.Email, account.Password);

        var stored = await UserTable.FindAsync(service.ConnectionString, account.Email);
        Assert.Equal(2000u, UserTable.HashHeader(stored!.PasswordHash).Iterations);
        await TestAccounts.SignInAsync(client, account.Email, account.Password);
        await TestAccounts.SignInAsync(_client, account.Email, account.Password);
    }

    [Fact]
    public async Task A_missing_password_is_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    private static async Task<double> MedianMillisecondsAsync(Func<Task<HttpResponseMessage>> send)
    {
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await send();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        return times.Order().ElementAt(times.Count / 2);
    }
}
