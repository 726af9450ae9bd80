using System.Net;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Features.Notifications;

[Collection(nameof(MarkAllNotificationsReadTests))]
public sealed class MarkAllNotificationsReadTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(MarkAllNotificationsReadTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Every_unread_notification_of_the_user_is_marked_read_and_no_one_elses()
    {
        var ann = await TestAccounts.SignUpAsync(_client);
        var bo = await TestAccounts.SignUpAsync(_client);
        var readEarlier = await NotificationRows.InsertAsync(service.ConnectionString, ann.Id, "Read earlier", TimeSpan.FromMinutes(5), read: true);
        var earlierReadAt = (await NotificationRows.FindAsync(service.ConnectionString, readEarlier))!.ReadAt;
        await NotificationRows.InsertAsync(service.ConnectionString, ann.Id, "Unread 1", TimeSpan.FromMinutes(2));
        await NotificationRows.InsertAsync(service.ConnectionString, ann.Id, "Unread 2", TimeSpan.FromMinutes(1));
        var bosOwn = await NotificationRows.InsertAsync(service.ConnectionString, bo.Id, "For Bo");

        var response = await _client.SendAsync(HttpMethod.Post, "/api/notifications/read-all", new StringContent(""), ann.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var anns = await NotificationRows.OfUserAsync(service.ConnectionString, ann.Id);
        Assert.All(anns, n => Assert.NotNull(n.ReadAt));
        Assert.Equal(earlierReadAt, anns.Single(n => n.Id == readEarlier).ReadAt);
        Assert.Null((await NotificationRows.FindAsync(service.ConnectionString, bosOwn))!.ReadAt);
    }

    [Fact]
    public async Task Without_a_token_it_is_401_problem_details()
    {
        var response = await _client.PostAsync("/api/notifications/read-all", null);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }
}
