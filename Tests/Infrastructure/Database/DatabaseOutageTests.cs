using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Tests.Support;
using Npgsql;
using static MinimalBackend.Tests.Support.ProblemResponses;

namespace MinimalBackend.Tests.Infrastructure.Database;

/// <summary>
/// A PostgreSQL of the fault tests' own, small (max_connections 40) so that it can be filled, locked, stopped and
/// started without hurting any other test.
/// </summary>
public sealed class FaultCluster : IAsyncLifetime
{
    public const int MaxConnections = 40;

    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartNewAsync(MaxConnections);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class DatabaseOutageTests(FaultCluster cluster) : IClassFixture<FaultCluster>
{
    // A capped budget: 4 + 2 + 1 + 3 + 1 = 11 connections at most, whatever the load. Without multiplexing,
    // so that every request holds a connection of the requests' pool and a full pool is easy to reach.
    private static readonly Dictionary<string, string?> Capped = new()
    {
        ["Database:Multiplexing"] = "false",
        ["Database:MaxPoolSize"] = "4",
        ["Database:PoolTimeout"] = "00:00:01",
        ["Jobs:MaxPoolSize"] = "3",
    };

    [Fact]
    public async Task Stopping_and_starting_PostgreSQL_under_traffic_answers_503_with_retry_after_then_readiness_the_listener_jobs_and_pushes_come_back()
    {
        var runs = new JobRunLog();
        await using var scope = await ScopeAsync(TestJobs.In(runs));
        var (connectionString, host, client, account) = (scope.ConnectionString, scope.Host, scope.Client, scope.Account);
        await using var pushes = await NotificationClient.ConnectAsync(host.BaseAddress, account.AccessToken);
        await WaitForListenerAsync(connectionString);
        var traffic = RequestLoop.Start(client, account.AccessToken);

        Assert.Equal(1, await ListenerGaugeAsync(client));
        await cluster.Server.StopAsync();
        await WaitForReadinessAsync(client, HttpStatusCode.ServiceUnavailable);
        await Eventually.UntilAsync(() => ListenerGaugeAsync(client), value => value == 0, "postgres_listener_connected to read 0");
        await traffic.WaitForAsync(HttpStatusCode.ServiceUnavailable);
        var down = await client.GetAsync("/api/users/me", account.AccessToken);
        await AssertProblemAsync(down, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("5", down.Headers.GetValues("Retry-After").Single());

        await cluster.Server.StartAsync();
        await WaitForReadinessAsync(client, HttpStatusCode.OK);
        await WaitForListenerAsync(connectionString);
        await Eventually.UntilAsync(() => ListenerGaugeAsync(client), value => value == 1, "postgres_listener_connected to read 1");
        var job = (await TestJobs.EnqueueAsync(host, connectionString, TestJobs.Payloads(1))).Single();
        await Eventually.UntilAsync(() => Task.FromResult(runs.Of(job).Count), started => started == 1, "the job enqueued after recovery to start");
        var notification = await host.Services.GetRequiredService<NotificationJobs>().EnqueueAsync(account.Id, "Back", "The database is back.", null, CancellationToken.None);
        await pushes.WaitForAsync(notification);
        await traffic.WaitForAsync(HttpStatusCode.OK);
        var responses = await traffic.StopAsync();

        // Every request was answered for what it was: served, or 503 with Retry-After. None failed with a 500.
        Assert.All(responses, r => Assert.True(r.Status == HttpStatusCode.OK || (r.Status == HttpStatusCode.ServiceUnavailable && r.RetryAfter == "5"),
            $"{(int)r.Status} with Retry-After {r.RetryAfter ?? "none"}"));
    }

    [Fact]
    public async Task A_notification_stored_and_notified_while_the_listener_was_down_still_reaches_the_connected_client()
    {
        await using var scope = await ScopeAsync();
        var (connectionString, account, database) = (scope.ConnectionString, scope.Account, scope.Database);
        await using var pushes = await NotificationClient.ConnectAsync(scope.Host.BaseAddress, account.AccessToken);
        await WaitForListenerAsync(connectionString);
        await using var admin = new NpgsqlConnection(cluster.Server.ConnectionString("postgres"));
        await using var otherInstance = new NpgsqlConnection(connectionString);
        await admin.OpenAsync();
        await otherInstance.OpenAsync();

        // The listener loses its connection and cannot get another one: new connections to the database are refused.
        await admin.ExecuteAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false");
        Guid id;
        try
        {
            await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @Database AND application_name = @Listener",
                new { Database = database, Listener = PostgresChannelListener.ApplicationName });
            await Eventually.UntilAsync(() => CountListenersAsync(admin, database), listeners => listeners == 0, "the listener to be gone");
            // Meanwhile another instance stores a notification for the user and NOTIFYs it: nobody here hears it.
            id = Guid.CreateVersion7();
            var stored = await otherInstance.QuerySingleAsync<DateTime>(
                "INSERT INTO notifications (id, user_id, title, body) VALUES (@Id, @UserId, 'Missed', 'Sent while the listener was down') RETURNING created_at",
                new { Id = id, UserId = account.Id });
            using var data = JsonDocument.Parse("{}");
            var payload = NotificationFanout.PayloadOf(new Notification(id, account.Id, "Missed", "Sent while the listener was down", data.RootElement.Clone(), stored));
            await otherInstance.ExecuteAsync("SELECT pg_notify(@Channel, @Payload)", new { Channel = NotificationFanout.Channel, Payload = payload });
        }
        finally
        {
            await admin.ExecuteAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        }

        await WaitForListenerAsync(connectionString);
        var received = await pushes.WaitForAsync(id);
        Assert.Equal("Missed", received.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_locked_jobs_table_under_concurrent_load_with_the_pools_capped_sheds_requests_with_503_and_never_exceeds_the_budget()
    {
        await using var scope = await ScopeAsync();
        var (connectionString, client, account, database) = (scope.ConnectionString, scope.Client, scope.Account, scope.Database);
        await using var admin = new NpgsqlConnection(cluster.Server.ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var locker = new NpgsqlConnection(connectionString);
        await locker.OpenAsync();
        var hostConnections = new ConcurrentBag<int>();

        // Every registration enqueues its welcome email in the jobs table, so it waits on the lock holding a pooled connection.
        await using (var transaction = await locker.BeginTransactionAsync())
        {
            await locker.ExecuteAsync("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE", transaction: transaction);
            var registrations = Enumerable.Range(0, 8).Select(_ => client.PostAsJsonAsync("/api/auth/register", NewRegistration())).ToList();
            // The reads start once the requests' four pooled connections all wait on the lock (a busy machine may take
            // a while to hash the registrations' passwords): from then on a read can only wait for the pool, then shed.
            await Eventually.UntilAsync(() => CountLockWaitersAsync(admin, database), waiting => waiting >= 4, "the requests' pool to wait on the lock");
            var reads = Enumerable.Range(0, 60).Select(_ => client.GetAsync("/api/users/me", account.AccessToken)).ToList();
            await Eventually.UntilAsync(async () =>
            {
                hostConnections.Add(await CountConnectionsAsync(admin, database, excludingPid: locker.ProcessID));
                return reads.Any(r => r.IsCompletedSuccessfully && r.Result.StatusCode == HttpStatusCode.ServiceUnavailable);
            }, shed => shed, "a request shed with 503 while the pool is full");
            hostConnections.Add(await CountConnectionsAsync(admin, database, excludingPid: locker.ProcessID));
            // Readiness has a connection of its own: the database answers, so the instance stays in rotation while it sheds.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            await transaction.RollbackAsync();

            var shed = (await Task.WhenAll(reads)).Concat(await Task.WhenAll(registrations)).ToList();
            Assert.All(shed, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
                $"{(int)r.StatusCode}"));
            var unavailable = shed.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(unavailable);
            foreach (var response in unavailable)
            {
                await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
            }
        }

        // The pools were full (the requests' 4 connections were all busy) and held to their caps: never past 4 + 2 + 1 + 3 + 1.
        Assert.InRange(hostConnections.Max(), 4, 11);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/me", account.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_server_out_of_connection_slots_answers_503_with_retry_after_and_serves_again_once_slots_free_up()
    {
        await using var scope = await ScopeAsync();
        var (connectionString, host, client, account) = (scope.ConnectionString, scope.Host, scope.Client, scope.Account);
        // The registration's email jobs hold connections while they run; one returned to the pool after the clear
        // below would serve the request.
        await JobRows.WaitUntilJobsOfUserFinishedAsync(connectionString, account.Id);
        // The next request needs a new connection, and the server has no slot left for it.
        host.Services.GetRequiredService<NpgsqlDataSource>().Clear();
        var hogs = new List<NpgsqlConnection>();
        try
        {
            while (true)
            {
                var hog = new NpgsqlConnection(connectionString + ";Pooling=false");
                try
                {
                    await hog.OpenAsync();
                    hogs.Add(hog);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections)
                {
                    await hog.DisposeAsync();
                    break;
                }
                Assert.True(hogs.Count <= FaultCluster.MaxConnections, "the server never refused a connection");
            }

            var refused = await client.GetAsync("/api/users/me", account.AccessToken);

            await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());
        }
        finally
        {
            foreach (var hog in hogs)
            {
                await hog.DisposeAsync();
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/me", account.AccessToken)).StatusCode);
    }

    /// <summary>A database of its own in the fault cluster, a host on it with the capped budget, and a signed-up user.</summary>
    private async Task<FaultScope> ScopeAsync(Action<IServiceCollection>? services = null)
    {
        var connectionString = await cluster.Server.CreateDatabaseAsync();
        var host = new ServiceHost(connectionString, Capped, services);
        var client = host.CreateSocketClient();
        return new FaultScope(connectionString, host, client, await TestAccounts.SignUpAsync(client));
    }

    private sealed record FaultScope(string ConnectionString, ServiceHost Host, HttpClient Client, TestAccount Account) : IAsyncDisposable
    {
        public string Database => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Host.DisposeAsync();
        }
    }

    private static object NewRegistration()
    {
        var fake = MinimalBackend.Features.Users.FakeUsers.Next();
        return new { email = fake.Email, password = fake.Password, displayName = fake.DisplayName };
    }

    private static Task<HttpStatusCode> WaitForReadinessAsync(HttpClient client, HttpStatusCode expected) =>
        Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, status => status == expected, $"/health/ready to answer {(int)expected}");

    /// <summary>The instance's LISTEN connection, as the database's own view of its sessions shows it.</summary>
    private async Task WaitForListenerAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(cluster.Server.ConnectionString("postgres") + ";Pooling=false");
                await connection.OpenAsync();
                return await CountListenersAsync(connection, database);
            }
            catch (NpgsqlException)
            {
                return 0;
            }
        }, listeners => listeners == 1, "the LISTEN connection");
    }

    private static async Task<double> ListenerGaugeAsync(HttpClient client) =>
        (await MetricsText.ScrapeAsync(client)).Value("postgres_listener_connected");

    private static Task<int> CountListenersAsync(NpgsqlConnection connection, string database) =>
        connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM pg_stat_activity WHERE datname = @Database AND application_name = @Listener",
            new { Database = database, Listener = PostgresChannelListener.ApplicationName });

    private static Task<int> CountLockWaitersAsync(NpgsqlConnection connection, string database) =>
        connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM pg_stat_activity WHERE datname = @Database AND wait_event_type = 'Lock'",
            new { Database = database });

    private static Task<int> CountConnectionsAsync(NpgsqlConnection connection, string database, int excludingPid) =>
        connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM pg_stat_activity WHERE datname = @Database AND pid <> @Pid",
            new { Database = database, Pid = excludingPid });

    /// <summary>GET /api/users/me in a loop until stopped, keeping each response's status and Retry-After.</summary>
    private sealed class RequestLoop
    {
        private readonly ConcurrentQueue<(HttpStatusCode Status, string? RetryAfter)> _responses = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _running = Task.CompletedTask;

        public static RequestLoop Start(HttpClient client, string accessToken)
        {
            var loop = new RequestLoop();
            loop._running = Task.Run(async () =>
            {
                while (!loop._stop.IsCancellationRequested)
                {
                    using var response = await client.GetAsync("/api/users/me", accessToken);
                    loop._responses.Enqueue((response.StatusCode, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null));
                    await Task.Delay(20);
                }
            });
            return loop;
        }

        public Task<bool> WaitForAsync(HttpStatusCode status)
        {
            var seen = _responses.Count;
            return Eventually.UntilAsync(() => Task.FromResult(_responses.Skip(seen).Any(r => r.Status == status)), found => found, $"a {(int)status} in the traffic");
        }

        public async Task<IReadOnlyList<(HttpStatusCode Status, string? RetryAfter)>> StopAsync()
        {
            await _stop.CancelAsync();
            await _running;
            _stop.Dispose();
            return [.. _responses];
        }
    }
}
