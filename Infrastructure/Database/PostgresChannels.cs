using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>
/// A feature's use of a PostgreSQL NOTIFY channel: every instance hears every NOTIFY on it through its one
/// LISTEN connection (<see cref="PostgresChannelListener"/>), which makes the database a message bus
/// between instances with no other server.
/// </summary>
public interface IChannelSubscriber
{
    /// <summary>The channel's name: lower-case letters, digits and underscores.</summary>
    string Channel { get; }

    /// <summary>
    /// One NOTIFY's payload, in the order PostgreSQL delivered them, on the listener's own loop: hand the
    /// work over and return, since nothing else is heard meanwhile.
    /// </summary>
    void Received(string payload);

    /// <summary>
    /// Listening resumed after the connection was lost: whatever was notified in between never arrives.
    /// <paramref name="lastAlive"/> is the database's clock when the lost connection last answered.
    /// </summary>
    Task ResumedAsync(DateTime lastAlive, CancellationToken cancellationToken);
}

public static partial class PostgresChannels
{
    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more (in its default build).</summary>
    public const int MaxPayloadBytes = 7999;

    /// <summary>Registers a subscriber, and the one listener that serves every subscriber of the instance.</summary>
    public static IServiceCollection AddChannelSubscriber<TSubscriber>(this IServiceCollection services)
        where TSubscriber : class, IChannelSubscriber
    {
        services.TryAddSingleton<TSubscriber>();
        services.AddSingleton<IChannelSubscriber>(s => s.GetRequiredService<TSubscriber>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresChannelListener>());
        return services;
    }

    /// <summary>Whether a payload fits in one NOTIFY.</summary>
    public static bool Fits(string payload) => Encoding.UTF8.GetByteCount(payload) <= MaxPayloadBytes;

    /// <summary>
    /// NOTIFYs each payload on the channel with one statement. In the caller's transaction when one is given
    /// (PostgreSQL delivers them when, and only if, it commits), at once otherwise.
    /// </summary>
    public static async Task NotifyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string channel, IReadOnlyCollection<string> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        if (payloads.Count == 0)
        {
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT count(pg_notify(@Channel, p)) FROM unnest(@Payloads::text[]) AS p",
            new { Channel = ValidName(channel), Payloads = payloads.ToArray() },
            transaction, cancellationToken: cancellationToken));
    }

    internal static string ValidName(string channel) =>
        ChannelName().IsMatch(channel) ? channel : throw new ArgumentException($"'{channel}' is not a channel name (a-z, 0-9, _).", nameof(channel));

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex ChannelName();
}

/// <summary>
/// One long-lived connection per instance that LISTENs on every subscriber's channel and hands each NOTIFY to
/// its subscriber. A dead TCP connection delivers nothing and says nothing, so it asks the database the time
/// every <see cref="ProbeInterval"/>, busy or not; a lost connection is replaced (after 1 s, doubling to 30 s
/// while the database stays away), and the subscribers are told how far back they may have missed something.
/// </summary>
internal sealed partial class PostgresChannelListener(
    [FromKeyedServices(DatabaseModule.SessionConnections)] NpgsqlDataSource database, IEnumerable<IChannelSubscriber> subscribers, ILogger<PostgresChannelListener> logger) : BackgroundService
{
    internal const string ApplicationName = "minimal-backend channel listener";

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, IChannelSubscriber[]> _byChannel = subscribers
        .GroupBy(s => PostgresChannels.ValidName(s.Channel), StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTime? lastAlive = null;
        var retryDelay = FirstRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(lastAlive, alive => (lastAlive, retryDelay) = (alive, FirstRetryDelay), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Never fatal: until it is back, subscribers only hear nothing.
                LogConnectionLost(logger, retryDelay, e);
                await Task.Delay(retryDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task ListenAsync(DateTime? lostSince, Action<DateTime> alive, CancellationToken stoppingToken)
    {
        await using var connection = await database.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
        var listen = string.Join(' ', _byChannel.Keys.Select(channel => $"LISTEN {channel};"));
        await connection.ExecuteAsync(new CommandDefinition(
            $"SET application_name = '{ApplicationName}'; {listen}", cancellationToken: stoppingToken));
        var listening = await NowAsync(connection, stoppingToken);
        if (lostSince is { } since)
        {
            LogResumed(logger, since);
            foreach (var subscriber in _byChannel.Values.SelectMany(s => s))
            {
                await subscriber.ResumedAsync(since, stoppingToken);
            }
        }
        // Only now: if catching up failed, the next connection catches up from the same moment.
        alive(listening);

        var probed = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var remaining = ProbeInterval - TimeProvider.System.GetElapsedTime(probed);
            if (remaining <= TimeSpan.Zero || !await connection.WaitAsync(remaining, stoppingToken))
            {
                alive(await NowAsync(connection, stoppingToken));
                probed = TimeProvider.System.GetTimestamp();
            }
        }
    }

    private static Task<DateTime> NowAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT now()", cancellationToken: cancellationToken));

    private void Dispatch(string channel, string payload)
    {
        if (!_byChannel.TryGetValue(channel, out var listeners))
        {
            return;
        }
        foreach (var subscriber in listeners)
        {
            try
            {
                subscriber.Received(payload);
            }
            catch (Exception e)
            {
                // One bad payload or subscriber must not take the connection, and every other message, with it.
                LogSubscriberFailed(logger, channel, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for channel notifications; reconnecting in {Delay}")]
    private static partial void LogConnectionLost(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening again for channel notifications; anything notified since {LastAlive:O} was missed")]
    private static partial void LogResumed(ILogger logger, DateTime lastAlive);

    [LoggerMessage(Level = LogLevel.Error, Message = "A subscriber of channel {Channel} failed on a notification")]
    private static partial void LogSubscriberFailed(ILogger logger, string channel, Exception exception);
}
