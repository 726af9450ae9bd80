using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// The README's first command, run the way a newcomer runs it: no database configured, so it creates a
// PostgreSQL cluster, starts it, the service, a Prometheus scraping the service and an Alertmanager beside
// it (the packages being installed); Ctrl-C (SIGINT to the terminal's process group) stops them all. The demo
// runs against the real alert rules and sets off none; its incident sets off the alerts it names.
public sealed partial class RunScriptTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("minimal-backend-run-").FullName;
    private readonly int _postgresPort = LocalNetwork.FreePort();
    private readonly int _appPort = LocalNetwork.FreePort();
    private readonly int _prometheusPort = LocalNetwork.FreePort();
    private readonly int _alertmanagerPort = LocalNetwork.FreePort();

    public RunScriptTests()
    {
        // The postgres user (as root) must be able to enter the folder that holds its cluster.
        File.SetUnixFileMode(_dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Run_starts_postgres_the_service_prometheus_and_alertmanager_Ctrl_C_stops_them_and_a_second_run_reuses_the_data()
    {
        var first = await RunUntilReadyThenInterruptAsync(whileRunning: async () =>
        {
            await PrometheusScrapesTheServiceWithTheAlertRulesAsync();
            await PrometheusSendsAlertsToTheAlertmanagerAsync();
            await AWelcomeEmailLandsUnderTheDataDirectoryAsync();
        });
        Assert.Contains("Creating a PostgreSQL cluster", first, StringComparison.Ordinal);
        // The start-up ends with where everything is.
        Assert.Contains($"API           http://127.0.0.1:{_appPort}/api/info", first, StringComparison.Ordinal);
        Assert.Contains($"API docs      http://127.0.0.1:{_appPort}/docs", first, StringComparison.Ordinal);
        Assert.Contains($"Queue board   http://127.0.0.1:{_appPort}/admin/queues", first, StringComparison.Ordinal);
        Assert.Contains($"Metrics       http://127.0.0.1:{_appPort}/metrics", first, StringComparison.Ordinal);
        Assert.Contains($"Prometheus    http://127.0.0.1:{_prometheusPort}", first, StringComparison.Ordinal);
        Assert.Contains($"Alertmanager  http://127.0.0.1:{_alertmanagerPort}", first, StringComparison.Ordinal);
        Assert.Contains($"Emails        {Path.Combine(_dataDirectory, "mail")}", first, StringComparison.Ordinal);
        Assert.Contains("docker compose up -d", first, StringComparison.Ordinal);
        Assert.Contains("Stopping Prometheus", first, StringComparison.Ordinal);
        Assert.Contains("Stopping Alertmanager", first, StringComparison.Ordinal);
        Assert.Contains("Stopping PostgreSQL", first, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_prometheusPort), "Prometheus still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_alertmanagerPort), "Alertmanager still listens after Ctrl-C");
        Assert.True(Directory.Exists(Path.Combine(_dataDirectory, "prometheus", "data")), "Prometheus keeps its data under DATA_DIR");

        var second = await RunUntilReadyThenInterruptAsync();
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second, StringComparison.Ordinal);
        Assert.Contains("Starting PostgreSQL", second, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after the second Ctrl-C");
    }

    [Fact]
    public async Task Run_with_demo_gives_every_dashboard_and_docs_query_data_and_sets_off_no_alert()
    {
        // The real rules, evaluated every second: an alert pending for a moment shows in ALERTS.
        var output = await RunUntilReadyThenInterruptAsync(["--demo"], EverySecond(), whileRunning: async () =>
        {
            await EveryDashboardAndDocsQueryHasDataAsync();
            // The Error Rate panel has data once the demo's first shed sign-in (round 120, the last of its cycles)
            // has come: by then it has made every kind of request it makes. Every rule has been evaluated since.
            await AlertRulesEvaluatedAfterAsync(DateTimeOffset.UtcNow);
            using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_prometheusPort}") };
            var alerts = await PrometheusServer.AlertsOfTheLastHourAsync(prometheus);
            Assert.True(alerts.Count == 0, $"alerts pending or firing during the demo:\n{string.Join('\n', alerts)}");
        });

        Assert.Contains("Demo traffic against", output, StringComparison.Ordinal);
        Assert.Matches(@"demo traffic: 200 x\d+", output);
        Assert.Matches(@"demo traffic: .*503 x\d+", output);
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains(_dataDirectory, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--demo=incident", "errors", new[] { "ErrorBudgetBurn critical", "HighErrorRate critical" }, "LoginFailureSpike warning")]
    [InlineData("--demo=incident:logins", "logins", new[] { "LoginFailureSpike warning" }, "ErrorBudgetBurn critical")]
    public async Task Run_with_a_demo_incident_sets_off_its_alerts_in_the_alertmanager(string argument, string incident, string[] alerts, string notThis)
    {
        // The real expressions with every `for:` hold cut to 5 s (promtool's unit tests cover the holds), so the
        // alerts fire within seconds of their condition instead of minutes.
        var rules = Path.Combine(_dataDirectory, "alerts-short-holds.yml");
        await File.WriteAllTextAsync(rules, ForHold().Replace(await File.ReadAllTextAsync(AlertRules.FilePath), "${indent}for: 5s"));
        var environment = new Dictionary<string, string>(EverySecond()) { ["PROM_RULE_FILE"] = rules };

        var output = await RunUntilReadyThenInterruptAsync([argument], environment, whileRunning: async () =>
        {
            using var alertmanager = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_alertmanagerPort}") };
            var active = await Eventually.UntilAsync(() => ActiveAlertsAsync(alertmanager), a => alerts.All(a.Contains),
                $"{string.Join(" and ", alerts)} active in the Alertmanager", TimeSpan.FromMinutes(3));
            Assert.DoesNotContain(notThis, active);
        });

        Assert.Contains($"with the {incident} incident", output, StringComparison.Ordinal);
        Assert.Contains($"incident '{incident}': {alerts[0].Split(' ')[0]}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_an_unknown_incident_says_which_there_are_and_starts_nothing()
    {
        var result = await ProcessRunner.RunAsync(new ProcessStartInfo("bash", ["ops/run", "--demo=incident:nonsense"])
        {
            WorkingDirectory = RepositoryRoot.Path,
            Environment = { ["DATA_DIR"] = _dataDirectory },
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown incident 'nonsense': errors (ErrorBudgetBurn, HighErrorRate) or logins (LoginFailureSpike)", result.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dataDirectory));
    }

    [Fact]
    public async Task Ctrl_C_while_the_demo_waits_for_the_service_stops_everything_and_a_second_demo_seeds_no_users()
    {
        var (first, firstExit, session) = await RunThenInterruptAsync(["--demo"], interruptWhen: WaitingForTheService);

        // The signal ends the script (130: interrupted) after its cleanup, instead of carrying on to start
        // the demo traffic with nothing left to stop it.
        Assert.True(firstExit == 130, $"ops/run exited with {firstExit}:\n{first}");
        Assert.Contains("Seeded 200 users", first, StringComparison.Ordinal);
        Assert.Empty(ProcessesOfSession(session));
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_prometheusPort), "Prometheus still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_alertmanagerPort), "Alertmanager still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains(_dataDirectory, StringComparison.Ordinal));

        var (second, secondExit, _) = await RunThenInterruptAsync(["--demo"], interruptWhen: WaitingForTheService);

        Assert.True(secondExit == 130, $"ops/run exited with {secondExit}:\n{second}");
        // The 200 seeded users and the demo administrator: the second run adds none.
        Assert.Contains("There are already 201 users; seeded none.", second, StringComparison.Ordinal);
        Assert.DoesNotContain("Seeded ", second, StringComparison.Ordinal);
    }

    private static bool StartUpEnded(string output) => output.Contains("MinimalBackend is running.", StringComparison.Ordinal);

    private static bool WaitingForTheService(string output) => output.Contains("Waiting for http://", StringComparison.Ordinal);

    private async Task AWelcomeEmailLandsUnderTheDataDirectoryAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_appPort}") };
        var email = $"run-script-{Guid.NewGuid():N}@example.com";
        using var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "a long enough password", displayName = "Run Script" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);

        var mail = Path.Combine(_dataDirectory, "mail");
        await Eventually.UntilAsync(
            () => Task.FromResult(Directory.Exists(mail) && Directory.EnumerateFiles(mail, "*.eml").Any(f => File.ReadAllText(f).Contains(email, StringComparison.Ordinal))),
            found => found, $"the welcome email to {email} in {mail}");
    }

    private async Task PrometheusSendsAlertsToTheAlertmanagerAsync()
    {
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_prometheusPort}") };
        await Eventually.UntilAsync(() => prometheus.GetStringAsync("/api/v1/alertmanagers"),
            body => body.Contains($"http://127.0.0.1:{_alertmanagerPort}/api/v2/alerts", StringComparison.Ordinal),
            "the Alertmanager among Prometheus's active Alertmanagers");
        using var alertmanager = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_alertmanagerPort}") };
        // The committed config, rendered: the receivers by severity.
        var status = await alertmanager.GetStringAsync("/api/v2/status");
        Assert.Contains("receiver: critical", status, StringComparison.Ordinal);
    }

    // The processes of a session (the one setsid gave ops/run), from /proc: what Ctrl-C left behind.
    private static List<string> ProcessesOfSession(int session)
    {
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[3] == session.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    found.Add($"{Path.GetFileName(directory)}: {File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    // Prometheus scraping and evaluating every second (ops/lib/prometheus.sh's knobs for the tests).
    private static Dictionary<string, string> EverySecond() => new() { ["PROM_SCRAPE_INTERVAL"] = "1s", ["PROM_EVALUATION_INTERVAL"] = "1s" };

    // Each alert that is pending or firing, as "name severity", from the Alertmanager's API.
    private static async Task<List<string>> ActiveAlertsAsync(HttpClient alertmanager)
    {
        using var alerts = JsonDocument.Parse(await alertmanager.GetStringAsync("/api/v2/alerts?active=true"));
        return [.. alerts.RootElement.EnumerateArray().Select(a => a.GetProperty("labels")).Select(l => $"{l.GetProperty("alertname").GetString()} {l.GetProperty("severity").GetString()}")];
    }

    // Waits until every rule group of the Prometheus ops/run started has been evaluated after the moment given.
    private async Task AlertRulesEvaluatedAfterAsync(DateTimeOffset moment)
    {
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_prometheusPort}") };
        await Eventually.UntilAsync(async () =>
            {
                using var rules = JsonDocument.Parse(await prometheus.GetStringAsync("/api/v1/rules"));
                return rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                    .Select(g => g.GetProperty("lastEvaluation").GetDateTimeOffset()).Min();
            },
            oldest => oldest > moment, $"every rule group evaluated after {moment:O}");
    }

    private async Task EveryDashboardAndDocsQueryHasDataAsync()
    {
        var queries = GrafanaDashboardTests.Queries().Select(PromQl.WithAllInstances).Concat(MonitoringDocsTests.PromQlExamples()).Distinct().ToList();
        var prometheus = new Uri($"http://127.0.0.1:{_prometheusPort}");
        using var client = new HttpClient { BaseAddress = prometheus };
        await Eventually.UntilAsync(() => client.GetAsync("/-/ready").ContinueWith(t => t.IsCompletedSuccessfully && t.Result.IsSuccessStatusCode, TaskScheduler.Default),
            ready => ready, "the Prometheus ops/run starts");
        var empty = queries;
        var waited = Stopwatch.StartNew();
        while (empty.Count > 0 && waited.Elapsed < TimeSpan.FromMinutes(4))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var results = await Task.WhenAll(empty.Select(q => PrometheusServer.QueryAsync(client, q)));
            empty = results.Where(r => !r.HasData).Select(r => r.Query).ToList();
        }
        Assert.True(empty.Count == 0, $"dashboard and docs queries without data after {waited.Elapsed.TotalSeconds:0} s of demo traffic:\n{string.Join('\n', empty)}");
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
        var target = await Eventually.UntilAsync(async () =>
        {
            using var targets = JsonDocument.Parse(await prometheus.GetStringAsync("/api/v1/targets"));
            return targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => t.Clone()).ToList();
        }, active => active.Count > 1 || active.Any(t => t.GetProperty("health").GetString() == "up"), "Prometheus's first scrape of the service");
        var scraped = Assert.Single(target);
        Assert.Equal("minimal-backend", scraped.GetProperty("labels").GetProperty("job").GetString());
        Assert.Equal($"http://127.0.0.1:{_appPort}/metrics", scraped.GetProperty("scrapeUrl").GetString());
        Assert.Equal("up", scraped.GetProperty("health").GetString());
    }

    private async Task<string> RunUntilReadyThenInterruptAsync(Func<Task>? whileRunning = null) =>
        await RunUntilReadyThenInterruptAsync([], whileRunning);

    private async Task<string> RunUntilReadyThenInterruptAsync(string[] arguments, Func<Task>? whileRunning = null) =>
        await RunUntilReadyThenInterruptAsync(arguments, new Dictionary<string, string>(), whileRunning);

    private async Task<string> RunUntilReadyThenInterruptAsync(string[] arguments, IReadOnlyDictionary<string, string> environment, Func<Task>? whileRunning = null) =>
        (await RunThenInterruptAsync(arguments, interruptWhen: null, whileRunning, environment)).Output;

    // Runs ops/run in a session of its own, then sends Ctrl-C once the service is ready and whileRunning is done,
    // or as soon as its output satisfies interruptWhen. Returns the output, the exit code and the session id.
    private async Task<(string Output, int ExitCode, int Session)> RunThenInterruptAsync(string[] arguments, Func<string, bool>? interruptWhen,
        Func<Task>? whileRunning = null, IReadOnlyDictionary<string, string>? environment = null)
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
        start.Environment["ALERTMANAGER_PORT"] = _alertmanagerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("Email__PickupDirectory");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // By default, once the start-up has ended with its block of addresses.
            await Eventually.UntilAsync(() => Task.FromResult((Output: Snapshot(), process.HasExited)),
                seen => seen.HasExited || (interruptWhen ?? StartUpEnded)(seen.Output), "the moment to press Ctrl-C", TimeSpan.FromMinutes(5));
            Assert.False(process.HasExited, $"ops/run ended before the moment to press Ctrl-C:\n{Snapshot()}");
            if (interruptWhen is null && !await LocalNetwork.WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{_appPort}"), () => process.HasExited, TimeSpan.FromMinutes(1)))
            {
                Assert.Fail($"ops/run did not get the service ready:\n{Snapshot()}");
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
        return (Snapshot(), process.ExitCode, process.Id);

        string Snapshot()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    [GeneratedRegex(@"^(?<indent>\s+)for: \S+$", RegexOptions.Multiline)]
    private static partial Regex ForHold();
}
