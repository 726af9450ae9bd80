using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Auth;

[Collection(nameof(LoginTests))]
public sealed class LoginTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(LoginTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

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
    public async Task An_unknown_email_costs_a_password_hash_like_a_wrong_password()
    {
        // Without the dummy hash an unknown email would be answered without any hash, in a fraction of the
        // time of a wrong password: counting the hashes verified proves the equal work without timing it.
        CountingPasswordHasher? hasher = null;
        await using var host = new ServiceHost(database.ConnectionString, services: CountingPasswordHasher.In(h => hasher = h));
        using var client = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);
        var stored = (await UserTable.FindAsync(database.ConnectionString, account.Email))!.PasswordHash;
        var before = hasher!.Verified.Count;

        var wrongPassword = await client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = "wrong password" });
        var unknownEmail = await client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "wrong password" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        var verified = hasher.Verified.Skip(before).ToList();
        Assert.Equal(2, verified.Count);
        Assert.Equal(stored, verified[0]);
        // The unknown email's check ran against a hash at the same cost (the same algorithm, parameters and lengths).
        Assert.NotEqual(stored, verified[1]);
        Assert.Equal(UserTable.HashHeader(stored), UserTable.HashHeader(verified[1]));
    }

    [Fact]
    public async Task Raising_the_hashing_memory_rehashes_the_stored_hash_at_the_next_login()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await using var stronger = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["PasswordHashing:MemoryKiB"] = "128" });
        using var client = stronger.CreateSocketClient();

        await TestAccounts.SignInAsync(client, account.Email, account.Password);

        var stored = await UserTable.FindAsync(service.ConnectionString, account.Email);
        Assert.Equal("m=128,t=2,p=1", UserTable.HashHeader(stored!.PasswordHash).Parameters);
        await TestAccounts.SignInAsync(client, account.Email, account.Password);
        await TestAccounts.SignInAsync(_client, account.Email, account.Password);
    }

    [Fact]
    public async Task An_account_whose_hash_is_PBKDF2_from_before_Argon2id_signs_in_and_its_hash_becomes_Argon2id()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await UserTable.SetPasswordHashAsync(service.ConnectionString, account.Email, UserTable.Pbkdf2Hash(account.Password));

        var wrong = await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = "not the password" });
        var unchanged = (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash;
        await TestAccounts.SignInAsync(_client, account.Email, account.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.StartsWith("AQAAAAIAA", unchanged, StringComparison.Ordinal);
        var upgraded = (await UserTable.FindAsync(service.ConnectionString, account.Email))!.PasswordHash;
        Assert.Equal(("argon2id v=19", "m=64,t=2,p=1", 16, 32), UserTable.HashHeader(upgraded));
        await TestAccounts.SignInAsync(_client, account.Email, account.Password);
    }

    [Fact]
    public async Task A_missing_password_is_400_naming_it()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email });

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }
}
