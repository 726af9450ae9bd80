using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// The README's first command, run the way a newcomer runs it: no database configured, so it creates a
// PostgreSQL cluster, starts it, the service, a Prometheus scraping the service and an Alertmanager beside
// it (the packages being installed); Ctrl-C (SIGINT to the terminal's process group) stops them all. The demo
// (RunScriptDemoTests), its incidents (RunScriptIncidentTests) and Ctrl-C during the start-up
// (RunScriptInterruptTests) are classes of their own, so xUnit runs them beside this one.
[RunsLong]
public sealed class RunScriptTests : IDisposable
{
    private readonly RunScriptSession _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Run_starts_postgres_the_service_prometheus_and_alertmanager_Ctrl_C_stops_them_and_a_second_run_reuses_the_data()
    {
        var first = await _run.RunUntilReadyThenInterruptAsync(whileRunning: async () =>
        {
            await PrometheusScrapesTheServiceWithTheAlertRulesAsync();
            await PrometheusSendsAlertsToTheAlertmanagerAsync();
            await AWelcomeEmailLandsUnderTheDataDirectoryAsync();
        });
        Assert.Contains("Creating a PostgreSQL cluster", first, StringComparison.Ordinal);
        // The start-up ends with where everything is.
        Assert.Contains($"API           http://127.0.0.1:{_run.AppPort}/api/info", first, StringComparison.Ordinal);
        Assert.Contains($"API docs      http://127.0.0.1:{_run.AppPort}/docs", first, StringComparison.Ordinal);
        Assert.Contains($"Queue board   http://127.0.0.1:{_run.AppPort}/admin/queues", first, StringComparison.Ordinal);
        Assert.Contains($"Metrics       http://127.0.0.1:{_run.AppPort}/metrics", first, StringComparison.Ordinal);
        Assert.Contains($"Prometheus    http://127.0.0.1:{_run.PrometheusPort}", first, StringComparison.Ordinal);
        Assert.Contains($"Alertmanager  http://127.0.0.1:{_run.AlertmanagerPort}", first, StringComparison.Ordinal);
        Assert.Contains($"Emails        {Path.Combine(_run.DataDirectory, "mail")}", first, StringComparison.Ordinal);
        Assert.Contains("docker compose up -d", first, StringComparison.Ordinal);
        Assert.Contains("Stopping Prometheus", first, StringComparison.Ordinal);
        Assert.Contains("Stopping Alertmanager", first, StringComparison.Ordinal);
        Assert.Contains("Stopping PostgreSQL", first, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_run.AppPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.PostgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.PrometheusPort), "Prometheus still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.AlertmanagerPort), "Alertmanager still listens after Ctrl-C");
        Assert.True(Directory.Exists(Path.Combine(_run.DataDirectory, "prometheus", "data")), "Prometheus keeps its data under DATA_DIR");

        var second = await _run.RunUntilReadyThenInterruptAsync();
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second, StringComparison.Ordinal);
        Assert.Contains("Starting PostgreSQL", second, StringComparison.Ordinal);
        // The sources did not change between the two runs: the second reuses the first one's publish.
        Assert.Contains($"{Path.Combine(RunScriptSession.BuildDirectory, "service")}: built from these sources already", second, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_run.PostgresPort), "PostgreSQL still listens after the second Ctrl-C");
    }

    [Fact]
    public async Task Run_with_an_unknown_incident_says_which_there_are_and_starts_nothing()
    {
        var result = await ProcessRunner.RunAsync(new ProcessStartInfo("bash", ["ops/run", "--demo=incident:nonsense"])
        {
            WorkingDirectory = RepositoryRoot.Path,
            Environment = { ["DATA_DIR"] = _run.DataDirectory },
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown incident 'nonsense': errors (ErrorBudgetBurn, HighErrorRate) or logins (LoginFailureSpike)", result.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_run.DataDirectory));
    }

    private async Task AWelcomeEmailLandsUnderTheDataDirectoryAsync()
    {
        using var client = _run.Service();
        var email = $"run-script-{Guid.NewGuid():N}@example.com";
        using var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "a long enough password", displayName = "Run Script" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);

        var mail = Path.Combine(_run.DataDirectory, "mail");
        await Eventually.UntilAsync(
            () => Task.FromResult(Directory.Exists(mail) && Directory.EnumerateFiles(mail, "*.eml").Any(f => File.ReadAllText(f).Contains(email, StringComparison.Ordinal))),
            found => found, $"the welcome email to {email} in {mail}");
    }

    private async Task PrometheusSendsAlertsToTheAlertmanagerAsync()
    {
        using var prometheus = _run.Prometheus();
        await Eventually.UntilAsync(() => prometheus.GetStringAsync("/api/v1/alertmanagers"),
            body => body.Contains($"http://127.0.0.1:{_run.AlertmanagerPort}/api/v2/alerts", StringComparison.Ordinal),
            "the Alertmanager among Prometheus's active Alertmanagers");
        using var alertmanager = _run.Alertmanager();
        // The committed config, rendered: the receivers by severity.
        var status = await alertmanager.GetStringAsync("/api/v2/status");
        Assert.Contains("receiver: critical", status, StringComparison.Ordinal);
    }

    private async Task PrometheusScrapesTheServiceWithTheAlertRulesAsync()
    {
        using var prometheus = _run.Prometheus();
        var rules = await prometheus.GetStringAsync("/api/v1/rules");
        Assert.Contains("\"ServiceDown\"", rules, StringComparison.Ordinal);

        // Targets appear shortly after Prometheus is ready; the first scrape comes within one 10 s interval.
        var target = await Eventually.UntilAsync(async () =>
        {
            using var targets = JsonDocument.Parse(await prometheus.GetStringAsync("/api/v1/targets"));
            return targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => t.Clone()).ToList();
        }, active => active.Count > 1 || active.Any(t => t.GetProperty("health").GetString() == "up"), "Prometheus's first scrape of the service",
            TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(250));
        var scraped = Assert.Single(target);
        Assert.Equal("minimal-backend", scraped.GetProperty("labels").GetProperty("job").GetString());
        Assert.Equal($"http://127.0.0.1:{_run.AppPort}/metrics", scraped.GetProperty("scrapeUrl").GetString());
        Assert.Equal("up", scraped.GetProperty("health").GetString());
    }
}
