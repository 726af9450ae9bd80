using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MinimalBackend.Tests.Ops;

namespace MinimalBackend.Tests.Support;

/// <summary>One PromQL answer: an error from Prometheus, or the sample values it returned.</summary>
public sealed record PromQlResult(string Query, string? Error, IReadOnlyList<double> Values)
{
    /// <summary>At least one sample that is a number (histogram_quantile over nothing gives NaN: no data).</summary>
    public bool HasData => Error is null && Values.Any(v => !double.IsNaN(v));

    public override string ToString() => Error is null ? $"{Query} => [{string.Join(", ", Values)}]" : $"{Query} => error: {Error}";
}

/// <summary>
/// A real Prometheus (the Debian package's binary) scraping one target with the configuration ops/run writes
/// (ops/lib/prometheus.sh, job minimal-backend, the alert rules of ops/prometheus/alerts.yml), scraping and
/// evaluating every second.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var prometheus = ProcessRunner.FindOnPath("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed. ./ops/test installs it (Debian package: prometheus).");
        var directory = Directory.CreateTempSubdirectory("minimal-backend-prometheus-").FullName;
        var start = new ProcessStartInfo("bash", ["-c", """. ops/lib/prometheus.sh && prom_write_config "$1" "$2" """, "_",
            target, AlertRules.WriteEverySecondCopy(directory)])
        {
            WorkingDirectory = RepositoryRoot.Path,
            Environment = { ["PROM_DIR"] = directory, ["PROM_SCRAPE_INTERVAL"] = "1s", ["PROM_EVALUATION_INTERVAL"] = "1s" },
        };
        var written = await ProcessRunner.RunAsync(start);
        if (written.ExitCode != 0)
        {
            throw new InvalidOperationException($"prom_write_config failed:\n{written.Output}");
        }

        var port = LocalNetwork.FreePort();
        var process = Process.Start(new ProcessStartInfo(prometheus,
        [
            $"--config.file={Path.Combine(directory, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            // As ops/run and compose.yaml run it: the latency histograms' trace_id exemplars are kept.
            "--enable-feature=exemplar-storage",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("prometheus did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        await Eventually.UntilAsync(server.IsReadyAsync, ready => ready || process.HasExited, "Prometheus to be ready", TimeSpan.FromMinutes(3));
        if (process.HasExited)
        {
            throw new InvalidOperationException($"prometheus exited:\n{await log}");
        }
        return server;
    }

    public Task<PromQlResult> QueryAsync(string query) => QueryAsync(_client, query);

    /// <summary>An instant query through Prometheus's HTTP API at the client's base address.</summary>
    public static async Task<PromQlResult> QueryAsync(HttpClient client, string query)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (body.GetProperty("status").GetString() != "success")
        {
            return new PromQlResult(query, body.GetProperty("error").GetString(), []);
        }
        var data = body.GetProperty("data");
        var result = data.GetProperty("result");
        var values = data.GetProperty("resultType").GetString() switch
        {
            "vector" => result.EnumerateArray().Select(s => Number(s.GetProperty("value")[1])).ToList(),
            "scalar" => [Number(result[1])],
            _ => [],
        };
        return new PromQlResult(query, null, values);
    }

    /// <summary>The trace ids of the exemplars Prometheus stored for a selector over the last hour (/api/v1/query_exemplars).</summary>
    public async Task<IReadOnlyList<string>> ExemplarTraceIdsAsync(string selector)
    {
        var end = DateTimeOffset.UtcNow;
        var start = end.AddHours(-1);
        var uri = $"/api/v1/query_exemplars?query={Uri.EscapeDataString(selector)}&start={start.ToUnixTimeSeconds()}&end={end.ToUnixTimeSeconds() + 60}";
        var body = JsonDocument.Parse(await _client.GetStringAsync(new Uri(uri, UriKind.Relative))).RootElement;
        return [.. body.GetProperty("data").EnumerateArray()
            .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
            .Select(e => e.GetProperty("labels").TryGetProperty("trace_id", out var id) ? id.GetString()! : "")];
    }

    /// <summary>
    /// Every alert that was in one of the states given ("pending|firing") at any evaluation of the window that ends
    /// now, as "name severity state", from the ALERTS series Prometheus writes at each evaluation (so a moment
    /// between two polls is not missed).
    /// </summary>
    public static async Task<IReadOnlyList<string>> AlertsAsync(HttpClient client, string states, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(client);
        var query = string.Create(CultureInfo.InvariantCulture,
            $"count by (alertname, severity, alertstate) (count_over_time(ALERTS{{alertstate=~\"{states}\"}}[{Math.Ceiling(window.TotalSeconds)}s]))");
        var body = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative))).RootElement;
        return [.. body.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(s => s.GetProperty("metric"))
            .Select(m => $"{Label(m, "alertname")} {Label(m, "severity")} {Label(m, "alertstate")}")];

        static string Label(JsonElement metric, string name) => metric.TryGetProperty(name, out var value) ? value.GetString()! : "";
    }

    /// <summary>Prometheus's own view of the alert rules: name to state (inactive, pending, firing).</summary>
    public async Task<IReadOnlyDictionary<string, string>> AlertRuleStatesAsync()
    {
        var body = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/api/v1/rules?type=alert", UriKind.Relative))).RootElement;
        return body.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .GroupBy(r => r.GetProperty("name").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(r => r.GetProperty("state").GetString()!).OrderBy(State).Last());
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int State(string state) => state switch { "firing" => 2, "pending" => 1, _ => 0 };

    private static double Number(JsonElement value) => double.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            return (await _client.GetAsync(new Uri("/-/ready", UriKind.Relative))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
