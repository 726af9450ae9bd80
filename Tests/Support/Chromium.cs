using Microsoft.Playwright;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Headless Chromium from the Debian <c>chromium</c> package (which ./ops/test installs when missing), driven by
/// Microsoft.Playwright. Playwright's own browser download (<c>playwright install</c>) is not used: its driver
/// (node and the Playwright package, restored with the NuGet package) launches the system's browser. One browser
/// per test class; each test opens its own context (cookies, storage), so tests never share a session.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string DebianPackage = "chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started.");

    /// <summary><c>CHROMIUM_PATH</c> when set, otherwise where the Debian package puts it.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {ExecutablePath}. Install the Debian package '{DebianPackage}' " +
                $"(sudo apt-get install {DebianPackage}; ./ops/test installs it when missing) or set CHROMIUM_PATH to a Chromium binary.");
        }
        _playwright = await Playwright.CreateAsync();
        // --no-sandbox: Chromium's sandbox needs user namespaces, which containers and root sessions usually lack.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Args = ["--no-sandbox"], Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>Files a test keeps for people to look at (screenshots), under the test output folder's <c>artifacts/</c> (git-ignored, like bin/).</summary>
public static class TestArtifacts
{
    public static string PathFor(string fileName)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }
}
