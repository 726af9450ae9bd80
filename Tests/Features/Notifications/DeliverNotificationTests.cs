using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Notifications;

[Collection(nameof(DeliverNotificationTests))]
public sealed class DeliverNotificationTests(DeliverNotificationTests.PublisherFixture service, DatabaseFixture database)
    : IClassFixture<DeliverNotificationTests.PublisherFixture>
{
    [CollectionDefinition(nameof(DeliverNotificationTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_notification_enqueued_in_a_transaction_is_stored_and_published_once_it_commits()
    {
        var user = await UserRows.InsertAsync(database.ConnectionString);
        var data = JsonSerializer.SerializeToElement(new { orderId = "A-1042", total = 12.5 });

        Guid id;
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            id = await Jobs.EnqueueAsync(connection, transaction, user.Id, "Order shipped", "Your order A-1042 is on its way.", data, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var published = Assert.Single(await service.Published.WaitForAsync(id, 1));
        Assert.Equal((user.Id, "Order shipped", "Your order A-1042 is on its way."), (published.UserId, published.Title, published.Body));
        Assert.Equal("A-1042", published.Data.GetProperty("orderId").GetString());
        var stored = await ReadAsync(id);
        Assert.Equal((user.Id, "Order shipped", "Your order A-1042 is on its way.", published.CreatedAt), (stored.UserId, stored.Title, stored.Body, stored.CreatedAt));
        Assert.Equal(12.5, JsonDocument.Parse(stored.Data).RootElement.GetProperty("total").GetDouble());
        Assert.Null(stored.ReadAt);
    }

    [Fact]
    public async Task A_notification_delivered_twice_is_stored_once_and_published_with_the_same_id()
    {
        var user = await UserRows.InsertAsync(database.ConnectionString);
        var notification = new NotificationToDeliver(Guid.NewGuid(), user.Id, "Welcome", "Glad you are here.", null);

        // At-least-once delivery, played out: the same notification's job twice.
        var jobs = new List<long>();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            jobs.Add(await service.Host.Services.GetRequiredService<JobEnqueuer>().EnqueueAsync(notification, CancellationToken.None));
        }

        await JobRows.WaitUntilFinishedAsync(database.ConnectionString, jobs);
        var published = await service.Published.WaitForAsync(notification.Id, 2);
        Assert.Equal(2, published.Count);
        Assert.Single(published.Select(p => (p.Id, p.CreatedAt)).Distinct());
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE id = @Id", notification));
    }

    [Fact]
    public async Task A_notification_for_a_user_who_no_longer_exists_completes_without_a_row()
    {
        var id = await Jobs.EnqueueAsync(Guid.NewGuid(), "Gone", "Nobody reads this.", null, CancellationToken.None);

        await Eventually.UntilAsync(() => CountJobsAsync(id, "completed"), count => count == 1, "the notification job to complete");
        Assert.Empty(service.Published.Of(id));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE id = @Id", new { Id = id }));
        Assert.Equal(1, await CountJobsAsync(id, "completed"));
    }

    [Fact]
    public async Task Data_that_is_not_a_JSON_object_is_refused_when_enqueued()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Jobs.EnqueueAsync(Guid.NewGuid(), "Title", "Body", JsonDocument.Parse("[1, 2]").RootElement, CancellationToken.None));

        Assert.Equal("data", error.ParamName);
    }

    private NotificationJobs Jobs => service.Host.Services.GetRequiredService<NotificationJobs>();

    private async Task<StoredNotification> ReadAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        return await connection.QuerySingleAsync<StoredNotification>(
            "SELECT user_id, title, body, data::text AS data, created_at, read_at FROM notifications WHERE id = @Id", new { Id = id });
    }

    private async Task<int> CountJobsAsync(Guid notificationId, string state)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM jobs WHERE type = 'deliver_notification' AND payload->>'id' = @Id AND state = @State",
            new { Id = notificationId.ToString(), State = state });
    }

    private sealed record StoredNotification(Guid UserId, string Title, string Body, string Data, DateTime CreatedAt, DateTime? ReadAt);

    /// <summary>What real-time delivery was handed, as a WebSocket transport would receive it.</summary>
    public sealed class RecordingPublisher : INotificationPublisher
    {
        private readonly ConcurrentQueue<Notification> _published = new();

        public Task PublishAsync(Notification notification, CancellationToken cancellationToken)
        {
            _published.Enqueue(notification);
            return Task.CompletedTask;
        }

        public IReadOnlyList<Notification> Of(Guid id) => _published.Where(n => n.Id == id).ToList();

        public Task<IReadOnlyList<Notification>> WaitForAsync(Guid id, int times) =>
            Eventually.UntilAsync(() => Task.FromResult(Of(id)), published => published.Count >= times, $"notification {id} published {times} times");
    }

    /// <summary>A service host on the run's database whose real-time delivery is the recording publisher.</summary>
    public sealed class PublisherFixture(DatabaseFixture database) : IAsyncLifetime
    {
        public RecordingPublisher Published { get; } = new();

        public ServiceHost Host { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Host = new ServiceHost(database.ConnectionString, services: services => services.AddSingleton<INotificationPublisher>(Published));
            Host.StartServer();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
