using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

[Collection(nameof(JobsOptionsTests))]
public sealed class JobsOptionsTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(JobsOptionsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Theory]
    [InlineData("Jobs:Queues:email:Concurrency", "0", "Jobs:Queues:email:Concurrency must be between 1 and 1000.")]
    [InlineData("Jobs:PollIntervalSeconds", "60", "Jobs:PollIntervalSeconds must be between 1 and 59.")]
    [InlineData("Jobs:Types:send_welcome_email:MaxAttempts", "0", "Jobs:Types:send_welcome_email:MaxAttempts must be at least 1.")]
    public async Task An_invalid_jobs_setting_stops_startup_and_names_the_setting(string setting, string value, string message)
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        await using var host = scope.Host(new Dictionary<string, string?> { [setting] = value });

        var error = Record.Exception(host.StartServer);

        Assert.NotNull(error);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_type_setting_overrides_the_default_it_was_registered_with()
    {
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var log = new JobRunLog();
        // Registered with MaxAttempts 3 (TestJobs.In); the setting leaves one.
        await using var host = scope.Host(log, new Dictionary<string, string?> { ["Jobs:Types:test_job:MaxAttempts"] = "1" });
        host.StartServer();

        var id = (await TestJobs.EnqueueAsync(host, scope.ConnectionString, TestJobs.Payloads(1, p => p with { Failures = int.MaxValue }))).Single();

        var job = (await JobRows.WaitUntilFinishedAsync(scope.ConnectionString, [id])).Single();
        Assert.Equal(("dead", 1, 1), (job.State, job.Attempts, job.MaxAttempts));
        Assert.Single(log.Of(id));
    }
}
