using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Notifications;

[Collection(nameof(ListNotificationsTests))]
public sealed class ListNotificationsTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ListNotificationsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_page_body_has_the_contract_shape()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Older", TimeSpan.FromMinutes(2), read: true);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Newer", TimeSpan.FromMinutes(1));

        var response = await _client.GetAsync("/api/notifications?pageSize=1", account.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "createdAt", "nextCursor"));
    }

    [Fact]
    public async Task Pages_go_from_newest_to_oldest_by_cursor_without_repeats_while_new_notifications_arrive()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var made = new List<Guid>();
        for (var i = 5; i >= 1; i--)
        {
            made.Add(await NotificationRows.InsertAsync(service.ConnectionString, account.Id, $"Notification {6 - i}", TimeSpan.FromMinutes(i)));
        }

        var first = await PageAsync(account, "pageSize=2");
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Arrived while paging");
        var second = await PageAsync(account, $"pageSize=2&cursor={first.GetProperty("nextCursor").GetGuid()}");
        var third = await PageAsync(account, $"pageSize=2&cursor={second.GetProperty("nextCursor").GetGuid()}");

        Assert.Equal(["Notification 5", "Notification 4"], Titles(first));
        Assert.Equal(["Notification 3", "Notification 2"], Titles(second));
        Assert.Equal(["Notification 1"], Titles(third));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("nextCursor").ValueKind);
        Assert.Equal(6, third.GetProperty("unreadCount").GetInt64());
    }

    [Fact]
    public async Task Unread_only_lists_the_unread_ones_and_the_count_is_of_all_unread()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Read", TimeSpan.FromMinutes(3), read: true);
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Unread 1", TimeSpan.FromMinutes(2));
        await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Unread 2", TimeSpan.FromMinutes(1));

        var unread = await PageAsync(account, "unreadOnly=true");
        var all = await PageAsync(account, "unreadOnly=false");

        Assert.Equal(["Unread 2", "Unread 1"], Titles(unread));
        Assert.Equal(["Unread 2", "Unread 1", "Read"], Titles(all));
        Assert.Equal((2, 2), (unread.GetProperty("unreadCount").GetInt64(), all.GetProperty("unreadCount").GetInt64()));
    }

    [Fact]
    public async Task Unread_only_pages_by_cursor_end_exactly_at_the_last_unread_and_count_them_all_on_every_page()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        for (var i = 6; i >= 1; i--)
        {
            // Notification 1 (the oldest) to 6 (the newest); the even ones read.
            await NotificationRows.InsertAsync(service.ConnectionString, account.Id, $"Notification {7 - i}", TimeSpan.FromMinutes(i), read: (7 - i) % 2 == 0);
        }

        var first = await PageAsync(account, "unreadOnly=true&pageSize=2");
        var second = await PageAsync(account, $"unreadOnly=true&pageSize=2&cursor={first.GetProperty("nextCursor").GetGuid()}");
        var newestRead = (await PageAsync(account, "pageSize=1")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var afterARead = await PageAsync(account, $"unreadOnly=true&pageSize=3&cursor={newestRead}");

        Assert.Equal(["Notification 5", "Notification 3"], Titles(first));
        Assert.Equal(["Notification 1"], Titles(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(["Notification 5", "Notification 3", "Notification 1"], Titles(afterARead));
        Assert.Equal(JsonValueKind.Null, afterARead.GetProperty("nextCursor").ValueKind);
        Assert.Equal([3L, 3L, 3L], new[] { first, second, afterARead }.Select(p => p.GetProperty("unreadCount").GetInt64()));
    }

    [Fact]
    public async Task A_user_sees_only_their_own_notifications_and_cannot_page_from_another_users()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);
        var annsOwn = await NotificationRows.InsertAsync(service.ConnectionString, ann.Id, "For Ann");
        var bosOwn = await NotificationRows.InsertAsync(service.ConnectionString, bo.Id, "For Bo");

        var annSees = await PageAsync(ann, "");
        var fromBosCursor = await _client.GetAsync($"/api/notifications?cursor={bosOwn}", ann.AccessToken);

        Assert.Equal([annsOwn], annSees.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("id").GetGuid()));
        var problem = await ProblemResponses.AssertProblemAsync(fromBosCursor, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), problem.ToString());
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=twenty", "pageSize")]
    [InlineData("cursor=not-a-uuid", "cursor")]
    [InlineData("unreadOnly=maybe", "unreadOnly")]
    public async Task A_bad_query_is_400_naming_the_parameter(string query, string parameter)
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.GetAsync($"/api/notifications?{query}", account.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task Without_a_token_it_is_401_problem_details()
    {
        var response = await _client.GetAsync("/api/notifications");

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private async Task<JsonElement> PageAsync(TestAccount account, string query)
    {
        var response = await _client.GetAsync($"/api/notifications?{query}", account.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string[] Titles(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("title").GetString()!)];
}
