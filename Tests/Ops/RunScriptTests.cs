using System.Diagnostics;
using System.Text;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Ops;

// The README's first command, run the way a newcomer runs it: no database configured, so it creates a
// PostgreSQL cluster, starts it and the service; Ctrl-C (SIGINT to the terminal's process group) stops both.
public sealed class RunScriptTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("minimal-backend-run-").FullName;
    private readonly int _postgresPort = LocalNetwork.FreePort();
    private readonly int _appPort = LocalNetwork.FreePort();

    public RunScriptTests()
    {
        // The postgres user (as root) must be able to enter the folder that holds its cluster.
        File.SetUnixFileMode(_dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Run_starts_postgres_and_the_service_Ctrl_C_stops_both_and_a_second_run_reuses_the_data()
    {
        var first = await RunUntilReadyThenInterruptAsync();
        Assert.Contains("Creating a PostgreSQL cluster", first, StringComparison.Ordinal);
        Assert.Contains("Stopping PostgreSQL", first, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_appPort), "the service still listens after Ctrl-C");
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after Ctrl-C");

        var second = await RunUntilReadyThenInterruptAsync();
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second, StringComparison.Ordinal);
        Assert.Contains("Starting PostgreSQL", second, StringComparison.Ordinal);
        Assert.False(LocalNetwork.IsListening(_postgresPort), "PostgreSQL still listens after the second Ctrl-C");
    }

    private async Task<string> RunUntilReadyThenInterruptAsync()
    {
        var start = new ProcessStartInfo("setsid", ["bash", "ops/run"])
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
            // What a terminal does on Ctrl-C: SIGINT to every process in the foreground group.
            await ProcessRunner.RunCheckedAsync("kill", "-INT", "--", $"-{process.Id}");
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exit.Token);
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
