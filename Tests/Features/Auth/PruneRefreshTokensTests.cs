using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Auth;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(PruneRefreshTokensTests))]
public sealed class PruneRefreshTokensTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(PruneRefreshTokensTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Tokens_expired_or_revoked_longer_than_the_retention_are_deleted_and_every_token_that_still_matters_is_kept()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var expiredLongAgo = await SignInAsync(account);
        var revokedLongAgo = await SignInAsync(account);
        var expiredRecently = await SignInAsync(account);
        var revokedRecently = await SignInAsync(account);
        var live = await SignInAsync(account);
        // Rotated but not expired: presenting it again must still revoke its session, so its row must stay.
        var rotated = await SignInAsync(account);
        Assert.True((await _client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = rotated })).IsSuccessStatusCode);
        await SetAsync(expiredLongAgo, "expires_at = now() - interval '25 hours'");
        await SetAsync(revokedLongAgo, "revoked_at = now() - interval '25 hours'");
        await SetAsync(expiredRecently, "expires_at = now() - interval '23 hours'");
        await SetAsync(revokedRecently, "revoked_at = now() - interval '23 hours'");

        await service.Host.Services.GetRequiredService<PruneRefreshTokens>().Invoke();

        Assert.Null(await RefreshTokenRows.FindAsync(service.ConnectionString, expiredLongAgo));
        Assert.Null(await RefreshTokenRows.FindAsync(service.ConnectionString, revokedLongAgo));
        foreach (var kept in new[] { expiredRecently, revokedRecently, live, rotated, account.RefreshToken })
        {
            Assert.NotNull(await RefreshTokenRows.FindAsync(service.ConnectionString, kept));
        }
        Assert.True((await RefreshTokenRows.FindAsync(service.ConnectionString, rotated))!.Rotated);
    }

    private async Task<string> SignInAsync(TestAccount account) =>
        (await TestAccounts.SignInAsync(_client, account.Email, account.Password)).GetProperty("refreshToken").GetString()!;

    private async Task SetAsync(string token, string assignment)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.ExecuteAsync($"UPDATE refresh_tokens SET {assignment} WHERE token_hash = @Hash",
            new { Hash = SHA256.HashData(Encoding.UTF8.GetBytes(token)) });
    }
}
