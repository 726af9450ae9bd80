using System.Diagnostics;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

/// <summary>
/// One test's <c>ops/run</c>: a data directory and ports of its own, so the run script tests (in classes of their
/// own, which xUnit runs in parallel) never meet. They share one BUILD_DIR, Tests/bin/ops-run-build: the first
/// run publishes the service and builds the demo traffic there (ops/test does it beside the tests), the others
/// wait for it (ops/lib/build.sh) and reuse it, as a second <c>./ops/run</c> reuses <c>.data/service</c> when no
/// source changed.
/// </summary>
public sealed class RunScriptSession : IDisposable
{
    /// <summary>Where every test's ops/run publishes the service (again only when its sources changed).</summary>
    public static string BuildDirectory { get; } = Path.Combine(RepositoryRoot.Path, "Tests", "bin", "ops-run-build");

    // Publishing in Release with ReadyToRun took over 5 minutes on a loaded 2-core machine; waiting for it is no failure.
    private static readonly TimeSpan StartUpBudget = TimeSpan.FromMinutes(20);

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("minimal-backend-run-").FullName;

    public int PostgresPort { get; } = LocalNetwork.FreePort();

    public int AppPort { get; } = LocalNetwork.FreePort();

    public int PrometheusPort { get; } = LocalNetwork.FreePort();

    public int AlertmanagerPort { get; } = LocalNetwork.FreePort();

    public RunScriptSession()
    {
        // The postgres user (as root) must be able to enter the folder that holds its cluster.
        File.SetUnixFileMode(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(DataDirectory, recursive: true);

    public HttpClient Prometheus() => new() { BaseAddress = new Uri($"http://127.0.0.1:{PrometheusPort}") };

    public HttpClient Alertmanager() => new() { BaseAddress = new Uri($"http://127.0.0.1:{AlertmanagerPort}") };

    public HttpClient Service() => new() { BaseAddress = new Uri($"http://127.0.0.1:{AppPort}") };

    /// <summary>Prometheus scraping and evaluating every second (ops/lib/prometheus.sh's knobs for the tests).</summary>
    public static Dictionary<string, string> EverySecond() => new() { ["PROM_SCRAPE_INTERVAL"] = "1s", ["PROM_EVALUATION_INTERVAL"] = "1s" };

    public static bool WaitingForTheService(string output) => output.Contains("Waiting for http://", StringComparison.Ordinal);

    private static bool StartUpEnded(string output) => output.Contains("MinimalBackend is running.", StringComparison.Ordinal);

    public Task<string> RunUntilReadyThenInterruptAsync(Func<Task>? whileRunning = null) =>
        RunUntilReadyThenInterruptAsync([], whileRunning);

    public Task<string> RunUntilReadyThenInterruptAsync(string[] arguments, Func<Task>? whileRunning = null) =>
        RunUntilReadyThenInterruptAsync(arguments, new Dictionary<string, string>(), whileRunning);

    public async Task<string> RunUntilReadyThenInterruptAsync(string[] arguments, IReadOnlyDictionary<string, string> environment, Func<Task>? whileRunning = null) =>
        (await RunThenInterruptAsync(arguments, interruptWhen: null, whileRunning, environment)).Output;

    /// <summary>
    /// Runs ops/run in a session of its own, then sends Ctrl-C once the service is ready and whileRunning is done,
    /// or as soon as its output satisfies interruptWhen. Returns the output, the exit code and the session id.
    /// </summary>
    public async Task<(string Output, int ExitCode, int Session)> RunThenInterruptAsync(string[] arguments, Func<string, bool>? interruptWhen,
        Func<Task>? whileRunning = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // SIGINT at its default, as a terminal starts a command: started from a background job (nohup ./ops/test &),
        // the test host and so ops/run would inherit it ignored, and bash cannot trap a signal ignored on entry.
        var start = new ProcessStartInfo("setsid", ["env", "--default-signal=INT", "bash", "ops/run", .. arguments])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment["DATA_DIR"] = DataDirectory;
        start.Environment["BUILD_DIR"] = BuildDirectory;
        // The publish ./ops/test makes beside the tests from its Release build (ops/lib/build.sh, publish_service).
        start.Environment["PUBLISH_READY_TO_RUN"] = "false";
        start.Environment["POSTGRES_PORT"] = PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["URLS"] = $"http://127.0.0.1:{AppPort}";
        start.Environment["PROMETHEUS_PORT"] = PrometheusPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ALERTMANAGER_PORT"] = AlertmanagerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
                seen => seen.HasExited || (interruptWhen ?? StartUpEnded)(seen.Output), "the moment to press Ctrl-C", StartUpBudget, TimeSpan.FromMilliseconds(250));
            Assert.False(process.HasExited, $"ops/run ended before the moment to press Ctrl-C:\n{Snapshot()}");
            if (interruptWhen is null && !await LocalNetwork.WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{AppPort}"), () => process.HasExited, TimeSpan.FromMinutes(5)))
            {
                Assert.Fail($"ops/run did not get the service ready:\n{Snapshot()}");
            }
            // A failed check still ends with Ctrl-C, so the cluster and Prometheus are not left running.
            var check = whileRunning is null ? Task.CompletedTask : whileRunning();
            await check.ContinueWith(_ => { }, TaskScheduler.Default);
            // What a terminal does on Ctrl-C: SIGINT to every process in the foreground group.
            await ProcessRunner.RunCheckedAsync("kill", "-INT", "--", $"-{process.Id}");
            using var exit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"ops/run has not ended 3 minutes after Ctrl-C; still in its session:\n{string.Join('\n', ProcessesOfSession(process.Id))}\nIts output:\n{Snapshot()}");
            }
            try
            {
                await check;
            }
            catch (Exception e)
            {
                // What ops/run printed says why (a part it could not start, say); the test's own message alone rarely does.
                throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\nops/run's output:\n{Snapshot()}", e);
            }
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

    /// <summary>The processes of a session (the one setsid gave ops/run), from /proc: what Ctrl-C left behind.</summary>
    public static List<string> ProcessesOfSession(int session)
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

    /// <summary>The command lines that name this session's data directory (its cluster, Prometheus, Alertmanager).</summary>
    public List<string> ProcessesUsingTheDataDirectory() =>
        [.. Process.GetProcesses().Select(SafeCommandLine).Where(c => c.Contains(DataDirectory, StringComparison.Ordinal)).Select(c => c.Replace('\0', ' '))];

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
}
