using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

// Each test runs its hosts on a database of its own: what one host claims must be only that test's jobs.
[Collection(nameof(JobDispatcherTests))]
public sealed class JobDispatcherTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(JobDispatcherTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_handler_that_throws_twice_succeeds_on_the_third_attempt_after_growing_backoffs()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        await using var host = scope.Host(log);
        var counters = await QueueCounters.StartAsync(host, TestJob.Queue);

        var id = (await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(1, p => p with { Failures = 2 }))).Single();

        var job = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [id])).Single();
        Assert.Equal(("completed", 3), (job.State, job.Attempts));
        Assert.Equal("System.InvalidOperationException: Planned failure 2", job.LastError);
        var runs = log.Of(id);
        Assert.Equal([1, 2, 3], runs.Select(r => r.Attempt));
        // Backoff base 200 ms, equal jitter: at least 100 ms after the first failure, 200 ms after the second.
        Assert.True(runs[1].StartedAt - runs[0].StartedAt >= TimeSpan.FromMilliseconds(100), $"first retry came after {runs[1].StartedAt - runs[0].StartedAt}");
        Assert.True(runs[2].StartedAt - runs[1].StartedAt >= TimeSpan.FromMilliseconds(200), $"second retry came after {runs[2].StartedAt - runs[1].StartedAt}");
        var expected = new QueueCounts(Enqueued: 1, Completed: 1, Failed: 2, Dead: 0, CompletedTotal: 1, FailedTotal: 2, TimedAttempts: 3);
        Assert.Equal(expected, await counters.DeltaWhenReachedAsync(expected));
    }

    [Fact]
    public async Task A_poison_job_ends_dead_after_max_attempts_with_its_last_error()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        await using var host = scope.Host(log);
        var counters = await QueueCounters.StartAsync(host, TestJob.Queue);

        var id = (await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(1, p => p with { Failures = int.MaxValue }))).Single();

        var job = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [id])).Single();
        Assert.Equal(("dead", 3, 3), (job.State, job.Attempts, job.MaxAttempts));
        Assert.Equal("System.InvalidOperationException: Planned failure 3", job.LastError);
        Assert.NotNull(job.FinishedAt);
        Assert.Equal(3, log.Of(id).Count);
        var expected = new QueueCounts(Enqueued: 1, Completed: 0, Failed: 2, Dead: 1, CompletedTotal: 0, FailedTotal: 3, TimedAttempts: 3);
        Assert.Equal(expected, await counters.DeltaWhenReachedAsync(expected));
    }

    [Fact]
    public async Task Two_hosts_on_one_database_drain_2000_jobs_each_exactly_once()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        var settings = new Dictionary<string, string?> { ["Jobs:Queues:test:Concurrency"] = "8" };
        await using var first = scope.Host(log, settings);
        await using var second = scope.Host(log, settings);
        first.StartServer();
        second.StartServer();
        var counters = await QueueCounters.StartAsync(first, TestJob.Queue);

        var ids = await TestJobs.EnqueueAsync(first, scope.ConnectionString, TestJobs.Payloads(2000, p => p with { RunMs = 1 }));

        var jobs = await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, ids);
        Assert.All(jobs, job => Assert.Equal(("completed", 1), (job.State, job.Attempts)));
        var runs = log.Runs;
        Assert.Equal(ids.Order(), runs.Select(r => r.JobId).Order());
        Assert.Equal(2, runs.Select(r => r.Host).Distinct().Count());
        var expected = new QueueCounts(Enqueued: 2000, Completed: 2000, Failed: 0, Dead: 0, CompletedTotal: 2000, FailedTotal: 0, TimedAttempts: 2000);
        Assert.Equal(expected, await counters.DeltaWhenReachedAsync(expected));
    }

    [Fact]
    public async Task Graceful_shutdown_with_jobs_in_flight_loses_none_and_runs_none_twice()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        var settings = new Dictionary<string, string?> { ["Jobs:Queues:test:Concurrency"] = "4" };
        var stopping = scope.Host(log, settings);
        stopping.StartServer();
        var ids = await TestJobs.EnqueueAsync(stopping, scope.ConnectionString, TestJobs.Payloads(12, p => p with { RunMs = 400 }));
        await Eventually.UntilAsync(() => Task.FromResult(log.Runs.Count), started => started >= 4, "four jobs in flight");

        await stopping.DisposeAsync();

        var afterStop = await JobRows.ReadAsync(scope.ConnectionString, ids);
        var ranBeforeStop = log.Runs.Select(r => r.JobId).ToHashSet();
        Assert.InRange(ranBeforeStop.Count, 4, 11);
        Assert.All(afterStop, job => Assert.Equal(ranBeforeStop.Contains(job.Id) ? ("completed", 1) : ("waiting", 0), (job.State, job.Attempts)));

        await using var successor = scope.Host(log, settings);
        successor.StartServer();
        var jobs = await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, ids);
        Assert.All(jobs, job => Assert.Equal(("completed", 1), (job.State, job.Attempts)));
        Assert.Equal(ids.Order(), log.Runs.Select(r => r.JobId).Order());
    }

    [Fact]
    public async Task A_job_cut_off_by_the_shutdown_timeout_is_released_and_another_host_runs_it_at_once()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        // A lease far longer than the test: only the release at shutdown can let the second host take the job.
        var settings = new Dictionary<string, string?> { ["Jobs:LeaseDuration"] = "01:00:00", ["shutdownTimeoutSeconds"] = "1" };
        var stopping = scope.Host(log, settings);
        stopping.StartServer();
        var id = (await TestJobs.EnqueueAsync(stopping, scope.ConnectionString, TestJobs.Payloads(1, p => p with { FirstRunMs = 600_000 }))).Single();
        await Eventually.UntilAsync(() => Task.FromResult(log.Of(id).Count), runs => runs == 1, "the job to start");

        await stopping.DisposeAsync();

        var released = await JobRows.ReadAsync(scope.ConnectionString, id);
        Assert.Equal(("waiting", 0, null), (released.State, released.Attempts, released.LeaseOwner));
        await using var successor = scope.Host(log, settings);
        successor.StartServer();
        var job = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [id])).Single();
        Assert.Equal(("completed", 1), (job.State, job.Attempts));
        Assert.Equal([1, 1], log.Of(id).Select(r => r.Attempt));
    }

    [Fact]
    public async Task Jobs_of_a_type_this_instance_does_not_know_are_left_for_instances_that_do()
    {
        await using var scope = await IsolatedAsync();
        var log = new JobRunLog();
        await using var host = scope.Host(log);
        host.StartServer();
        long unknown;
        await using (var connection = new NpgsqlConnection(scope.ConnectionString))
        {
            unknown = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO jobs (queue, type, payload, max_attempts) VALUES ('test', 'added_by_a_newer_version', '{}', 3) RETURNING id");
        }

        // Claims go oldest first: had the unknown job been claimable, it would have gone before this one.
        var known = await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(1));
        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, known);

        var job = await JobRows.ReadAsync(scope.ConnectionString, unknown);
        Assert.Equal(("waiting", 0), (job.State, job.Attempts));
    }

    private Task<IsolatedDatabase> IsolatedAsync() => IsolatedDatabase.CreateAsync(database);
}
