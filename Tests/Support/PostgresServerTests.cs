namespace MinimalBackend.Tests.Support;

public sealed class PostgresServerTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("postgres-server-tests-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task A_cluster_whose_test_process_is_gone_is_removed_and_one_whose_process_runs_is_kept()
    {
        using var ended = System.Diagnostics.Process.Start("true");
        await ended.WaitForExitAsync();
        var abandoned = Cluster("minimal-backend-pg-abandoned", owner: ended.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var running = Cluster("minimal-backend-pg-running", owner: Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var unreadable = Cluster("minimal-backend-pg-unreadable", owner: "not a process id");
        var recentWithoutOwner = Cluster("minimal-backend-pg-recent", owner: null);
        var somethingElse = Cluster("another-tool-abandoned", owner: ended.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await PostgresServer.RemoveAbandonedAsync(_root.FullName, PostgresServer.FindBinDirectory());

        Assert.Equal((false, true, false, true, true),
            (Directory.Exists(abandoned), Directory.Exists(running), Directory.Exists(unreadable), Directory.Exists(recentWithoutOwner), Directory.Exists(somethingElse)));
    }

    private string Cluster(string name, string? owner)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root.FullName, name, "data")).Parent!.FullName;
        if (owner is not null)
        {
            File.WriteAllText(Path.Combine(directory, "owner.pid"), owner);
        }
        return directory;
    }
}
