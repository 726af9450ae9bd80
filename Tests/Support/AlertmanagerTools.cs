namespace MinimalBackend.Tests.Support;

/// <summary>amtool and alertmanager from the Debian prometheus-alertmanager package, which ./ops/test installs.</summary>
public static class AlertmanagerTools
{
    public static string Amtool =>
        ProcessRunner.FindOnPath("amtool")
        ?? throw new InvalidOperationException("amtool is not installed. ./ops/test installs it (Debian package: prometheus-alertmanager).");

    /// <summary>Debian names the server prometheus-alertmanager; upstream builds call it alertmanager.</summary>
    public static string Alertmanager =>
        ProcessRunner.FindOnPath("prometheus-alertmanager") ?? ProcessRunner.FindOnPath("alertmanager")
        ?? throw new InvalidOperationException("alertmanager is not installed. ./ops/test installs it (Debian package: prometheus-alertmanager).");
}
