using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// Ctrl-C while ./ops/run --demo still waits for the service: the script stops what it started and ends, and a
// second demo seeds no users.
[RunsLong]
public sealed class RunScriptInterruptTests : IDisposable
{
    private readonly RunScriptSession _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Ctrl_C_while_the_demo_waits_for_the_service_stops_everything_and_a_second_demo_seeds_no_users()
    {
        var (first, firstExit, session) = await _run.RunThenInterruptAsync(["--demo"], interruptWhen: RunScriptSession.WaitingForTheService);

        // The signal ends the script (130: interrupted) after its cleanup, instead of carrying on to start
        // the demo traffic with nothing left to stop it.
        Assert.True(firstExit == 130, $"ops/run exited with {firstExit}:\n{first}");
        Assert.Contains("Seeded 200 users", first, StringComparison.Ordinal);
        Assert.Empty(RunScriptSession.ProcessesOfSession(session));
        Assert.False(LocalNetwork.IsListening(_run.AppPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.PrometheusPort), "Prometheus still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.AlertmanagerPort), "Alertmanager still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_run.PostgresPort), "PostgreSQL still listens after Ctrl-C");
        Assert.Empty(_run.ProcessesUsingTheDataDirectory());

        var (second, secondExit, _) = await _run.RunThenInterruptAsync(["--demo"], interruptWhen: RunScriptSession.WaitingForTheService);

        Assert.True(secondExit == 130, $"ops/run exited with {secondExit}:\n{second}");
        // The 200 seeded users and the demo administrator: the second run adds none.
        Assert.Contains("There are already 201 users; seeded none.", second, StringComparison.Ordinal);
        Assert.DoesNotContain("Seeded ", second, StringComparison.Ordinal);
    }
}
