using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Tests.Support;
using Serilog.Core;
using Serilog.Events;

namespace MinimalBackend.Tests.Features.Admin.Queues;

/// <summary>
/// The service on a database of one test's own, with the test job type (queue <c>test</c>), an administrator signed
/// in, and the log recorded. By default it runs no jobs, so every row a test writes stays in the state it was written in.
/// </summary>
internal sealed class QueueDashboardHost : IAsyncDisposable
{
    public const string AuditSource = "MinimalBackend.Features.Admin.Queues.QueueAudit";

    private readonly IsolatedDatabase _database;

    private QueueDashboardHost(IsolatedDatabase database, ServiceHost host, HttpClient client, TestAccount admin, RecordingLogSink log, JobRunLog runs)
    {
        _database = database;
        Host = host;
        Client = client;
        Admin = admin;
        Log = log;
        Runs = runs;
    }

    public ServiceHost Host { get; }

    public HttpClient Client { get; }

    public TestAccount Admin { get; }

    public RecordingLogSink Log { get; }

    public JobRunLog Runs { get; }

    public string ConnectionString => _database.ConnectionString;

    /// <summary>The audit events of the dashboard's actions, in the order they were written.</summary>
    public IReadOnlyList<LogEvent> AuditEvents => Log.From(AuditSource);

    public static async Task<QueueDashboardHost> StartAsync(DatabaseFixture database, bool runJobs = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var isolated = await IsolatedDatabase.CreateAsync(database);
        var log = new RecordingLogSink();
        var runs = new JobRunLog();
        var allSettings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Jobs:RunJobs"] = runJobs ? "true" : "false",
            ["Serilog:MinimumLevel:Override:" + AuditSource] = "Information",
        };
        var host = isolated.Host(
            allSettings,
            services =>
            {
                TestJobs.In(runs)(services);
                services.AddSingleton<ILogEventSink>(log);
            });
        var client = host.CreateSocketClient();
        var admin = await TestAccounts.SignUpAdminAsync(client, isolated.ConnectionString);
        return new QueueDashboardHost(isolated, host, client, admin, log, runs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        await _database.DisposeAsync();
    }
}
