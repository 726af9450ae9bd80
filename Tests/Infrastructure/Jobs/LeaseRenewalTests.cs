using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Tests.Support;
using Npgsql;
using Serilog.Core;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

[Collection(nameof(LeaseRenewalTests))]
public sealed class LeaseRenewalTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(LeaseRenewalTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private const string Rescuer = "MinimalBackend.Infrastructure.Jobs.RescueExpiredJobLeases";

    [Fact]
    public async Task A_job_leased_to_a_busy_instance_that_no_worker_holds_is_rescued_when_its_lease_runs_out_while_the_running_job_keeps_its_lease()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var runs = new JobRunLog();
        var log = new RecordingLogSink();
        var settings = new Dictionary<string, string?> { ["Jobs:LeaseDuration"] = "00:00:02", ["shutdownTimeoutSeconds"] = "1" };
        await using var host = scope.Host(settings, services =>
        {
            TestJobs.In(runs)(services);
            services.AddSingleton<ILogEventSink>(log);
        });
        host.StartServer();
        var owner = host.Services.GetRequiredService<JobDispatcher>().Owner;
        // The instance is busy: one job runs far longer than the test, so its lease must be renewed again and again.
        var running = (await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(1, p => p with { FirstRunMs = 600_000 }))).Single();
        await Eventually.UntilAsync(() => Task.FromResult(runs.Of(running).Count), started => started == 1, "the long job to start");

        // A job leased to this very instance that none of its workers holds: what a claim leaves behind when
        // PostgreSQL committed it but its answer never reached the worker.
        var payload = JsonSerializer.Serialize(TestJobs.Payloads(1)[0], JsonSerializerOptions.Web);
        var leaseRunsOutAfter = await ReadDatabaseNowAsync(scope.ConnectionString) + TimeSpan.FromSeconds(2);
        var stranded = (await JobRows.InsertAsync(scope.ConnectionString, new NewJobRow(TestJob.Queue, TestJob.Type, "active", payload, Attempts: 1,
            LeaseOwner: owner, LeaseExpiresIn: TimeSpan.FromSeconds(2)))).Single();

        var rescued = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [stranded])).Single();

        Assert.Equal(("completed", 2), (rescued.State, rescued.Attempts));
        Assert.Contains(owner, rescued.LastError, StringComparison.Ordinal);
        Assert.True(await ReadLastFailedAtAsync(scope.ConnectionString, stranded) >= leaseRunsOutAfter, "rescued before its lease ran out");
        Assert.Equal([2], runs.Of(stranded).Select(r => r.Attempt));
        // Meanwhile the running job was renewed past many lease durations: still active, still its first attempt, never run again.
        var busy = await JobRows.ReadAsync(scope.ConnectionString, running);
        Assert.Equal(("active", 1, owner), (busy.State, busy.Attempts, busy.LeaseOwner));
        Assert.Single(runs.Of(running));
        // The rescue logs after its update commits, and a worker woken by that commit may finish the job first.
        var lines = await Eventually.UntilAsync(() => Task.FromResult(log.From(Rescuer)),
            events => events.Any(e => e.Scalar("JobId") == stranded.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the rescue's log line");
        var line = Assert.Single(lines, e => e.Scalar("JobId") == stranded.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(owner, line.Scalar("LeaseOwner"));
        Assert.Contains("without a renewal", line.RenderMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(log.From(Rescuer), e => e.Scalar("JobId") == running.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<DateTime> ReadDatabaseNowAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<DateTime>("SELECT now()");
    }

    private static async Task<DateTime> ReadLastFailedAtAsync(string connectionString, long id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<DateTime>("SELECT last_failed_at FROM jobs WHERE id = @Id", new { Id = id });
    }
}
