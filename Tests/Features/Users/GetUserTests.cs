using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(GetUserTests))]
public sealed class GetUserTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(GetUserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_administrator_gets_any_user_account_without_its_password_hash()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{user.Id}", admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(user.Email, body.GetProperty("email").GetString());
        Assert.Equal(user.DisplayName, body.GetProperty("displayName").GetString());
        Assert.Equal("user", body.GetProperty("role").GetString());
        Assert.False(body.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task A_user_account_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await UserRows.InsertAsync(service.ConnectionString, displayName: "Ann Example");

        var response = await _client.GetAsync($"/api/users/{user.Id}", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "email", "createdAt"));
    }

    [Fact]
    public async Task An_unknown_id_is_404_problem_details()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{Guid.NewGuid()}", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId", "detail"));
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("1%27%20OR%20%271%27%3D%271")]
    [InlineData("%F0%9F%92%A9")]
    public async Task An_id_that_is_not_a_uuid_is_400_problem_details(string id)
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{id}", admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task A_malformed_id_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync("/api/users/not-a-guid", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_problem_details()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{user.Id}");

        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task A_user_cannot_read_another_user_and_gets_403_problem_details()
    {
        var user = await TestAccounts.SignUpAsync(_client);
        var other = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{other.Id}", user.AccessToken);

        Assert.DoesNotContain(other.Email, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }
}
