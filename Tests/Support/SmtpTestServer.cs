using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1 at a free port, keeping every message it accepts.
/// It can hold the next message before answering the client, leaving the sender mid-transfer.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly RecordingStore _store = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public int Port { get; }

    private SmtpTestServer(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_store);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public static async Task<SmtpTestServer> StartAsync()
    {
        var server = new SmtpTestServer(LocalNetwork.FreePort());
        await Eventually.UntilAsync(() => Task.FromResult(LocalNetwork.IsListening(server.Port)), up => up, "the SMTP server to listen");
        return server;
    }

    /// <summary>The settings that point the service's email at this server (no TLS, no authentication).</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None",
    };

    /// <summary>The same settings as environment variables, for a service process.</summary>
    public Dictionary<string, string> Environment => Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    public IReadOnlyList<MimeMessage> MessagesTo(string address) =>
        _store.Messages.Where(m => m.To.Mailboxes.Any(to => string.Equals(to.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    public Task<MimeMessage> WaitForMessageToAsync(string address) =>
        Eventually.UntilAsync(() => Task.FromResult(MessagesTo(address) is [var first, ..] ? first : null), m => m is not null, $"an email to {address}")!;

    /// <summary>Waits until <paramref name="count"/> messages with this subject have reached the address; returns them in arrival order.</summary>
    public Task<IReadOnlyList<MimeMessage>> WaitForMessagesToAsync(string address, string subject, int count = 1) =>
        Eventually.UntilAsync(
            () => Task.FromResult<IReadOnlyList<MimeMessage>>(MessagesTo(address).Where(m => m.Subject == subject).ToList()),
            messages => messages.Count >= count, $"{count} emails '{subject}' to {address}");

    /// <summary>
    /// The next message's DATA is received but not answered; the returned task completes when that happens.
    /// <see cref="RefuseHeld"/> then answers it with a failure and does not keep it.
    /// </summary>
    public Task HoldNextMessage() => _store.HoldNext();

    public void RefuseHeld() => _store.RefuseHeld();

    /// <summary>From now on every message is held like <see cref="HoldNextMessage"/>, until <see cref="RefuseHeld"/> refuses them all.</summary>
    public void HoldEveryMessage() => _store.HoldEvery();

    /// <summary>How many messages are being held right now.</summary>
    public int Held => _store.HeldCount;

    public async ValueTask DisposeAsync()
    {
        _store.RefuseHeld();
        await _stop.CancelAsync();
        _server.Shutdown();
        await _running.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private sealed class RecordingStore : MessageStore
    {
        private readonly ConcurrentQueue<MimeMessage> _messages = new();
        private TaskCompletionSource? _held;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _holdEvery;
        private int _heldCount;

        public int HeldCount => Volatile.Read(ref _heldCount);

        public void HoldEvery() => _holdEvery = true;

        public IEnumerable<MimeMessage> Messages => _messages;

        public Task HoldNext()
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _held.Task;
        }

        public void RefuseHeld() => _release.TrySetResult();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _held, null) is { } held)
            {
                held.SetResult();
                await _release.Task;
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "held by the test and refused");
            }
            if (_holdEvery && !_release.Task.IsCompleted)
            {
                Interlocked.Increment(ref _heldCount);
                await _release.Task;
                Interlocked.Decrement(ref _heldCount);
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "held by the test and refused");
            }
            using var stream = new MemoryStream(buffer.ToArray());
            _messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
