using System.Diagnostics;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// The npm project in Tests/Client: the OpenAPI linters and the generated TypeScript client, at the versions its
/// package-lock.json pins, installed by ./ops/test (<c>npm ci</c>) and run here with node.
/// </summary>
public static class ClientProject
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot.Path, "Tests", "Client");

    /// <summary>Runs a script of the project (a path under its folder) with node, in its folder.</summary>
    public static Task<ProcessResult> RunAsync(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules")))
        {
            throw new InvalidOperationException($"{Folder}/node_modules is missing: run `npm ci` there (./ops/test does).");
        }
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return ProcessRunner.RunAsync(start, timeout: TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs the script and fails the test, with everything it printed, unless it exits with 0.</summary>
    public static async Task<string> RunCheckedAsync(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(script, arguments, environment);
        Assert.True(result.ExitCode == 0, $"node {script} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
        return result.Output;
    }

    /// <summary>The live document as the service serves it, saved to a file of <paramref name="directory"/>.</summary>
    public static async Task<string> SaveDocumentAsync(HttpClient client, string directory)
    {
        var path = Path.Combine(directory, "openapi.json");
        await File.WriteAllTextAsync(path, await client.GetStringAsync("/openapi/v1.json"));
        return path;
    }
}
