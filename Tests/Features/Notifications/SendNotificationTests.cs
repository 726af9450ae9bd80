using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Notifications;

[Collection(nameof(SendNotificationTests))]
public sealed partial class SendNotificationTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(SendNotificationTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task An_administrator_sends_a_user_a_notification_that_is_stored_and_pushed()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var gauge = await ConnectionGauge.ReadAsync(_client);
        await using var client = await NotificationClient.ConnectAsync(service.Host.BaseAddress, user.AccessToken);
        await ConnectionGauge.WaitForAsync(_client, gauge + 1);

        var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/admin/notifications",
            new { userId = user.Id, title = "Your export is ready", body = "Download it from your account page.\nIt expires in 7 days.", data = new { exportId = 7 } },
            admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id"));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var message = await client.WaitForAsync(id);
        Assert.Equal(7, message.GetProperty("data").GetProperty("exportId").GetInt32());
        var stored = await NotificationRows.FindAsync(service.ConnectionString, id);
        Assert.Equal((user.Id, "Your export is ready"), (stored!.UserId, stored.Title));
        await client.CloseAsync();
        await ConnectionGauge.WaitForAsync(_client, gauge);
    }

    [Fact]
    public async Task A_user_who_is_not_an_administrator_gets_403_and_nothing_is_enqueued()
    {
        var user = await TestAccounts.SignUpAsync(_client);
        var marker = Marker();

        var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/admin/notifications",
            new { userId = user.Id, title = marker, body = "Not allowed." }, user.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0, await WrittenAsync(marker));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_problem_details()
    {
        var response = await _client.PostAsJsonAsync("/api/admin/notifications", new { allUsers = true, title = "Hi", body = "Hello." });

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unknown_user_is_404_and_nothing_is_enqueued()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var marker = Marker();

        var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/admin/notifications",
            new { userId = Guid.NewGuid(), title = marker, body = "Nobody reads this." }, admin.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await WrittenAsync(marker));
    }

    // Each body is otherwise a valid notification for a real user, with the marker in its title, so a row written
    // despite the 400 would be found.
    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["no recipient"] = """{"title": "{marker}", "body": "Hello."}""",
        ["both a user and all users"] = """{"userId": "{user}", "allUsers": true, "title": "{marker}", "body": "Hello."}""",
        ["missing title and body"] = """{"userId": "{user}", "data": {"m": "{marker}"}}""",
        ["null fields"] = """{"userId": null, "allUsers": null, "title": null, "body": null, "data": {"m": "{marker}"}}""",
        ["a wrong JSON type for every field"] = """{"userId": 5, "allUsers": "yes", "title": ["{marker}"], "body": {"a": 1}, "data": "{marker}"}""",
        ["a user id that is not a UUID"] = """{"userId": "{marker}", "title": "{marker}", "body": "Hello."}""",
        ["malformed JSON"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello." """,
        ["an empty body"] = "",
        ["a JSON array"] = """["{user}", "{marker}"]""",
        ["a title over 100 characters"] = """{"userId": "{user}", "title": "{marker}{x*100}", "body": "Hello."}""",
        ["a body over 1000 characters"] = """{"userId": "{user}", "title": "{marker}", "body": "{x*1001}"}""",
        ["a control character in the title"] = """{"userId": "{user}", "title": "{marker}\u0007", "body": "Hello."}""",
        ["a lone surrogate in the title"] = """{"userId": "{user}", "title": "{marker}\ud800", "body": "Hello."}""",
        ["a NUL in the body"] = """{"userId": "{user}", "title": "{marker}", "body": "Hel\u0000lo."}""",
        ["data that is an array"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": [1, 2]}""",
        ["data over 4 KiB"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": {"d": "{x*5000}"}}""",
        ["a NUL in a data string"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": {"d": "a\u0000b"}}""",
        ["a lone surrogate in a data key"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": {"\udc00": 1}}""",
        ["a data number too large to store"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": {"n": 1e999999}}""",
        ["a data number too small to store"] = """{"userId": "{user}", "title": "{marker}", "body": "Hello.", "data": {"n": 1e-20000}}""",
        ["a 2 MB body"] = """{"userId": "{user}", "title": "{marker}", "body": "{x*2097152}"}""",
    };

    public static TheoryData<string> HostileBodies() => [.. Bodies.Keys];

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task A_bad_body_is_a_4xx_problem_and_writes_nothing(string body)
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var marker = Marker();
        var json = Padding().Replace(Bodies[body], m => new string('x', int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .Replace("{marker}", marker, StringComparison.Ordinal).Replace("{user}", user.Id.ToString(), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/notifications")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", admin.AccessToken);
        // As in HostileInputTests: wait for the verdict before sending 2 MB, or the 413 can meet a broken pipe.
        request.Headers.ExpectContinue = body == "a 2 MB body";

        var response = await _client.SendAsync(request);

        await ProblemResponses.AssertProblemAsync(response, body == "a 2 MB body" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.BadRequest);
        Assert.Equal(0, await WrittenAsync(marker));
    }

    /// <summary><c>{x*N}</c> in a body stands for N x's.</summary>
    [GeneratedRegex(@"\{x\*(\d+)\}")]
    private static partial Regex Padding();

    private static string Marker() => "hostile" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Jobs and notifications that carry the marker anywhere.</summary>
    private async Task<long> WrittenAsync(string marker)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT count(*) FROM jobs WHERE strpos(payload::text, @Marker) > 0)
                 + (SELECT count(*) FROM notifications WHERE strpos(title || body || data::text, @Marker) > 0)
            """,
            new { Marker = marker });
    }
}
