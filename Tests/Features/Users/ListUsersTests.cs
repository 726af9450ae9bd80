using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Users;

[Collection(nameof(ListUsersTests))]
public sealed class ListUsersTests(ServiceFixture service, DatabaseFixture database) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ListUsersTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_administrator_pages_through_every_user_once_in_a_stable_order()
    {
        // A database of its own, so that the total and the pages hold exactly the users made here.
        var connectionString = await database.CreateEmptyDatabaseAsync();
        await using var host = new ServiceHost(connectionString);
        using var client = host.CreateSocketClient();
        var admin = await TestAccounts.SignUpAdminAsync(client, connectionString);
        var made = new List<Guid> { admin.Id };
        for (var i = 0; i < 6; i++)
        {
            made.Add((await UserRows.InsertAsync(connectionString)).Id);
        }
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            // Two users created in the same instant: the order must still be total.
            await connection.ExecuteAsync("UPDATE users SET created_at = '2024-01-01T00:00:00Z' WHERE id = ANY(@Ids)", new { Ids = made.Take(2).ToArray() });
        }

        var pages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/api/users?pageSize=2{(cursor is null ? "" : "&cursor=" + cursor)}", admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
            pages.Add(page);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pages.Count < 10);

        var listed = pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(made.Order(), listed.Select(u => u.GetProperty("id").GetGuid()).Order());
        Assert.Equal([2, 2, 2, 1], pages.Select(p => p.GetProperty("items").GetArrayLength()));
        Assert.All(pages, p => Assert.Equal(7, p.GetProperty("totalCount").GetInt64()));
        var order = listed.Select(u => (u.GetProperty("createdAt").GetDateTime(), u.GetProperty("id").GetGuid().ToString())).ToList();
        Assert.Equal(order.OrderBy(o => o.Item1).ThenBy(o => o.Item2, StringComparer.Ordinal), order);
    }

    [Fact]
    public async Task A_page_body_has_the_contract_shape()
    {
        var connectionString = await database.CreateEmptyDatabaseAsync();
        await using var host = new ServiceHost(connectionString);
        using var client = host.CreateSocketClient();
        var admin = await TestAccounts.SignUpAdminAsync(client, connectionString, displayName: "Ada Admin");
        await UserRows.InsertAsync(connectionString, displayName: "Ann Example");
        await UserRows.InsertAsync(connectionString, displayName: "Bo Example");

        var response = await client.GetAsync("/api/users?pageSize=2", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "email", "createdAt", "nextCursor"));
    }

    [Fact]
    public async Task Without_paging_values_the_first_page_of_20_is_served()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var page = await (await _client.GetAsync("/api/users", admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.InRange(page.GetProperty("items").GetArrayLength(), 1, 20);
        Assert.True(page.TryGetProperty("nextCursor", out _));
    }

    [Fact]
    public async Task A_page_of_100_is_the_largest_allowed()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync("/api/users?pageSize=100", admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("cursor=0f8fad5b-d9cb-469f-a165-70867728950e", "cursor")]
    [InlineData("pageSize=1.5", "pageSize")]
    [InlineData("pageSize=99999999999", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=%27%3B%20DROP%20TABLE%20users%3B--", "pageSize")]
    public async Task A_bad_paging_value_is_400_problem_details_naming_it(string query, string field)
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync($"/api/users?{query}", admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_page_size_over_100_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync("/api/users?pageSize=101", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Fact]
    public async Task A_user_token_is_403_and_lists_no_one()
    {
        var user = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync("/api/users", user.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }
}
