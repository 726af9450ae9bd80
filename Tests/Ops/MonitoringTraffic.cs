using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

/// <summary>
/// Varied traffic that moves every metric the monitoring reads, until stopped: successes, 4xx, 5xx and slow
/// requests; registrations, logins that succeed and fail, and account deletions; refused email link tokens and reset requests; jobs that complete, retry and die; notifications
/// pushed to a client connected to the notifications hub. Errors are about one request in eight, so the
/// guide's error-rate alert has something to catch.
/// </summary>
public sealed class MonitoringTraffic : IAsyncDisposable
{
    private readonly ServiceHost _host;
    private readonly string _connectionString;
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MonitoringTraffic(ServiceHost host, string connectionString)
    {
        _host = host;
        _connectionString = connectionString;
        _client = host.CreateSocketClient();
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Set when an iteration failed in a way the traffic did not intend; the tests report it.</summary>
    public Exception? Fault { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _client.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var account = await TestAccounts.SignUpAsync(_client);
        // A client that stays connected for the whole run: the WebSocket gauge reads at least 1.
        await using var listener = await NotificationClient.ConnectAsync(_host.BaseAddress, account.AccessToken);
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                await IterationAsync(i, account, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Fault = e;
            }
            await Task.Delay(200, ct);
        }
    }

    private async Task IterationAsync(int i, TestAccount account, CancellationToken ct)
    {
        (await _client.GetAsync("/api/info", ct)).Dispose();
        (await _client.GetAsync($"/api/users/me", account.AccessToken)).Dispose();
        (await _client.GetAsync($"/no/such/page/{i}", ct)).Dispose();
        (await _client.PostAsJsonAsync("/api/auth/register", new { email = "not an email" }, ct)).Dispose();
        (await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = "not the password" }, ct)).Dispose();
        (await _client.PostAsJsonAsync("/api/auth/login", new { email = account.Email, password = account.Password }, ct)).Dispose();
        // Emailed links: a stale confirmation and a stale reset token, each refused; a reset link asked for now and then.
        (await _client.PostAsJsonAsync("/api/auth/confirm-email", new { token = "a-stale-or-made-up-token" }, ct)).Dispose();
        (await _client.PostAsJsonAsync("/api/auth/reset-password", new { token = "a-stale-or-made-up-token", newPassword = "a new passphrase" }, ct)).Dispose();
        (await _client.GetAsync("/test/throw/traffic", ct)).Dispose();
        if (i % 3 == 0)
        {
            (await _client.GetAsync("/test/slow", ct)).Dispose();
            var leaver = await TestAccounts.SignUpAsync(_client);
            (await _client.SendJsonAsync(HttpMethod.Delete, "/api/users/me", new { password = leaver.Password }, leaver.AccessToken)).Dispose();
            (await _client.PostAsJsonAsync("/api/auth/forgot-password", new { email = account.Email }, ct)).Dispose();
            await _host.Services.GetRequiredService<NotificationJobs>().EnqueueAsync(account.Id, "Traffic", $"Notification {i}", null, ct);
            // Two that complete, one that fails once then completes, one that fails until it is dead.
            await TestJobs.EnqueueAsync(_host, _connectionString, TestJobs.Payloads(4, p => p.Index switch
            {
                2 => p with { Failures = 1 },
                3 => p with { Failures = 99 },
                _ => p,
            }));
        }
    }
}
