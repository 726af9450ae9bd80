using System.Text.Json;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// ./ops/run --demo=incident[:NAME]: the incident's traffic sets off the alerts it names, up to ops/run's Alertmanager.
// One class per incident, so that the two (a minute or more each) run beside each other.
[RunsLong]
public sealed class RunScriptErrorsIncidentTests : IDisposable
{
    private readonly RunScriptIncident _incident = new();

    public void Dispose() => _incident.Dispose();

    [Fact]
    public Task Run_with_the_default_demo_incident_sets_off_the_error_alerts_in_the_alertmanager() =>
        _incident.SetsOffItsAlertsAsync("--demo=incident", "errors", ["ErrorBudgetBurn critical", "HighErrorRate critical"], "LoginFailureSpike warning");
}

[RunsLong]
public sealed class RunScriptLoginsIncidentTests : IDisposable
{
    private readonly RunScriptIncident _incident = new();

    public void Dispose() => _incident.Dispose();

    [Fact]
    public Task Run_with_the_logins_demo_incident_sets_off_the_login_alert_in_the_alertmanager() =>
        _incident.SetsOffItsAlertsAsync("--demo=incident:logins", "logins", ["LoginFailureSpike warning"], "ErrorBudgetBurn critical");
}

/// <summary>One ./ops/run --demo=incident run, and what its Alertmanager shows.</summary>
public sealed class RunScriptIncident : IDisposable
{
    private readonly RunScriptSession _run = new();

    public void Dispose() => _run.Dispose();

    public async Task SetsOffItsAlertsAsync(string argument, string incident, string[] alerts, string notThis)
    {
        var rules = AlertRules.WriteEverySecondCopy(_run.DataDirectory, shortHolds: true);
        var environment = new Dictionary<string, string>(RunScriptSession.EverySecond()) { ["PROM_RULE_FILE"] = rules };

        var output = await _run.RunUntilReadyThenInterruptAsync([argument], environment, whileRunning: async () =>
        {
            using var alertmanager = _run.Alertmanager();
            var active = await Eventually.UntilAsync(() => ActiveAlertsAsync(alertmanager), a => alerts.All(a.Contains),
                $"{string.Join(" and ", alerts)} active in the Alertmanager", TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(500));
            Assert.DoesNotContain(notThis, active);
        });

        Assert.Contains($"with the {incident} incident", output, StringComparison.Ordinal);
        Assert.Contains($"incident '{incident}': {alerts[0].Split(' ')[0]}", output, StringComparison.Ordinal);
    }

    // Each alert that is pending or firing, as "name severity", from the Alertmanager's API.
    private static async Task<List<string>> ActiveAlertsAsync(HttpClient alertmanager)
    {
        using var alerts = JsonDocument.Parse(await alertmanager.GetStringAsync("/api/v2/alerts?active=true"));
        return [.. alerts.RootElement.EnumerateArray().Select(a => a.GetProperty("labels")).Select(l => $"{l.GetProperty("alertname").GetString()} {l.GetProperty("severity").GetString()}")];
    }
}
