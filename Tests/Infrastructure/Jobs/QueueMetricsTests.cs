using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Email;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

[Collection(nameof(QueueMetricsTests))]
public sealed class QueueMetricsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(QueueMetricsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly string[] Queues = ["email", "notification"];
    private static readonly string[] Statuses = ["completed", "dead", "enqueued", "failed"];

    [Fact]
    public async Task A_fresh_instance_exports_every_series_the_guide_queries_at_zero()
    {
        // A process of its own: the registry of this test process has seen other tests' jobs.
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var process = await ServiceProcess.StartAsync(scope.ConnectionString, "Production");
        using var client = new HttpClient { BaseAddress = process.BaseAddress };

        var text = await client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE queue_jobs_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE queue_jobs_completed_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE queue_jobs_failed_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE queue_jobs_waiting gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE queue_job_duration_seconds histogram", text, StringComparison.Ordinal);
        var series = MetricsText.Parse(text).Where(s => s.Name.StartsWith("queue_", StringComparison.Ordinal)).ToList();
        Assert.All(series, s => Assert.Equal(0, s.Value));
        Assert.Equal(
            Queues.SelectMany(q => Statuses.Select(status => $"queue_jobs_total{{queue={q},status={status}}}"))
                .Concat(Queues.Select(q => $"queue_jobs_completed_total{{queue={q}}}"))
                .Concat(Queues.Select(q => $"queue_jobs_failed_total{{queue={q}}}"))
                .Concat(Queues.Select(q => $"queue_jobs_waiting{{queue={q}}}"))
                .Order(StringComparer.Ordinal),
            series.Where(s => !s.Name.StartsWith("queue_job_duration_seconds", StringComparison.Ordinal))
                .Select(s => $"{s.Name}{{{string.Join(',', s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}}}")
                .Order(StringComparer.Ordinal));
        Assert.Equal(Queues, series.Where(s => s.Name == "queue_job_duration_seconds_count").Select(s => s.Labels["queue"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Enqueued_counts_a_job_once_its_transaction_commits_and_never_when_it_rolls_back()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new JobRunLog(), new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" });
        host.StartServer();
        var counters = await QueueCounters.StartAsync(host, TestJob.Queue);
        var enqueuer = host.Services.GetRequiredService<JobEnqueuer>();
        await using var rolledBack = await OpenTransactionAsync(scope.ConnectionString);
        await using var stillOpen = await OpenTransactionAsync(scope.ConnectionString);
        await using var committed = await OpenTransactionAsync(scope.ConnectionString);

        await enqueuer.EnqueueManyAsync(rolledBack.Connection, rolledBack.Transaction, TestJobs.Payloads(3), CancellationToken.None);
        await enqueuer.EnqueueManyAsync(stillOpen.Connection, stillOpen.Transaction, TestJobs.Payloads(5), CancellationToken.None);
        await enqueuer.EnqueueManyAsync(committed.Connection, committed.Transaction, TestJobs.Payloads(1), CancellationToken.None);
        await rolledBack.Transaction.RollbackAsync();
        await committed.Transaction.CommitAsync();

        var oneCommitted = new QueueCounts(Enqueued: 1, 0, 0, 0, 0, 0, 0);
        Assert.Equal(oneCommitted, await counters.DeltaWhenReachedAsync(oneCommitted));
        await stillOpen.Transaction.CommitAsync();
        var sixCommitted = oneCommitted with { Enqueued = 6 };
        Assert.Equal(sixCommitted, await counters.DeltaWhenReachedAsync(sixCommitted));
    }

    [Fact]
    public async Task The_waiting_gauge_reads_the_backlog_of_each_queue_from_the_table()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        // Nothing runs the jobs, so they stay waiting.
        await using var host = scope.Host(new JobRunLog(), new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false", ["Jobs:WaitingGaugeSeconds"] = "1" });
        using var client = host.CreateSocketClient();

        await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(3));

        var samples = await Eventually.UntilAsync(() => MetricsText.ScrapeAsync(client), s => s.Value("queue_jobs_waiting", ("queue", TestJob.Queue)) >= 3, "3 waiting test jobs");
        Assert.Equal(3, samples.Value("queue_jobs_waiting", ("queue", TestJob.Queue)));
    }

    [Fact]
    public async Task The_guide_queue_queries_compute_the_email_rate_and_the_failure_rate_from_the_scraped_series()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var mail = Directory.CreateTempSubdirectory("minimal-backend-mail-").FullName;
        // Enqueues and scrapes; runs no jobs itself. A job's max attempts are fixed when it is enqueued.
        await using var observer = scope.Host(new Dictionary<string, string?>
        {
            ["Jobs:RunJobs"] = "false",
            ["Jobs:Types:send_welcome_email:MaxAttempts"] = "2",
        });
        var counters = await QueueCounters.StartAsync(observer, EmailModule.Queue);
        var enqueuer = observer.Services.GetRequiredService<JobEnqueuer>();

        // Four welcome emails delivered (to the pickup folder), then two that an unreachable relay fails twice each.
        await using (var delivering = scope.Host(new Dictionary<string, string?> { ["Email:PickupDirectory"] = mail }))
        {
            delivering.StartServer();
            await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, await EnqueueWelcomesAsync(enqueuer, scope.ConnectionString, 4));
        }
        await using var failing = scope.Host(new Dictionary<string, string?>
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = LocalNetwork.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None",
            ["Jobs:Types:send_welcome_email:BackoffBase"] = "00:00:00.100",
        });
        failing.StartServer();
        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, await EnqueueWelcomesAsync(enqueuer, scope.ConnectionString, 2));
        var expected = new QueueCounts(Enqueued: 6, Completed: 4, Failed: 2, Dead: 2, CompletedTotal: 4, FailedTotal: 4, TimedAttempts: 8);
        var delta = await counters.DeltaWhenReachedAsync(expected);
        Directory.Delete(mail, recursive: true);

        Assert.Equal(expected, delta);
        // The guide's queries, unchanged, on Prometheus's engine: five scrapes before the jobs, one a minute after.
        var result = await EvaluateAsync(
            [Series("queue_jobs_completed_total", counters.Before.CompletedTotal, delta.CompletedTotal),
             Series("queue_jobs_failed_total", counters.Before.FailedTotal, delta.FailedTotal)],
            [("""rate(queue_jobs_completed_total{queue="email"}[1m])""", 4.0 / 60),
             ("rate(queue_jobs_failed_total[5m]) / (rate(queue_jobs_completed_total[5m]) + rate(queue_jobs_failed_total[5m])) * 100", 50)]);
        Assert.True(result.ExitCode == 0, result.Output);
    }

    private static async Task<long[]> EnqueueWelcomesAsync(JobEnqueuer enqueuer, string connectionString, int count)
    {
        var ids = new List<long>();
        foreach (var welcome in await WelcomeEmails.OfNewAccountsAsync(connectionString, count))
        {
            ids.Add(await enqueuer.EnqueueAsync(welcome, CancellationToken.None));
        }
        return [.. ids];
    }

    private static string[] Series(string name, double before, double increase) =>
    [
        $"      - series: '{name}{{queue=\"email\"}}'",
        FormattableString.Invariant($"        values: '{before} {before} {before} {before} {before} {before + increase}'"),
    ];

    /// <summary>Runs PromQL expressions through <c>promtool test rules</c> over the given series; exit code 0 when each gives its value.</summary>
    private static async Task<ProcessResult> EvaluateAsync(string[][] series, (string Expression, double Value)[] queries)
    {
        string[] lines =
        [
            "rule_files: []",
            "evaluation_interval: 1m",
            "tests:",
            "  - interval: 1m",
            "    input_series:",
            .. series.SelectMany(s => s),
            "    promql_expr_test:",
            .. queries.SelectMany(q => new[]
            {
                $"      - expr: '{q.Expression}'",
                "        eval_time: 5m",
                "        exp_samples:",
                "          - labels: '{queue=\"email\"}'",
                FormattableString.Invariant($"            value: {q.Value:R}"),
            }),
        ];
        var directory = Directory.CreateTempSubdirectory("promtool-").FullName;
        try
        {
            var file = Path.Combine(directory, "guide_queries_test.yml");
            await File.WriteAllLinesAsync(file, lines);
            return await ProcessRunner.RunAsync(Promtool.Path, ["test", "rules", file]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<OpenTransaction> OpenTransactionAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return new OpenTransaction(connection, await connection.BeginTransactionAsync());
    }

    private sealed record OpenTransaction(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
