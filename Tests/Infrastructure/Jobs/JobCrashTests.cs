using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Email;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

[RunsLong]
[Collection(nameof(JobCrashTests))]
public sealed class JobCrashTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(JobCrashTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    // Leases of 10 s, renewed every third of that: short enough that the survivor rescues the dead instance's jobs
    // soon, long enough that an instance stalled a few seconds on a loaded machine keeps the jobs it still runs (with
    // 2 s, a stall of 1.3 s let a live instance's job be rescued and its email sent twice).
    private const string Lease = "00:00:10";

    [Fact]
    public async Task A_job_whose_host_is_killed_mid_run_runs_again_after_its_lease_expires()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var smtp = await SmtpTestServer.StartAsync();
        var held = smtp.HoldNextMessage();
        // The only instance running jobs at first is a real process, so that it can die the hard way.
        await using var crashing = await ServiceProcess.StartAsync(scope.ConnectionString, "Production",
            new Dictionary<string, string>(smtp.Environment) { ["Jobs__LeaseDuration"] = Lease });
        // Jobs are enqueued through the service's own API, in an instance that runs none.
        await using var enqueuer = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" });
        var counters = await QueueCounters.StartAsync(enqueuer, EmailModule.Queue);
        var welcome = (await WelcomeEmails.OfNewAccountsAsync(scope.ConnectionString, 1)).Single();

        var id = await EnqueueWelcomeAsync(enqueuer, scope.ConnectionString, welcome);
        await held.WaitAsync(Eventually.DefaultTimeout);
        await crashing.KillAsync();
        smtp.RefuseHeld();

        var orphan = await JobRows.ReadAsync(scope.ConnectionString, id);
        Assert.Equal(("active", 1), (orphan.State, orphan.Attempts));
        Assert.NotNull(orphan.LeaseOwner);
        await using var survivor = scope.Host(new Dictionary<string, string?>(smtp.Settings) { ["Jobs:LeaseDuration"] = Lease });
        survivor.StartServer();
        var message = await smtp.WaitForMessageToAsync(welcome.Email);
        var job = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [id])).Single();
        Assert.Equal(("completed", 2), (job.State, job.Attempts));
        Assert.Contains("lease", job.LastError, StringComparison.Ordinal);
        Assert.Contains(orphan.LeaseOwner, job.LastError, StringComparison.Ordinal);
        Assert.Single(smtp.MessagesTo(welcome.Email));
        Assert.Equal($"welcome.{welcome.UserId:N}@minimal-backend.local", message.MessageId);
        // The lost attempt counts as a failed one (it has no duration to observe), the second as completed.
        var expected = new QueueCounts(Enqueued: 1, Completed: 1, Failed: 1, Dead: 0, CompletedTotal: 1, FailedTotal: 1, TimedAttempts: 1);
        Assert.Equal(expected, await counters.DeltaWhenReachedAsync(expected));
    }

    [Fact]
    public async Task Killing_a_process_mid_drain_loses_no_job_and_runs_again_only_the_jobs_it_had_in_flight()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var crashing = await ServiceProcess.StartAsync(scope.ConnectionString, "Production",
            new Dictionary<string, string>(smtp.Environment) { ["Jobs__LeaseDuration"] = Lease, ["Jobs__Queues__email__Concurrency"] = "4" });
        await using var enqueuer = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" });
        // Started before the accounts are made: its start sets Dapper's snake_case mapping, which the accounts' reads
        // need (run on its own, this class has no other host in the process to have set it).
        enqueuer.StartServer();
        var before = await WelcomeEmails.OfNewAccountsAsync(scope.ConnectionString, 3);
        var during = await WelcomeEmails.OfNewAccountsAsync(scope.ConnectionString, 10);

        // Some jobs are done before the crash, four are in flight when it comes (their emails held mid-send), the rest wait.
        var done = await Task.WhenAll(before.Select(w => EnqueueWelcomeAsync(enqueuer, scope.ConnectionString, w)));
        await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, done);
        smtp.HoldEveryMessage();
        var pending = await Task.WhenAll(during.Select(w => EnqueueWelcomeAsync(enqueuer, scope.ConnectionString, w)));
        await Eventually.UntilAsync(() => Task.FromResult(smtp.Held), held => held == 4, "four emails in flight");
        await crashing.KillAsync();
        var atCrash = await JobRows.ReadAsync(scope.ConnectionString, pending);
        smtp.RefuseHeld();
        var inFlight = atCrash.Where(j => j.State == "active").Select(j => j.Id).ToHashSet();
        Assert.Equal(4, inFlight.Count);
        Assert.All(atCrash.Where(j => !inFlight.Contains(j.Id)), j => Assert.Equal(("waiting", 0), (j.State, j.Attempts)));

        await using var survivor = scope.Host(new Dictionary<string, string?>(smtp.Settings) { ["Jobs:LeaseDuration"] = Lease });
        survivor.StartServer();
        var finished = await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [.. done, .. pending]);

        // Nothing lost: every job completed and every user has exactly one welcome email.
        Assert.All(finished, j => Assert.Equal("completed", j.State));
        Assert.All(before.Concat(during), w => Assert.Single(smtp.MessagesTo(w.Email)));
        // Run again: only the jobs in flight at the crash, once more each.
        Assert.Equal(inFlight.Order(), finished.Where(j => j.Attempts > 1).Select(j => j.Id).Order());
        Assert.All(finished.Where(j => inFlight.Contains(j.Id)), j => Assert.Equal(2, j.Attempts));
    }

    private static async Task<long> EnqueueWelcomeAsync(ServiceHost host, string connectionString, WelcomeEmail welcome)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await host.Services.GetRequiredService<EmailJobs>().EnqueueWelcomeAsync(connection, transaction, welcome, CancellationToken.None);
        await transaction.CommitAsync();
        return id;
    }
}
