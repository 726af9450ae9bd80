using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Prometheus;

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
        if (!services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(PostgresChannelListener)))
        {
            services.AddHostedService<PostgresChannelListener>();
            services.AddSingleton(new ConnectionPoolBudget("listener", 1));
            // Its reconnect backoff's clock: the host's (Program.cs registers one), else the system's, so that a host
            // composed of these modules alone (the queue benchmark's) starts.
            services.TryAddSingleton(TimeProvider.System);
        }
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
/// its subscriber. It has a data source of its own (one unpooled, never multiplexed connection: LISTEN needs a
/// session of its own), counted as one connection in the budget. A dead TCP connection delivers nothing and says
/// nothing, so it asks the database the time every <see cref="ProbeInterval"/>, busy or not. A lost connection is
/// replaced after growing pauses with jitter (<see cref="ListenerBackoff"/>: 100 ms, doubling to at most 1 s), so
/// it is back within about a second of the database; then the subscribers are told how far back they may have
/// missed something, and catch up. <c>postgres_listener_connected</c> says whether it is listening.
/// </summary>
internal sealed partial class PostgresChannelListener : BackgroundService
{
    internal const string ApplicationName = "minimal-backend channel listener";

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, IChannelSubscriber[]> _byChannel;
    private readonly NpgsqlDataSource _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Gauge _connected;

    public PostgresChannelListener(IConfiguration configuration, IOptions<DatabaseOptions> options, IEnumerable<IChannelSubscriber> subscribers,
        IMetricFactory metrics, TimeProvider time, ILogger<PostgresChannelListener> logger)
    {
        _byChannel = subscribers
            .GroupBy(s => PostgresChannels.ValidName(s.Channel), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var connectionString = DatabaseModule.ConnectionString(configuration, maxPoolSize: 1, options.Value);
        connectionString.Pooling = false;
        connectionString.Multiplexing = false;
        connectionString.ApplicationName = ApplicationName;
        _database = options.Value.DataSourceBuilder(connectionString.ConnectionString).Build();
        _time = time;
        _logger = logger;
        ArgumentNullException.ThrowIfNull(metrics);
        // On the host's registry; 0 from startup until the first connection.
        _connected = metrics.CreateGauge(
            "postgres_listener_connected",
            "1 while this instance's LISTEN connection to PostgreSQL is up (jobs start on NOTIFY, notifications are pushed); " +
            "0 while it reconnects (jobs start only by polling, pushes wait until it is back).");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Until the first connection, nothing can have been missed but what was notified since the service started:
        // the local clock stands in for the database's, with the subscribers' own slack for the difference.
        var started = _time.GetUtcNow().UtcDateTime;
        DateTime? lastAlive = null;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(lastAlive, alive => (lastAlive, failures) = (alive, 0), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Never fatal: until it is back, subscribers only hear nothing.
                _connected.Set(0);
                lastAlive ??= started;
                var retryDelay = ListenerBackoff.Delay(++failures);
                if (failures == 1)
                {
                    LogConnectionLost(_logger, retryDelay, e.Message);
                }
                else
                {
                    LogStillDown(_logger, failures, retryDelay, e.Message);
                }
                await Task.Delay(retryDelay, _time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public override void Dispose()
    {
        _database.Dispose();
        base.Dispose();
    }

    private async Task ListenAsync(DateTime? lostSince, Action<DateTime> alive, CancellationToken stoppingToken)
    {
        await using var connection = await _database.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
        var listen = string.Join(' ', _byChannel.Keys.Select(channel => $"LISTEN {channel};"));
        await connection.ExecuteAsync(new CommandDefinition(listen, cancellationToken: stoppingToken));
        var listening = await NowAsync(connection, stoppingToken);
        _connected.Set(1);
        if (lostSince is { } since)
        {
            LogResumed(_logger, since);
            foreach (var subscriber in _byChannel.Values.SelectMany(s => s))
            {
                await subscriber.ResumedAsync(since, stoppingToken);
            }
        }
        // Only now: if catching up failed, the next connection catches up from the same moment.
        alive(listening);

        var probed = _time.GetTimestamp();
        while (true)
        {
            var remaining = ProbeInterval - _time.GetElapsedTime(probed);
            if (remaining <= TimeSpan.Zero || !await connection.WaitAsync(remaining, stoppingToken))
            {
                alive(await NowAsync(connection, stoppingToken));
                probed = _time.GetTimestamp();
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
                LogSubscriberFailed(_logger, channel, e);
            }
        }
    }

    // The reason without a stack trace: while the database is down this repeats about once a second.
    [LoggerMessage(Level = LogLevel.Warning, Message = "The LISTEN connection for channel notifications is down ({Reason}); reconnecting in {Delay}")]
    private static partial void LogConnectionLost(ILogger logger, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconnecting the LISTEN connection failed {Failures} times in a row ({Reason}); next try in {Delay}")]
    private static partial void LogStillDown(ILogger logger, int failures, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening again for channel notifications; catching up on anything notified since {LastAlive:O}")]
    private static partial void LogResumed(ILogger logger, DateTime lastAlive);

    [LoggerMessage(Level = LogLevel.Error, Message = "A subscriber of channel {Channel} failed on a notification")]
    private static partial void LogSubscriberFailed(ILogger logger, string channel, Exception exception);
}

/// <summary>
/// The listener's pauses between reconnection attempts: 100 ms after the first failure, doubling to a cap of 1 s,
/// each with "equal jitter" (between half and all of the step) so that instances that lost the database together
/// do not all come back at the same instant. One attempt a second per instance costs the database nothing, and
/// puts the listener back within about a second of the database.
/// </summary>
internal static class ListenerBackoff
{
    internal static readonly TimeSpan FirstStep = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);

    /// <summary>The pause after the <paramref name="failures"/>-th failed attempt in a row (1-based).</summary>
    public static TimeSpan Delay(int failures)
    {
        var step = TimeSpan.FromTicks(Math.Min(FirstStep.Ticks << Math.Clamp(failures - 1, 0, 20), MaxStep.Ticks));
#pragma warning disable CA5394 // Jitter spreads reconnections; it protects nothing, so it needs no cryptographic randomness.
        return step / 2 + step / 2 * Random.Shared.NextDouble();
#pragma warning restore CA5394
    }
}
