namespace MinimalBackend.Tests.Support;

/// <summary>promtool from the Debian prometheus package, which ./ops/test installs.</summary>
public static class Promtool
{
    public static string Path =>
        ProcessRunner.FindOnPath("promtool")
        ?? throw new InvalidOperationException("promtool is not installed. ./ops/test installs it (Debian package: prometheus).");
}
