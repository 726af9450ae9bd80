using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(RefreshTests))]
public sealed class RefreshTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(RefreshTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_refresh_token_is_exchanged_for_a_new_pair_of_the_same_family()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await RefreshAsync(account.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>();
        var next = tokens.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(account.RefreshToken, next);
        var used = await RefreshTokenRows.FindAsync(service.ConnectionString, account.RefreshToken);
        var issued = await RefreshTokenRows.FindAsync(service.ConnectionString, next);
        Assert.True(used!.Rotated);
        Assert.Equal(used.FamilyId, issued!.FamilyId);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/users/me", tokens.GetProperty("accessToken").GetString())).StatusCode);
    }

    [Fact]
    public async Task A_refreshed_pair_is_stored_by_no_cache()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await RefreshAsync(account.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal("no-cache", Assert.Single(response.Headers.Pragma).Name);
    }

    [Fact]
    public async Task A_refreshed_pair_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await RefreshAsync(account.RefreshToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "accessToken", "refreshToken"));
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_their_SHA_256_and_expire_after_14_days()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var stored = await RefreshTokenRows.FindAsync(service.ConnectionString, account.RefreshToken);

        Assert.NotNull(stored);
        Assert.Equal(account.Id, stored.UserId);
        // Both from the insert's own now(): exactly the lifetime, however long the request took.
        Assert.Equal(TimeSpan.FromDays(14), stored.ExpiresAt - stored.CreatedAt);
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        var text = await connection.ExecuteScalarAsync<string>("SELECT string_agg(r::text, ' ') FROM refresh_tokens r WHERE user_id = @Id", new { account.Id });
        Assert.DoesNotContain(account.RefreshToken, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_token_is_401_problem_details()
    {
        var response = await RefreshAsync("bm90LWEtdG9rZW4tdGhhdC10aGUtc2VydmljZS1pc3N1ZWQ");

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await RefreshTokenRows.ExpireAsync(service.ConnectionString, account.RefreshToken);

        var response = await RefreshAsync(account.RefreshToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_refreshed_access_token_carries_the_current_role()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await using (var connection = new NpgsqlConnection(service.ConnectionString))
        {
            await connection.ExecuteAsync("UPDATE users SET role = 'admin' WHERE id = @Id", new { account.Id });
        }

        var tokens = await (await RefreshAsync(account.RefreshToken)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Forbidden, (await _client.GetAsync("/api/users", account.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/users", tokens.GetProperty("accessToken").GetString())).StatusCode);
    }

    [Fact]
    public async Task A_missing_token_is_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = (string?)null });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });
}
