using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Users;

[Collection(PostgresTests.Name)]
public sealed class GetUserTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_existing_user_is_200_with_the_public_profile()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{user.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(user.DisplayName, body.GetProperty("displayName").GetString());
        Assert.False(body.TryGetProperty("email", out _));
        Assert.False(body.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task An_existing_user_body_has_the_contract_shape()
    {
        var user = await UserRows.InsertAsync(service.ConnectionString);

        var response = await _client.GetAsync($"/api/users/{user.Id}");

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "displayName", "createdAt"));
    }

    [Fact]
    public async Task An_unknown_id_is_404_problem_details()
    {
        var response = await _client.GetAsync($"/api/users/{Guid.NewGuid()}");

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId", "detail"));
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("1%27%20OR%20%271%27%3D%271")]
    [InlineData("%F0%9F%92%A9")]
    public async Task An_id_that_is_not_a_uuid_is_400_problem_details(string id)
    {
        var response = await _client.GetAsync($"/api/users/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task A_malformed_id_body_has_the_contract_shape()
    {
        var response = await _client.GetAsync("/api/users/not-a-guid");

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }
}
