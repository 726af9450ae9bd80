using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Notifications;

// "All users" is every user of the database, so each test has a database of its own; batches of 2 users make a
// handful of users span several batches.
[Collection(nameof(BroadcastNotificationTests))]
public sealed class BroadcastNotificationTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(BroadcastNotificationTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly Dictionary<string, string?> SmallBatches = new() { ["Notifications:BroadcastBatchSize"] = "2" };

    [Fact]
    public async Task A_notification_for_all_users_reaches_every_user_once_and_is_pushed_to_those_online()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(SmallBatches);
        using var http = host.CreateSocketClient();
        var admin = await TestAccounts.SignUpAdminAsync(http, scope.ConnectionString);
        var online = await TestAccounts.SignUpAsync(http);
        var offline = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            offline.Add((await UserRows.InsertAsync(scope.ConnectionString)).Id);
        }
        var gauge = await ConnectionGauge.ReadAsync(http);
        await using var client = await NotificationClient.ConnectAsync(host.BaseAddress, online.AccessToken);
        await ConnectionGauge.WaitForAsync(http, gauge + 1);

        var response = await http.SendJsonAsync(HttpMethod.Post, "/api/admin/notifications",
            new { allUsers = true, title = "Maintenance tonight", body = "The service pauses from 22:00 to 22:15 UTC.", data = new { window = "22:00-22:15" } },
            admin.AccessToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var broadcast = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var message = await client.WaitForAsync(BroadcastNotification.NotificationIdFor(broadcast, online.Id));
        Assert.Equal("22:00-22:15", message.GetProperty("data").GetProperty("window").GetString());
        await WaitForBroadcastJobAsync(scope.ConnectionString, broadcast);
        Assert.Equal(new[] { admin.Id, online.Id }.Concat(offline).Order(), await RecipientsAsync(scope.ConnectionString, "Maintenance tonight"));
        await client.CloseAsync();
        await ConnectionGauge.WaitForAsync(http, gauge);
    }

    [Fact]
    public async Task A_broadcast_run_twice_stores_and_pushes_each_users_notification_once()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(SmallBatches);
        using var http = host.CreateSocketClient();
        var online = await TestAccounts.SignUpAsync(http);
        var offline = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            offline.Add((await UserRows.InsertAsync(scope.ConnectionString)).Id);
        }
        var gauge = await ConnectionGauge.ReadAsync(http);
        await using var client = await NotificationClient.ConnectAsync(host.BaseAddress, online.AccessToken);
        await ConnectionGauge.WaitForAsync(http, gauge + 1);
        var broadcast = new NotificationBroadcast(Guid.CreateVersion7(), "Twice", "Sent by a job that ran twice.", null, await DatabaseNowAsync(scope.ConnectionString));

        // At-least-once, played out: the same broadcast's job twice.
        var jobs = host.Services.GetRequiredService<JobEnqueuer>();
        var ids = new[] { await jobs.EnqueueAsync(broadcast, CancellationToken.None), await jobs.EnqueueAsync(broadcast, CancellationToken.None) };
        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, ids);

        Assert.Equal(new[] { online.Id }.Concat(offline).Order(), await RecipientsAsync(scope.ConnectionString, "Twice"));
        // A later notification goes through the same fan-out: once it is in, a second push of the broadcast would be too.
        var later = await host.Services.GetRequiredService<NotificationJobs>().EnqueueAsync(online.Id, "Later", "After the broadcast.", null, CancellationToken.None);
        await client.WaitForAsync(later);
        Assert.Single(client.Received, m => m.GetProperty("title").GetString() == "Twice");
        await client.CloseAsync();
        await ConnectionGauge.WaitForAsync(http, gauge);
    }

    [Fact]
    public async Task Users_who_sign_up_after_a_broadcast_was_sent_do_not_get_it()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(SmallBatches);
        host.StartServer();
        var earlier = await UserRows.InsertAsync(scope.ConnectionString);
        var sent = await DatabaseNowAsync(scope.ConnectionString);
        var later = await UserRows.InsertAsync(scope.ConnectionString);

        var job = await host.Services.GetRequiredService<JobEnqueuer>()
            .EnqueueAsync(new NotificationBroadcast(Guid.CreateVersion7(), "Only earlier", "For the users of then.", null, sent), CancellationToken.None);
        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [job]);

        Assert.Equal([earlier.Id], await RecipientsAsync(scope.ConnectionString, "Only earlier"));
        Assert.Empty(await NotificationRows.OfUserAsync(scope.ConnectionString, later.Id));
    }

    [Fact]
    public void A_users_notification_id_in_a_broadcast_is_a_stable_UUIDv7_with_the_broadcasts_timestamp()
    {
        var broadcast = Guid.CreateVersion7();
        var (ann, bo) = (Guid.NewGuid(), Guid.NewGuid());

        var annsId = BroadcastNotification.NotificationIdFor(broadcast, ann);

        Assert.Equal(annsId, BroadcastNotification.NotificationIdFor(broadcast, ann));
        Assert.NotEqual(annsId, BroadcastNotification.NotificationIdFor(broadcast, bo));
        Assert.NotEqual(annsId, BroadcastNotification.NotificationIdFor(Guid.CreateVersion7(), ann));
        Assert.Equal(7, annsId.Version);
        Assert.Contains(annsId.ToString()[19], "89ab");
        Assert.Equal(broadcast.ToString("N")[..12], annsId.ToString("N")[..12]);
    }

    private static async Task WaitForBroadcastJobAsync(string connectionString, Guid broadcast)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var job = await connection.ExecuteScalarAsync<long>(
            "SELECT id FROM jobs WHERE type = 'broadcast_notification' AND payload->>'id' = @Id", new { Id = broadcast.ToString() });
        var finished = (await JobRows.WaitUntilFinishedAsync(connectionString, [job])).Single();
        Assert.Equal("completed", finished.State);
    }

    private static async Task<IReadOnlyList<Guid>> RecipientsAsync(string connectionString, string title)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.QueryAsync<Guid>("SELECT user_id FROM notifications WHERE title = @Title ORDER BY user_id", new { Title = title })).AsList();
    }

    private static async Task<DateTime> DatabaseNowAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<DateTime>("SELECT clock_timestamp()");
    }
}
