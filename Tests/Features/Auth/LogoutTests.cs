using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(LogoutTests))]
public sealed class LogoutTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(LogoutTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Logout_is_204_and_the_refresh_token_no_longer_refreshes()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await LogoutAsync(account.RefreshToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True((await RefreshTokenRows.FindAsync(service.ConnectionString, account.RefreshToken))!.Revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(account.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session_of_the_token_and_leaves_other_sessions_signed_in()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var otherSession = (await TestAccounts.SignInAsync(_client, account.Email, account.Password)).GetProperty("refreshToken").GetString()!;
        var next = (await (await RefreshAsync(account.RefreshToken)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refreshToken").GetString()!;

        await LogoutAsync(next);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(next)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(otherSession)).StatusCode);
    }

    [Fact]
    public async Task Logout_with_an_unknown_or_already_revoked_token_is_still_204()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await LogoutAsync(account.RefreshToken);

        Assert.Equal(HttpStatusCode.NoContent, (await LogoutAsync(account.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await LogoutAsync("bm90LWEtdG9rZW4tdGhhdC10aGUtc2VydmljZS1pc3N1ZWQ")).StatusCode);
    }

    [Fact]
    public async Task Logout_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await LogoutAsync(account.RefreshToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response));
    }

    [Fact]
    public async Task A_missing_token_is_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/logout", new { });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    private Task<HttpResponseMessage> LogoutAsync(string refreshToken) => _client.PostAsJsonAsync("/api/auth/logout", new { refreshToken });

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) => _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
}
