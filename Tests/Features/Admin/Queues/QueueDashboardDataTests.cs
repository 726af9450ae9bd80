using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Admin.Queues;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Admin.Queues;

// The queue dashboard's SQL on the jobs engine's tables, on databases of each test's own: what it pauses, counts and retries
// must be only that test's jobs.
[Collection(nameof(QueueDashboardDataTests))]
public sealed class QueueDashboardDataTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(QueueDashboardDataTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_claim_statement_takes_nothing_from_a_paused_queue_and_everything_due_once_it_is_resumed()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" }, TestJobs.In(new JobRunLog()));
        var queues = host.Services.GetRequiredService<QueueDashboardData>();
        var table = host.Services.GetRequiredService<JobTable>();
        var ids = await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(3));

        var (pause, paused) = await queues.PauseAsync(TestJob.Queue, "operator-1", None);
        var whilePaused = await table.ClaimAsync(TestJob.Queue, [TestJob.Type], 10, "probe", TimeSpan.FromMinutes(1));
        var resumed = await queues.ResumeAsync(TestJob.Queue, None);
        var afterResume = await table.ClaimAsync(TestJob.Queue, [TestJob.Type], 10, "probe", TimeSpan.FromMinutes(1));

        Assert.True(paused);
        Assert.Equal("operator-1", pause.PausedBy);
        Assert.Empty(whilePaused);
        Assert.True(resumed);
        Assert.Equal(ids.Order(), afterResume.Select(j => j.Id).Order());
    }

    [Fact]
    public async Task Two_instances_claim_nothing_from_a_paused_queue_and_run_it_all_when_it_is_resumed()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var log = new JobRunLog();
        await using var first = scope.Host(log);
        await using var second = scope.Host(log);
        first.StartServer();
        second.StartServer();
        var queues = first.Services.GetRequiredService<QueueDashboardData>();
        await queues.PauseAsync(TestJob.Queue, "operator-1", None);

        var ids = await TestJobs.EnqueueAsync(first, scope.ConnectionString, TestJobs.Payloads(20));
        // Each instance is woken by the enqueue's notification, then polls every second: three polls each, and none claimed.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var whilePaused = await JobRows.ReadAsync(scope.ConnectionString, ids);
        await queues.ResumeAsync(TestJob.Queue, None);

        Assert.All(whilePaused, job => Assert.Equal(("waiting", 0), (job.State, job.Attempts)));
        var jobs = await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, ids);
        Assert.All(jobs, job => Assert.Equal(("completed", 1), (job.State, job.Attempts)));
        Assert.Equal(ids.Order(), log.Runs.Select(r => r.JobId).Order());
    }

    [Fact]
    public async Task Resuming_a_queue_wakes_its_workers_without_waiting_for_a_poll()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var log = new JobRunLog();
        // A poll every 59 s: jobs that finish well within that were started by the resume's notification.
        await using var host = scope.Host(log, new Dictionary<string, string?> { ["Jobs:PollIntervalSeconds"] = "59" });
        host.StartServer();
        var queues = host.Services.GetRequiredService<QueueDashboardData>();
        await queues.PauseAsync(TestJob.Queue, "operator-1", None);
        var ids = await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(5));

        await queues.ResumeAsync(TestJob.Queue, None);

        await Eventually.UntilAsync(() => JobRows.ReadAsync(scope.ConnectionString, ids), jobs => jobs.All(j => j.State == "completed"),
            "the resumed queue's jobs to complete", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Pausing_a_paused_queue_keeps_the_first_pause_and_resuming_a_running_queue_changes_nothing()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" }, TestJobs.In(new JobRunLog()));
        var queues = host.Services.GetRequiredService<QueueDashboardData>();

        var first = await queues.PauseAsync(TestJob.Queue, "operator-1", None);
        var second = await queues.PauseAsync(TestJob.Queue, "operator-2", None);
        var resumed = await queues.ResumeAsync(TestJob.Queue, None);
        var resumedAgain = await queues.ResumeAsync(TestJob.Queue, None);

        Assert.True(first.Paused);
        Assert.False(second.Paused);
        Assert.Equal(first.Pause, second.Pause);
        Assert.True(resumed);
        Assert.False(resumedAgain);
    }

    [Fact]
    public async Task A_failed_attempt_records_when_it_failed_and_the_queue_counts_it_among_the_last_5_minutes()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new JobRunLog());
        var ids = await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(2, p => p with { Failures = p.Index }));

        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, ids);

        await using var connection = new NpgsqlConnection(scope.ConnectionString);
        var failedAt = (await connection.QueryAsync<DateTime?>("SELECT last_failed_at FROM jobs WHERE id = ANY(@Ids) ORDER BY id", new { Ids = ids })).ToList();
        Assert.Null(failedAt[0]);
        Assert.NotNull(failedAt[1]);
        var test = (await host.Services.GetRequiredService<QueueDashboardData>().ReadQueuesAsync(None)).Single(q => q.Name == TestJob.Queue);
        Assert.Equal((2L, 1L), (test.CompletedLast5Minutes, test.FailedLast5Minutes));
    }

    [Fact]
    public async Task Counts_stop_at_the_count_limit_and_the_recent_window_leaves_older_jobs_out()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" }, TestJobs.In(new JobRunLog()));
        host.StartServer();
        await using (var connection = new NpgsqlConnection(scope.ConnectionString))
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO jobs (queue, type, payload, state, attempts, max_attempts, started_at, finished_at)
                SELECT 'test', 'test_job', '{}', 'completed', 1, 3, now() - interval '1 hour', now() - interval '1 hour'
                FROM generate_series(1, @Jobs)
                """,
                new { Jobs = QueueDashboardData.CountLimit + 5 });
        }
        await JobRows.InsertAsync(scope.ConnectionString,
            new NewJobRow(TestJob.Queue, TestJob.Type, "completed", FinishedAgo: TimeSpan.FromMinutes(4)),
            new NewJobRow(TestJob.Queue, TestJob.Type, "dead", FailedAgo: TimeSpan.FromMinutes(6)),
            new NewJobRow(TestJob.Queue, TestJob.Type, "waiting", CreatedAgo: TimeSpan.FromMinutes(10)),
            new NewJobRow(TestJob.Queue, TestJob.Type, "waiting", CreatedAgo: TimeSpan.FromMinutes(2)));

        var test = (await host.Services.GetRequiredService<QueueDashboardData>().ReadQueuesAsync(None)).Single(q => q.Name == TestJob.Queue);

        Assert.Equal(QueueDashboardData.CountLimit, test.Counts.Completed);
        Assert.Equal((2L, 0L, 1L, 0L), (test.Counts.Waiting, test.Counts.Active, test.Counts.Dead, test.Counts.Failed));
        Assert.Equal((1L, 0L), (test.CompletedLast5Minutes, test.FailedLast5Minutes));
        Assert.InRange(test.OldestWaitingAgeSeconds!.Value, 600L, 660L);
    }
}
