using System.Net;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(UpdateCurrentUserTests))]
public sealed class UpdateCurrentUserTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(UpdateCurrentUserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_new_display_name_is_200_with_the_account_and_is_stored()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendJsonAsync(HttpMethod.Patch, "/api/users/me", new { displayName = "Ann Renamed" }, account.AccessToken);

        Assert.Equal("Ann Renamed", (await UserTable.FindAsync(service.ConnectionString, account.Email))?.DisplayName);
        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "email", "createdAt"));
    }

    [Fact]
    public async Task The_account_changed_is_the_tokens_whatever_the_body_says()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);

        await _client.SendJsonAsync(HttpMethod.Patch, "/api/users/me", new { id = bo.Id, email = bo.Email, role = "admin", displayName = "Changed by Ann" }, ann.AccessToken);

        var annRow = await UserTable.FindAsync(service.ConnectionString, ann.Email);
        var boRow = await UserTable.FindAsync(service.ConnectionString, bo.Email);
        Assert.Equal(("Changed by Ann", "user"), (annRow?.DisplayName, annRow?.Role));
        Assert.Equal(bo.DisplayName, boRow?.DisplayName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("control\u0007char")]
    [InlineData("bidi \u202Eoverride")]
    public async Task An_invalid_display_name_is_400_and_changes_nothing(string displayName)
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendJsonAsync(HttpMethod.Patch, "/api/users/me", new { displayName }, account.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["displayName"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(account.DisplayName, (await UserTable.FindAsync(service.ConnectionString, account.Email))?.DisplayName);
    }

    [Fact]
    public async Task A_display_name_over_100_characters_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendJsonAsync(HttpMethod.Patch, "/api/users/me", new { displayName = new string('n', 101) }, account.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_changes_nothing()
    {
        var response = await _client.SendJsonAsync(HttpMethod.Patch, "/api/users/me", new { displayName = "Nobody" }, accessToken: null);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }
}
