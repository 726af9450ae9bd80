using System.Diagnostics;
using System.Globalization;
using Coravel.Invocable;
using Dapper;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Metrics;
using Npgsql;

// The queue benchmark's two roles, both on the service's own job machinery (AddDatabase, AddJobs) with a job type
// that does nothing, so what is measured is claiming, dispatching and recording:
//   host                        runs jobs, like one instance of the service
//   drain <jobs>                enqueues <jobs> in one transaction and times them until all are completed
//   latency <samples> <gap-ms>  enqueues one job at a time while the hosts are idle; enqueue-to-start percentiles
// Times come from the jobs table (PostgreSQL's clock), so the measuring process and the hosts agree.
var mode = args.Length > 0 ? args[0] : "host";
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddDatabase();
builder.Services.AddMetricsRegistry();
builder.AddJobs();
builder.Services.AddJob<NoOpJob, NoOpPayload>(NoOpJob.Type, NoOpJob.Queue, new JobTypeOptions { MaxAttempts = 1 });
if (mode != "host")
{
    builder.Configuration["Jobs:RunJobs"] = "false";
}
var app = builder.Build();
await app.MigrateDatabaseAsync();

switch (mode)
{
    case "host":
        await app.StartAsync();
        Console.WriteLine("ready");
        await app.WaitForShutdownAsync();
        break;
    case "drain":
        await Bench.DrainAsync(app.Services, int.Parse(args[1], CultureInfo.InvariantCulture));
        break;
    case "latency":
        await Bench.LatencyAsync(app.Services, int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
        break;
    default:
        throw new ArgumentException($"Unknown mode {mode}: host, drain or latency.");
}

internal sealed record NoOpPayload(int N);

internal sealed class NoOpJob : IInvocable, IInvocableWithPayload<NoOpPayload>
{
    public const string Type = "bench_noop";
    public const string Queue = "bench";

    public NoOpPayload Payload { get; set; } = null!;

    public Task Invoke() => Task.CompletedTask;
}

internal static class Bench
{
    public static async Task DrainAsync(IServiceProvider services, int jobs)
    {
        var database = services.GetRequiredService<NpgsqlDataSource>();
        await ClearAsync(database);
        await using var connection = await database.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await services.GetRequiredService<JobEnqueuer>().EnqueueManyAsync(
                connection, transaction, Enumerable.Range(0, jobs).Select(n => new NoOpPayload(n)).ToList(), CancellationToken.None);
            await transaction.CommitAsync();
        }
        // The moment the hosts were notified, on the database's clock.
        var committed = await connection.ExecuteScalarAsync<DateTime>("SELECT clock_timestamp()");
        await WaitUntilCompletedAsync(connection, jobs);
        var lastFinished = await connection.ExecuteScalarAsync<DateTime>($"SELECT max(finished_at) FROM jobs WHERE type = '{NoOpJob.Type}'");
        var seconds = (lastFinished - committed).TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"drain jobs={jobs} seconds={seconds:0.000} jobs_per_second={jobs / seconds:0}"));
    }

    public static async Task LatencyAsync(IServiceProvider services, int samples, int gapMilliseconds)
    {
        var database = services.GetRequiredService<NpgsqlDataSource>();
        await ClearAsync(database);
        var enqueuer = services.GetRequiredService<JobEnqueuer>();
        for (var n = 0; n < samples; n++)
        {
            await enqueuer.EnqueueAsync(new NoOpPayload(n), CancellationToken.None);
            await Task.Delay(gapMilliseconds);
        }
        await using var connection = await database.OpenConnectionAsync();
        await WaitUntilCompletedAsync(connection, samples);
        // created_at is the enqueue transaction's start, a fraction of a millisecond before its commit: the
        // figures include the enqueue itself, so they err on the slow side.
        var (p50, p99, max) = await connection.QuerySingleAsync<(double, double, double)>(
            $"""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
            FROM (SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM jobs WHERE type = '{NoOpJob.Type}') AS latency
            """);
        Console.WriteLine(FormattableString.Invariant($"latency samples={samples} gap_ms={gapMilliseconds} p50_ms={p50:0.0} p99_ms={p99:0.0} max_ms={max:0.0}"));
    }

    private static async Task ClearAsync(NpgsqlDataSource database)
    {
        await using var connection = await database.OpenConnectionAsync();
        await connection.ExecuteAsync($"DELETE FROM jobs WHERE type = '{NoOpJob.Type}'");
        await connection.ExecuteAsync("VACUUM ANALYZE jobs");
    }

    private static async Task WaitUntilCompletedAsync(NpgsqlConnection connection, int jobs)
    {
        var waited = Stopwatch.StartNew();
        while (await connection.ExecuteScalarAsync<int>($"SELECT count(*) FROM jobs WHERE type = '{NoOpJob.Type}' AND state = 'completed'") < jobs)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("The hosts did not complete the jobs in 5 minutes.");
            }
            await Task.Delay(20);
        }
    }
}
