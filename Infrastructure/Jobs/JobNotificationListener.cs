using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Wakes a queue's worker the moment a job for it is committed: one long-lived connection from the service's
/// data source LISTENs on <see cref="JobTable.Channel"/>, and every enqueue transaction NOTIFYs the queue's
/// name, which PostgreSQL delivers on commit. If the connection drops, notifications sent meanwhile are lost,
/// so after reconnecting every queue is woken once; the Coravel poll covers the gap.
/// </summary>
internal sealed partial class JobNotificationListener(
    NpgsqlDataSource database, JobDispatcher dispatcher, IOptions<JobsOptions> options, ILogger<JobNotificationListener> logger)
    : BackgroundService
{
    // A dead TCP connection delivers nothing and says nothing; a query every so often notices.
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunJobs)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Never fatal: polling still finds every job, only later.
                LogConnectionLost(logger, ReconnectDelay, e);
                await Task.Delay(ReconnectDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await database.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, notification) => dispatcher.Wake(notification.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {JobTable.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }
        dispatcher.WakeAll();
        while (true)
        {
            if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
            {
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for job notifications; reconnecting in {Delay} (polling covers the gap)")]
    private static partial void LogConnectionLost(ILogger logger, TimeSpan delay, Exception exception);
}
