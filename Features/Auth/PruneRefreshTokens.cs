using Coravel;
using Coravel.Invocable;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Deletes the refresh tokens that can never be used again, once <see cref="AuthOptions.RefreshTokenRetention"/> has
/// passed since they became useless: expired ones, and revoked ones (logout, reuse of a rotated token). A rotated
/// token that has not expired is kept: presenting it again is how reuse is detected, and its whole session revoked.
/// Until it is deleted, a useless row still says when its session ended, for whoever looks into a sign-in problem.
/// Runs every hour on Coravel's scheduler, in bounded batches; on every instance at once is harmless.
/// </summary>
internal sealed partial class PruneRefreshTokens(NpgsqlDataSource database, IOptions<AuthOptions> options, ILogger<PruneRefreshTokens> logger)
    : IInvocable, ICancellableInvocable
{
    private const int Batch = 5000;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        try
        {
            var retention = options.Value.RefreshTokenRetention;
            var total = 0;
            int deleted;
            do
            {
                deleted = await DeleteBatchAsync(retention, CancellationToken);
                total += deleted;
            }
            while (deleted == Batch);
            if (total > 0)
            {
                LogPruned(logger, total, retention);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogFailed(logger, e);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // The host is stopping; the next run deletes the rest.
        }
    }

    private async Task<int> DeleteBatchAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM refresh_tokens WHERE id IN (
                SELECT id FROM refresh_tokens
                WHERE expires_at < now() - make_interval(secs => @RetentionSeconds)
                   OR revoked_at < now() - make_interval(secs => @RetentionSeconds)
                LIMIT @Limit
            )
            """,
            new { RetentionSeconds = retention.TotalSeconds, Limit = Batch }, cancellationToken: cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Tokens} refresh tokens expired or revoked more than {Retention} ago")]
    private static partial void LogPruned(ILogger logger, int tokens, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete old refresh tokens; the next hourly run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Puts <see cref="PruneRefreshTokens"/> on Coravel's scheduler (registered by the jobs infrastructure) when the host starts.</summary>
internal sealed class RefreshTokenHousekeepingSchedule(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.UseScheduler(scheduler =>
            scheduler.Schedule<PruneRefreshTokens>().Hourly().PreventOverlapping(nameof(PruneRefreshTokens)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
