using Bogus;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Email;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

[Collection(nameof(JobCrashTests))]
public sealed class JobCrashTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(JobCrashTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly Faker Faker = new();

    [Fact]
    public async Task A_job_whose_host_is_killed_mid_run_runs_again_after_its_lease_expires()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var smtp = await SmtpTestServer.StartAsync();
        var held = smtp.HoldNextMessage();
        // The only instance running jobs at first is a real process, so that it can die the hard way.
        await using var crashing = await ServiceProcess.StartAsync(scope.ConnectionString, "Production",
            new Dictionary<string, string>(smtp.Environment) { ["Jobs__LeaseDuration"] = "00:00:02" });
        // Jobs are enqueued through the service's own API, in an instance that runs none.
        await using var enqueuer = scope.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false" });
        var counters = await QueueCounters.StartAsync(enqueuer, EmailModule.Queue);
        var welcome = new WelcomeEmail(Guid.NewGuid(), Faker.Internet.Email(uniqueSuffix: Guid.NewGuid().ToString("N")[..8]), Faker.Name.FullName());

        var id = await EnqueueWelcomeAsync(enqueuer, scope.ConnectionString, welcome);
        await held.WaitAsync(Eventually.DefaultTimeout);
        await crashing.KillAsync();
        smtp.RefuseHeld();

        var orphan = await JobRows.ReadAsync(scope.ConnectionString, id);
        Assert.Equal(("active", 1), (orphan.State, orphan.Attempts));
        Assert.NotNull(orphan.LeaseOwner);
        await using var survivor = scope.Host(new Dictionary<string, string?>(smtp.Settings) { ["Jobs:LeaseDuration"] = "00:00:02" });
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
