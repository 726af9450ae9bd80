using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Infrastructure.Security;

[Collection(nameof(AccessTokenTests))]
public sealed class AccessTokenTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(AccessTokenTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    public static TheoryData<string> RefusedTokens => ["expired", "tampered", "wrong audience", "wrong issuer", "wrong key", "without signature", "not yet valid", "not a JWT"];

    [Fact]
    public async Task A_token_signed_with_the_service_key_is_accepted()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync("/api/users/me", TestTokens.Sign(user.Id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user.Id, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_refused_token_is_401_problem_details(string kind)
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);
        var token = kind switch
        {
            "expired" => TestTokens.Sign(user.Id, expires: DateTime.UtcNow.AddMinutes(-2)),
            "tampered" => TestTokens.Tampered(TestTokens.Sign(user.Id), role: "admin"),
            "wrong audience" => TestTokens.Sign(user.Id, audience: "SomeOtherApi"),
            "wrong issuer" => TestTokens.Sign(user.Id, issuer: "https://evil.example"),
            "wrong key" => TestTokens.Sign(user.Id, signingKey: "another-key-that-is-long-enough-for-hmac-sha256"),
            "without signature" => TestTokens.WithoutSignature(user.Id),
            "not yet valid" => TestTokens.Sign(user.Id, notBefore: DateTime.UtcNow.AddMinutes(5), expires: DateTime.UtcNow.AddMinutes(20)),
            _ => "not-a-jwt",
        };

        var response = await _client.GetAsync("/api/users/me", token);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task A_tampered_admin_claim_does_not_open_an_admin_endpoint()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync("/api/users", TestTokens.Tampered(TestTokens.Sign(user.Id), role: "admin"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_refused_token_body_has_the_contract_shape()
    {
        var response = await _client.GetAsync("/api/users/me", TestTokens.Sign(Guid.NewGuid(), signingKey: "another-key-that-is-long-enough-for-hmac-sha256"));

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task Clocks_may_disagree_by_the_small_skew_but_not_by_more()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var withinSkew = await _client.GetAsync("/api/users/me", TestTokens.Sign(user.Id, expires: DateTime.UtcNow.AddSeconds(-10)));
        var beyondSkew = await _client.GetAsync("/api/users/me", TestTokens.Sign(user.Id, expires: DateTime.UtcNow.AddSeconds(-45)));

        Assert.Equal(HttpStatusCode.OK, withinSkew.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, beyondSkew.StatusCode);
    }

    [Fact]
    public async Task A_user_token_on_an_admin_endpoint_is_403_problem_details()
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync("/api/users", user.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Issued_tokens_carry_only_the_user_id_the_role_and_the_session_and_live_15_minutes()
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(user.AccessToken);

        Assert.Equal("HS256", token.Alg);
        Assert.Equal(["aud", "exp", "iat", "iss", "nbf", "role", "sid", "sub"], token.Claims.Select(c => c.Type).Order(StringComparer.Ordinal));
        Assert.Equal(user.Id.ToString(), token.Subject);
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.IssuedAt);
    }
}
