using System.Net;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Notifications;

[Collection(nameof(MarkNotificationReadTests))]
public sealed class MarkNotificationReadTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(MarkNotificationReadTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Marking_a_notification_read_is_204_and_marking_it_again_keeps_the_first_time()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var id = await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Read me");

        var first = await MarkAsync(id, account);
        var readAt = (await NotificationRows.FindAsync(service.ConnectionString, id))!.ReadAt;
        var again = await MarkAsync(id, account);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (first.StatusCode, again.StatusCode));
        Assert.NotNull(readAt);
        Assert.Equal(readAt, (await NotificationRows.FindAsync(service.ConnectionString, id))!.ReadAt);
    }

    [Fact]
    public async Task Another_users_notification_is_404_like_one_that_does_not_exist_and_stays_unread()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);
        var bosOwn = await NotificationRows.InsertAsync(service.ConnectionString, bo.Id, "For Bo only");
        var nobodys = Guid.NewGuid();

        var someoneElses = await ProblemResponses.AssertProblemAsync(await MarkAsync(bosOwn, ann), HttpStatusCode.NotFound);
        var unknown = await ProblemResponses.AssertProblemAsync(await MarkAsync(nobodys, ann), HttpStatusCode.NotFound);

        Assert.Equal(unknown.GetProperty("title").GetString(), someoneElses.GetProperty("title").GetString());
        Assert.Equal(unknown.GetProperty("detail").GetString()!.Replace(nobodys.ToString(), "{id}", StringComparison.Ordinal),
            someoneElses.GetProperty("detail").GetString()!.Replace(bosOwn.ToString(), "{id}", StringComparison.Ordinal));
        Assert.Null((await NotificationRows.FindAsync(service.ConnectionString, bosOwn))!.ReadAt);
    }

    [Fact]
    public async Task A_malformed_id_is_400_naming_it()
    {
        var account = await TestAccounts.SignUpAsync(_client);

        var response = await _client.SendAsync(HttpMethod.Post, "/api/notifications/not-a-uuid/read", new StringContent(""), account.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _), problem.ToString());
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_nothing_is_marked()
    {
        var account = await TestAccounts.SignUpAsync(_client);
        var id = await NotificationRows.InsertAsync(service.ConnectionString, account.Id, "Still unread");

        var response = await _client.PostAsync($"/api/notifications/{id}/read", null);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null((await NotificationRows.FindAsync(service.ConnectionString, id))!.ReadAt);
    }

    private Task<HttpResponseMessage> MarkAsync(Guid id, TestAccount account) =>
        _client.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/read", new StringContent(""), account.AccessToken);
}
