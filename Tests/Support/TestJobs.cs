using System.Collections.Concurrent;
using Coravel.Invocable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MinimalBackend.Infrastructure.Jobs;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A job type that exists only in test hosts (queue <c>test</c>, type <c>test_job</c>): it records every run
/// in a <see cref="JobRunLog"/> shared by the hosts of one test, can take a while, and can fail on purpose.
/// <see cref="Run"/> marks one test's jobs, so a test finds its own rows and nobody else's. A run takes
/// <see cref="RunMs"/>, a job's first run <see cref="FirstRunMs"/> when set; attempts up to <see cref="Failures"/> throw.
/// </summary>
public sealed record TestJobPayload(string Run, int Index, int Failures = 0, int FirstRunMs = 0, int RunMs = 0);

public sealed class TestJob(JobRunLog log, JobContext job, JobDispatcher dispatcher)
    : IInvocable, IInvocableWithPayload<TestJobPayload>, ICancellableInvocable
{
    public const string Type = "test_job";
    public const string Queue = "test";

    public TestJobPayload Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var first = log.Started(new JobRun(job.JobId, job.Attempt, dispatcher.Owner, DateTime.UtcNow));
        var milliseconds = first && Payload.FirstRunMs > 0 ? Payload.FirstRunMs : Payload.RunMs;
        if (milliseconds > 0)
        {
            await Task.Delay(milliseconds, CancellationToken);
        }
        if (job.Attempt <= Payload.Failures)
        {
            throw new InvalidOperationException($"Planned failure {job.Attempt}");
        }
    }
}

public sealed record JobRun(long JobId, int Attempt, string Host, DateTime StartedAt);

/// <summary>Every run of a test job, in the order they started, across all the hosts that share this log.</summary>
public sealed class JobRunLog
{
    private readonly ConcurrentQueue<JobRun> _runs = new();
    private readonly ConcurrentDictionary<long, bool> _seen = new();

    public IReadOnlyList<JobRun> Runs => _runs.ToList();

    public IReadOnlyList<JobRun> Of(long jobId) => _runs.Where(r => r.JobId == jobId).ToList();

    /// <summary>Records a run; true when it is the job's first.</summary>
    internal bool Started(JobRun run)
    {
        _runs.Enqueue(run);
        return _seen.TryAdd(run.JobId, true);
    }
}

public static class TestJobs
{
    /// <summary>Registers the test job type in a host, with short backoffs so retries come quickly.</summary>
    public static Action<IServiceCollection> In(JobRunLog log) => services =>
    {
        services.AddSingleton(log);
        services.AddJob<TestJob, TestJobPayload>(TestJob.Type, TestJob.Queue, new JobTypeOptions
        {
            MaxAttempts = 3,
            BackoffBase = TimeSpan.FromMilliseconds(200),
            BackoffMax = TimeSpan.FromSeconds(5),
        });
    };

    /// <summary>
    /// Takes the jobs' housekeeping off the host (the fallback poll, lease rescue, pruning, the backlog gauge): its
    /// workers then claim only when woken (a NOTIFY on the jobs channel, a retry coming due) or when they start.
    /// </summary>
    public static void WithoutPolling(IServiceCollection services)
    {
        var schedule = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(JobHousekeepingSchedule));
        services.Remove(schedule);
    }

    /// <summary>Enqueues test jobs through the host's enqueue API, in a transaction committed here.</summary>
    public static async Task<long[]> EnqueueAsync(ServiceHost host, string connectionString, IReadOnlyCollection<TestJobPayload> payloads)
    {
        var jobs = host.Services.GetRequiredService<JobEnqueuer>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ids = await jobs.EnqueueManyAsync(connection, transaction, payloads, CancellationToken.None);
        await transaction.CommitAsync();
        return [.. ids];
    }

    /// <summary><paramref name="count"/> payloads of one new run; <paramref name="shape"/> sets what else they carry.</summary>
    public static TestJobPayload[] Payloads(int count, Func<TestJobPayload, TestJobPayload>? shape = null)
    {
        var run = Guid.NewGuid().ToString("N");
        return Enumerable.Range(0, count).Select(i => (shape ?? (p => p))(new TestJobPayload(run, i))).ToArray();
    }
}
