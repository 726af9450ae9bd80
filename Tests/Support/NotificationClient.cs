using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A real SignalR client of <c>/hubs/notifications</c> over a real WebSocket, sending its access token the way
/// browsers do (<c>access_token</c> in the query string), or in the Authorization header the way .NET clients
/// do. It records every <c>notification</c> message, and can close cleanly or drop its socket without a word.
/// </summary>
public sealed class NotificationClient : IAsyncDisposable
{
    public const string HubPath = "/hubs/notifications";

    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<JsonElement> _received = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientWebSocket? _socket;

    private NotificationClient(Uri baseAddress, string? accessToken, bool tokenInHeader)
    {
        var url = accessToken is null || tokenInHeader ? new Uri(baseAddress, HubPath) : HubUrl(baseAddress, accessToken);
        _connection = new HubConnectionBuilder()
            .WithUrl(url, options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                if (tokenInHeader)
                {
                    options.AccessTokenProvider = () => Task.FromResult(accessToken);
                }
                else
                {
                    options.WebSocketFactory = async (context, cancellationToken) =>
                    {
                        var socket = new ClientWebSocket();
                        await socket.ConnectAsync(context.Uri, cancellationToken);
                        _socket = socket;
                        return socket;
                    };
                }
            })
            .Build();
        _connection.On<JsonElement>("notification", message => _received.Enqueue(message));
        _connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    public static Uri HubUrl(Uri baseAddress, string accessToken) =>
        new(baseAddress, $"{HubPath}?access_token={Uri.EscapeDataString(accessToken)}");

    /// <summary>Connects; throws when the server refuses the connection.</summary>
    public static async Task<NotificationClient> ConnectAsync(Uri baseAddress, string? accessToken, bool tokenInHeader = false)
    {
        var client = new NotificationClient(baseAddress, accessToken, tokenInHeader);
        try
        {
            await client._connection.StartAsync();
        }
        catch
        {
            await client._connection.DisposeAsync();
            throw;
        }
        return client;
    }

    public IReadOnlyList<JsonElement> Received => [.. _received];

    /// <summary>Completes when the connection has ended, with the error it ended with, if any.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public HubConnectionState State => _connection.State;

    /// <summary>Waits for the notification with this id; a bound on a hang, not a claim about speed.</summary>
    public Task<JsonElement> WaitForAsync(Guid id, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            () => Task.FromResult(Received.FirstOrDefault(m => m.GetProperty("id").GetGuid() == id)),
            message => message.ValueKind != JsonValueKind.Undefined,
            $"notification {id}",
            timeout);

    /// <summary>The client's close: a WebSocket close handshake.</summary>
    public Task CloseAsync() => _connection.StopAsync();

    /// <summary>The socket dropped without a close frame, as when a client's network goes away.</summary>
    public void Abort() => (_socket ?? throw new InvalidOperationException("Only a client with its token in the query string owns its socket.")).Abort();

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}

/// <summary>websocket_connections_total{gateway="notifications"} as /metrics shows it.</summary>
public static class ConnectionGauge
{
    public static async Task<double> ReadAsync(HttpClient client) =>
        (await MetricsText.ScrapeAsync(client)).Value("websocket_connections_total", ("gateway", "notifications"));

    public static Task<double> WaitForAsync(HttpClient client, double expected) =>
        Eventually.UntilAsync(() => ReadAsync(client), value => value == expected, $"the connection gauge to read {expected}");
}
