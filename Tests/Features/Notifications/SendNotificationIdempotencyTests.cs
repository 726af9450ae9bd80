using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Notifications;

/// <summary>The Idempotency-Key header of POST /api/admin/notifications: retries get the first answer and send nothing more.</summary>
[Collection(nameof(SendNotificationIdempotencyTests))]
public sealed class SendNotificationIdempotencyTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(SendNotificationIdempotencyTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_first_answer_and_enqueues_nothing_more()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var key = Guid.NewGuid().ToString();
        var title = Marker();

        var first = await SendAsync(admin, key, new { userId = user.Id, title, body = "Once." });
        var retry = await SendAsync(admin, key, new { userId = user.Id, title, body = "Once." });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("application/json", retry.Content.Headers.ContentType?.MediaType);
        Assert.False(first.Headers.Contains(NotificationIdempotencyKeys.ReplayedHeader));
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues(NotificationIdempotencyKeys.ReplayedHeader)));
        Assert.Equal(1, await JobsCarryingAsync(title));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_create_one_notification_and_all_get_its_id()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var user = await TestAccounts.SignUpAsync(_client);
        var key = Guid.NewGuid().ToString();
        var title = Marker();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => SendAsync(admin, key, new { userId = user.Id, title, body = "Once." })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await JobsCarryingAsync(title));
        var stored = await Eventually.UntilAsync(() => NotificationRows.FindAsync(service.ConnectionString, ids[0]), n => n is not null, "the notification stored by its job");
        Assert.Equal(user.Id, stored!.UserId);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_problem_details_and_enqueues_nothing()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var key = Guid.NewGuid().ToString();
        var title = Marker();
        await SendAsync(admin, key, new { allUsers = true, title, body = "First." });

        var other = await SendAsync(admin, key, new { allUsers = true, title, body = "Second." });

        var problem = await ProblemResponses.AssertProblemAsync(other, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await JobsCarryingAsync(title));
    }

    [Fact]
    public async Task Keys_are_per_caller_so_another_administrator_with_the_same_key_sends_anew()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var otherAdmin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var key = Guid.NewGuid().ToString();
        var title = Marker();

        var first = await SendAsync(admin, key, new { allUsers = true, title, body = "Hello." });
        var second = await SendAsync(otherAdmin, key, new { allUsers = true, title, body = "Hello." });

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.NotEqual(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(2, await JobsCarryingAsync(title));
    }

    [Fact]
    public async Task A_key_whose_24_hours_are_over_sends_anew_and_housekeeping_deletes_expired_keys()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var key = Guid.NewGuid().ToString();
        var title = Marker();
        await SendAsync(admin, key, new { allUsers = true, title, body = "Hello." });
        await AgeKeyAsync(admin.Id, key);

        var again = await SendAsync(admin, key, new { allUsers = true, title, body = "Hello." });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.False(again.Headers.Contains(NotificationIdempotencyKeys.ReplayedHeader));
        Assert.Equal(2, await JobsCarryingAsync(title));

        await AgeKeyAsync(admin.Id, key);
        await service.Host.Services.GetRequiredService<DeleteExpiredIdempotencyKeys>().Invoke();
        Assert.Equal(0, await KeyRowsAsync(admin.Id, key));
    }

    [Fact]
    public async Task A_404_keeps_no_key_so_a_retry_once_the_user_exists_is_a_new_request()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var key = Guid.NewGuid().ToString();

        var response = await SendAsync(admin, key, new { userId = Guid.NewGuid(), title = Marker(), body = "Nobody." });

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(0, await KeyRowsAsync(admin.Id, key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\tinside")]
    [InlineData(null)]
    public async Task A_malformed_key_is_400_naming_the_header(string? key)
    {
        key ??= new string('k', NotificationIdempotencyKeys.MaxLength + 1);
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var title = Marker();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/notifications") { Content = JsonContent.Create(new { allUsers = true, title, body = "Hi." }) };
        request.Headers.Authorization = new("Bearer", admin.AccessToken);
        request.Headers.TryAddWithoutValidation(NotificationIdempotencyKeys.Header, key);

        var response = await _client.SendAsync(request);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(NotificationIdempotencyKeys.Header, out _));
        Assert.Equal(0, await JobsCarryingAsync(title));
    }

    private Task<HttpResponseMessage> SendAsync(TestAccount admin, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/notifications") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", admin.AccessToken);
        request.Headers.Add(NotificationIdempotencyKeys.Header, key);
        return _client.SendAsync(request);
    }

    private static string Marker() => "idem" + Guid.NewGuid().ToString("N")[..12];

    private async Task<long> JobsCarryingAsync(string marker)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM jobs WHERE strpos(payload::text, @Marker) > 0", new { Marker = marker });
    }

    private async Task AgeKeyAsync(Guid adminId, string key)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.ExecuteAsync(
            "UPDATE notification_idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = @AdminId AND key = @Key",
            new { AdminId = adminId, Key = key });
    }

    private async Task<long> KeyRowsAsync(Guid adminId, string key)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM notification_idempotency_keys WHERE user_id = @AdminId AND key = @Key", new { AdminId = adminId, Key = key });
    }
}
