using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MinimalBackend.Tests.Support;

/// <summary>A real Alertmanager started for a test (directly or through a shell line), ready when returned, killed on dispose.</summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _client;
    private readonly StringBuilder _output = new();

    private AlertmanagerProcess(Process process, int port)
    {
        _process = process;
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    /// <summary>Starts <paramref name="start"/>, which must make Alertmanager listen on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<AlertmanagerProcess> StartAsync(ProcessStartInfo start, int port)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var alertmanager = new AlertmanagerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}."), port);
        alertmanager._process.OutputDataReceived += (_, e) => alertmanager.Append(e.Data);
        alertmanager._process.ErrorDataReceived += (_, e) => alertmanager.Append(e.Data);
        alertmanager._process.BeginOutputReadLine();
        alertmanager._process.BeginErrorReadLine();
        // A bound on a hang, generous for a loaded machine.
        var ready = await Eventually.UntilAsync(alertmanager.IsReadyAsync, isReady => isReady || alertmanager._process.HasExited,
            "Alertmanager to be ready", TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100)).ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default);
        if (!ready)
        {
            await alertmanager.DisposeAsync();
            throw new InvalidOperationException($"Alertmanager did not get ready:\n{alertmanager.Output}");
        }
        return alertmanager;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task PostAsync(params Dictionary<string, object>[] alerts) =>
        (await _client.PostAsJsonAsync("/api/v2/alerts", alerts)).EnsureSuccessStatusCode();

    /// <summary>Each alert's state (active, suppressed), by alert name and severity.</summary>
    public async Task<Dictionary<(string Name, string Severity), string>> StatesAsync()
    {
        using var alerts = JsonDocument.Parse(await _client.GetStringAsync("/api/v2/alerts"));
        return alerts.RootElement.EnumerateArray().ToDictionary(
            a => (a.GetProperty("labels").GetProperty("alertname").GetString()!, a.GetProperty("labels").GetProperty("severity").GetString()!),
            a => a.GetProperty("status").GetProperty("state").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            return (await _client.GetAsync("/-/ready")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
