using System.Diagnostics;
using System.Text;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// The built service started as its own process (`dotnet MinimalBackend.dll`), for what only a real
/// process shows: its console output, its shutdown, its environment-specific configuration.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    // Bounds on a hang, not on speed: on a loaded 2-core machine a start took up to 93 s (README, Start-up and memory).
    private static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(5);

    public Uri BaseAddress { get; }

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public static async Task<ServiceProcess> StartAsync(string connectionString, string environment, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = LocalNetwork.FreePort();
        var start = StartInfo(connectionString, environment, port, settings, arguments: []);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;

        var service = new ServiceProcess(new Process { StartInfo = start }, new Uri($"http://127.0.0.1:{port}"));
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        await service.WaitUntilReadyAsync();
        return service;
    }

    /// <summary>Runs the built service to its exit (a command, or a start that must fail) and returns what it printed; standard input is empty unless given.</summary>
    public static Task<ProcessResult> RunToExitAsync(
        string connectionString, string environment, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? settings = null, string? standardInput = null) =>
        ProcessRunner.RunAsync(StartInfo(connectionString, environment, LocalNetwork.FreePort(), settings, arguments), standardInput ?? "", TimeSpan.FromMinutes(5));

    private static ProcessStartInfo StartInfo(
        string connectionString, string environment, int port, IReadOnlyDictionary<string, string>? settings, IReadOnlyList<string> arguments)
    {
        var directory = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(directory, "MinimalBackend.dll"), .. arguments]) { WorkingDirectory = directory };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Jwt__SigningKey"] = ServiceHost.SigningKey;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return start;
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

    /// <summary>SIGTERM, as an orchestrator stops a container, then waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        await ProcessRunner.RunCheckedAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGKILL: the process gets no chance to stop its work or tell anyone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
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

    private async Task WaitUntilReadyAsync()
    {
        if (!await LocalNetwork.WaitUntilReadyAsync(BaseAddress, () => _process.HasExited, StartBudget))
        {
            throw new InvalidOperationException($"The service did not become ready:\n{Output}");
        }
    }
}
