using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// The README's first command, run the way a newcomer runs it: no database configured, so it creates a
// PostgreSQL cluster, starts it, the service and (the prometheus package being installed) a Prometheus
// scraping the service; Ctrl-C (SIGINT to the terminal's process group) stops all three.
public sealed class RunScriptTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("minimal-backend-run-").FullName;
    private readonly int _postgresPort = LocalNetwork.FreePort();
    private readonly int _appPort = LocalNetwork.FreePort();
    private readonly int _prometheusPort = LocalNetwork.FreePort();

    public RunScriptTests()
    {
        // The postgres user (as root) must be able to enter the folder that holds its cluster.
        File.SetUnixFileMode(_dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Run_starts_postgres_the_service_and_prometheus_Ctrl_C_stops_them_and_a_second_run_reuses_the_data()
    {
        var first = await RunUntilReadyThenInterruptAsync(whileRunning: PrometheusScrapesTheServiceWithTheAlertRulesAsync);
        Assert.Contains("Creating a PostgreSQL cluster", first, StringComparison.Ordinal);
        Assert.Contains($"Prometheus: http://127.0.0.1:{_prometheusPort}", first, StringComparison.Ordinal);
        Assert.Contains("Stopping Prometheus", first, StringComparison.Ordinal);
        Assert.Contains("Stopping PostgreSQL", first, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_prometheusPort), "Prometheus still listens after Ctrl-C");
        Assert.True(Directory.Exists(Path.Combine(_dataDirectory, "prometheus", "data")), "Prometheus keeps its data under DATA_DIR");

        var second = await RunUntilReadyThenInterruptAsync();
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second, StringComparison.Ordinal);
        Assert.Contains("Starting PostgreSQL", second, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after the second Ctrl-C");
    }

    [Fact]
    public async Task Run_with_demo_seeds_users_and_drives_traffic_until_every_dashboard_panel_has_data()
    {
        var output = await RunUntilReadyThenInterruptAsync(["--demo"], whileRunning: EveryDashboardQueryHasDataAsync);

        Assert.Contains("Demo traffic against", output, StringComparison.Ordinal);
        Assert.Matches(@"demo traffic: 200 x\d+", output);
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains(_dataDirectory, StringComparison.Ordinal));
    }

    private async Task EveryDashboardQueryHasDataAsync()
    {
        // Prometheus scrapes every 10 s here, as for a developer: rates need two scrapes of moving counters.
        var queries = GrafanaDashboardTests.Queries().Select(PromQl.WithAllInstances).ToList();
        var prometheus = new Uri($"http://127.0.0.1:{_prometheusPort}");
        using var client = new HttpClient { BaseAddress = prometheus };
        await Eventually.UntilAsync(() => client.GetAsync("/-/ready").ContinueWith(t => t.IsCompletedSuccessfully && t.Result.IsSuccessStatusCode, TaskScheduler.Default),
            ready => ready, "the Prometheus ops/run starts");
        var empty = queries;
        var waited = Stopwatch.StartNew();
        while (empty.Count > 0 && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var results = await Task.WhenAll(empty.Select(q => PrometheusServer.QueryAsync(client, q)));
            empty = results.Where(r => !r.HasData).Select(r => r.Query).ToList();
        }
        Assert.True(empty.Count == 0, $"panels without data after {waited.Elapsed.TotalSeconds:0} s of demo traffic:\n{string.Join('\n', empty)}");
    }

    private static string SafeCommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private async Task PrometheusScrapesTheServiceWithTheAlertRulesAsync()
    {
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_prometheusPort}") };
        var rules = await prometheus.GetStringAsync("/api/v1/rules");
        Assert.Contains("\"ServiceDown\"", rules, StringComparison.Ordinal);

        // Targets appear shortly after Prometheus is ready; the first scrape comes within one 10 s interval.
        var waited = Stopwatch.StartNew();
        var seen = "no target";
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var targets = JsonDocument.Parse(await prometheus.GetStringAsync("/api/v1/targets"));
            var active = targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
            if (active.Count > 0)
            {
                var target = Assert.Single(active);
                Assert.Equal("minimal-backend", target.GetProperty("labels").GetProperty("job").GetString());
                Assert.Equal($"http://127.0.0.1:{_appPort}/metrics", target.GetProperty("scrapeUrl").GetString());
                seen = $"health '{target.GetProperty("health").GetString()}'";
                if (seen == "health 'up'")
                {
                    return;
                }
            }
            await Task.Delay(500);
        }
        Assert.Fail($"Prometheus's scrape of the service: {seen} after 30 s");
    }

    private async Task<string> RunUntilReadyThenInterruptAsync(Func<Task>? whileRunning = null) =>
        await RunUntilReadyThenInterruptAsync([], whileRunning);

    private async Task<string> RunUntilReadyThenInterruptAsync(string[] arguments, Func<Task>? whileRunning = null)
    {
        var start = new ProcessStartInfo("setsid", ["bash", "ops/run", .. arguments])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment["DATA_DIR"] = _dataDirectory;
        start.Environment["POSTGRES_PORT"] = _postgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["URLS"] = $"http://127.0.0.1:{_appPort}";
        start.Environment["PROMETHEUS_PORT"] = _prometheusPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (!await LocalNetwork.WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{_appPort}"), () => process.HasExited, TimeSpan.FromMinutes(3)))
            {
                lock (output)
                {
                    Assert.Fail($"ops/run did not get the service ready:\n{output}");
                }
            }
            // A failed check still ends with Ctrl-C, so the cluster and Prometheus are not left running.
            var check = whileRunning is null ? Task.CompletedTask : whileRunning();
            await check.ContinueWith(_ => { }, TaskScheduler.Default);
            // What a terminal does on Ctrl-C: SIGINT to every process in the foreground group.
            await ProcessRunner.RunCheckedAsync("kill", "-INT", "--", $"-{process.Id}");
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exit.Token);
            await check;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        lock (output)
        {
            return output.ToString();
        }
    }
}
