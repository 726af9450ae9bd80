using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(GetCurrentUserTests))]
public sealed class GetCurrentUserTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(GetCurrentUserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_signed_in_user_gets_their_own_account_and_only_theirs()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);

        var annSees = await (await _client.GetAsync("/api/users/me", ann.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        var boSees = await (await _client.GetAsync("/api/users/me", bo.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((ann.Id, ann.Email), (annSees.GetProperty("id").GetGuid(), annSees.GetProperty("email").GetString()));
        Assert.Equal((bo.Id, bo.Email), (boSees.GetProperty("id").GetGuid(), boSees.GetProperty("email").GetString()));
    }

    [Fact]
    public async Task The_account_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client, displayName: "Ann Example");

        var response = await _client.GetAsync("/api/users/me", account.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "email", "createdAt"));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_problem_details()
    {
        var response = await _client.GetAsync("/api/users/me");

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_of_an_account_that_no_longer_exists_is_401_problem_details()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await using (var connection = new NpgsqlConnection(service.ConnectionString))
        {
            await connection.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { account.Id });
        }

        var response = await _client.GetAsync("/api/users/me", account.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }
}
