using Npgsql;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster from the machine's PostgreSQL binaries: initdb into a temp directory,
/// a free port on 127.0.0.1, torn down on dispose. PostgreSQL refuses to run as root, so as root its
/// commands run as the postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _binDirectory;
    private readonly string _directory;
    private readonly int _maxConnections;

    public int Port { get; }

    private string DataDirectory => Path.Combine(_directory, "data");

    private PostgresServer(string binDirectory, string directory, int port, int maxConnections)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
        _maxConnections = maxConnections;
    }

    private const string DirectoryPrefix = "minimal-backend-pg-";

    // The test process whose cluster a directory holds, written in it.
    private const string OwnerFile = "owner.pid";

    /// <summary>A new cluster; <paramref name="maxConnections"/> is its <c>max_connections</c> (superusers, as the tests connect, may use them all).</summary>
    public static async Task<PostgresServer> StartNewAsync(int maxConnections = 300)
    {
        var binDirectory = FindBinDirectory();
        await RemoveAbandonedAsync(Path.GetTempPath(), binDirectory);
        var directory = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
        // Written aside and moved in, so that another run removing abandoned clusters never reads it half written.
        var owner = Path.Combine(directory, OwnerFile);
        await File.WriteAllTextAsync(owner + ".new", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(owner + ".new", owner);
        var server = new PostgresServer(binDirectory, directory, LocalNetwork.FreePort(), maxConnections);
        if (ProcessRunner.IsRoot)
        {
            await ProcessRunner.RunCheckedAsync("chown", "postgres:", directory);
        }
        await server.AsOwnerAsync("initdb", "-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8", "--no-sync", "--no-instructions");
        await server.StartAsync();
        return server;
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Include Error Detail=true";

    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public Task StartAsync() => AsOwnerAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections={_maxConnections}",
        "start");

    public Task StopAsync() => AsOwnerAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        await AsOwnerAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop").ContinueWith(_ => { }, TaskScheduler.Default);
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// Stops and deletes the clusters under <paramref name="root"/> whose test process is gone: a test host that was
    /// killed (Ctrl-C, a timeout) never stops its cluster, which keeps running and, after a whole suite, holds about
    /// 2 GB. Directories without an owner (made before owners were written) go once untouched for a day.
    /// </summary>
    public static async Task RemoveAbandonedAsync(string root, string binDirectory)
    {
        foreach (var directory in Directory.EnumerateDirectories(root, DirectoryPrefix + "*"))
        {
            if (!IsAbandoned(directory))
            {
                continue;
            }
            var data = Path.Combine(directory, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                await RunAsOwnerAsync(binDirectory, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").ContinueWith(_ => { }, TaskScheduler.Default);
            }
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run removing it at the same time, or not ours to remove: left as it is.
            }
        }
    }

    private static bool IsAbandoned(string directory)
    {
        var owner = Path.Combine(directory, OwnerFile);
        if (!File.Exists(owner))
        {
            return Directory.GetLastWriteTimeUtc(directory) < DateTime.UtcNow.AddDays(-1);
        }
        if (!int.TryParse(File.ReadAllText(owner), out var pid))
        {
            return true;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private Task<string> AsOwnerAsync(string tool, params string[] arguments) => RunAsOwnerAsync(_binDirectory, tool, arguments);

    private static Task<string> RunAsOwnerAsync(string binDirectory, string tool, params string[] arguments)
    {
        var path = Path.Combine(binDirectory, tool);
        return ProcessRunner.IsRoot
            ? ProcessRunner.RunCheckedAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : ProcessRunner.RunCheckedAsync(path, arguments);
    }

    internal static string FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
            : [];
        var onPath = ProcessRunner.FindOnPath("initdb") is { } initdb ? [Path.GetDirectoryName(initdb)!] : Array.Empty<string>();
        return candidates.Concat(onPath).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them (Debian/Ubuntu: apt-get install postgresql) " +
                "or set TEST_DATABASE_URL to a database the tests may use.");
    }
}
