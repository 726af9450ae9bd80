using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Auth;

/// <summary>
/// Auth:RefreshReuseGrace (30 s by default): a replaced refresh token presented again within it gets a fresh pair,
/// later it revokes the session. The clock is the service's TimeProvider, moved by the tests; these tests use
/// refresh tokens only, since access tokens are checked against the real clock.
/// </summary>
[Collection(nameof(RefreshReuseGraceTests))]
public sealed class RefreshReuseGraceTests(RefreshReuseGraceTests.FakeClockHost service) : IClassFixture<RefreshReuseGraceTests.FakeClockHost>
{
    [CollectionDefinition(nameof(RefreshReuseGraceTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Reusing_a_rotated_token_after_the_grace_is_401_and_revokes_its_whole_family_but_no_other_session()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var otherSession = (await TestAccounts.SignInAsync(_client, account.Email, account.Password)).GetProperty("refreshToken").GetString()!;
        var next = await RefreshedTokenAsync(account.RefreshToken);
        service.Clock.Advance(Grace + TimeSpan.FromMilliseconds(1));

        var reuse = await RefreshAsync(account.RefreshToken);

        await ProblemResponses.AssertProblemAsync(reuse, HttpStatusCode.Unauthorized);
        Assert.True((await RefreshTokenRows.FindAsync(service.ConnectionString, next))!.Revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(next)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(otherSession)).StatusCode);
    }

    [Fact]
    public async Task A_replaced_token_presented_again_at_the_end_of_the_grace_gets_a_fresh_pair_of_the_same_session()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var lost = await RefreshedTokenAsync(account.RefreshToken);
        service.Clock.Advance(Grace);

        var retry = await RefreshAsync(account.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var fresh = (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(lost, fresh);
        var original = await RefreshTokenRows.FindAsync(service.ConnectionString, account.RefreshToken);
        Assert.Equal(original!.FamilyId, (await RefreshTokenRows.FindAsync(service.ConnectionString, fresh))!.FamilyId);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(fresh)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(lost)).StatusCode);
    }

    [Fact]
    public async Task Two_refreshes_racing_with_one_token_both_succeed_and_the_session_stays_alive()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var responses = await Task.WhenAll(RefreshAsync(account.RefreshToken), RefreshAsync(account.RefreshToken));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var tokens = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refreshToken").GetString()!));
        Assert.NotEqual(tokens[0], tokens[1]);
        foreach (var token in tokens)
        {
            Assert.False((await RefreshTokenRows.FindAsync(service.ConnectionString, token))!.Revoked);
        }
        // Each tab carries on with its own token, past the grace of the one they shared.
        service.Clock.Advance(Grace + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(tokens[0])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(tokens[1])).StatusCode);
    }

    [Fact]
    public async Task A_revoked_session_gets_no_fresh_pair_within_the_grace()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await RefreshedTokenAsync(account.RefreshToken);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsJsonAsync("/api/auth/logout", new { refreshToken = account.RefreshToken })).StatusCode);

        var retry = await RefreshAsync(account.RefreshToken);

        await ProblemResponses.AssertProblemAsync(retry, HttpStatusCode.Unauthorized);
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    private async Task<string> RefreshedTokenAsync(string refreshToken)
    {
        var response = await RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refreshToken").GetString()!;
    }

    /// <summary>
    /// The service on a clock the tests move. It starts at a whole second of the real time (access tokens stay valid
    /// for the real clock that checks them) and moves by whole milliseconds, which PostgreSQL's microseconds store exactly.
    /// </summary>
    public sealed class FakeClockHost(DatabaseFixture database) : ServiceFixture(database)
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        protected override ServiceHost CreateHost(string connectionString) => new(connectionString) { Time = Clock };
    }
}
