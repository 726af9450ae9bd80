using System.Threading.Channels;
using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A LISTEN connection of the test's own on one NOTIFY channel: what every instance of the service hears on it,
/// in the order PostgreSQL delivered it, for tests whose claim is that something was notified.
/// </summary>
public sealed class ChannelListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly Channel<string> _payloads = Channel.CreateUnbounded<string>();

    private ChannelListener(NpgsqlConnection connection)
    {
        _connection = connection;
        _connection.Notification += (_, e) => _payloads.Writer.TryWrite(e.Payload);
    }

    /// <summary>Listening once this returns: every NOTIFY committed from then on is heard.</summary>
    public static async Task<ChannelListener> ListenAsync(string connectionString, string channel)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var listener = new ChannelListener(connection);
        await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
        await listen.ExecuteNonQueryAsync();
        return listener;
    }

    /// <summary>The next payload heard; fails when none comes within <paramref name="timeout"/> (a bound on a hang).</summary>
    public async Task<string> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Eventually.DefaultTimeout);
        try
        {
            string? payload;
            while (!_payloads.Reader.TryRead(out payload))
            {
                // Npgsql reads notifications that arrive on an idle connection only while it is waited on.
                await _connection.WaitAsync(cancel.Token);
            }
            return payload;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException("No NOTIFY was heard.");
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
