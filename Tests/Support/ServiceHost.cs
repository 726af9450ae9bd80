using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;
using Xunit.Abstractions;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// The real service (Program) on a real Kestrel socket at a free 127.0.0.1 port, against a real
/// PostgreSQL. Extra settings override appsettings.json the way environment variables would; extra
/// services (test-only job types, a recording notification publisher) are added after the service's own.
/// Its log goes to <see cref="Log"/>, not the console (see <see cref="LogTo"/>); with <see cref="Time"/> it runs on a
/// <see cref="FakeTimeProvider"/> the test moves. Its metrics are its own (its own CollectorRegistry).
/// </summary>
public sealed class ServiceHost : WebApplicationFactory<Program>
{
    /// <summary>The Testing environment's access-token key; tests sign their own tokens with it (or with another key, to be refused).</summary>
    public const string SigningKey = "signing-key-of-the-Testing-environment-never-used-elsewhere";

    // One folder for the whole run, deleted when the run ends: the fixed folder every run shared was never emptied
    // (20,289 emails, 82 MB, after one afternoon's runs on the development machine).
    private static readonly Lazy<string> RunMailDirectory = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("minimal-backend-test-mail-").FullName;
        EndOfRun.Register(() =>
        {
            Directory.Delete(directory, recursive: true);
            return Task.CompletedTask;
        });
        return directory;
    });

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public ServiceHost(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _settings = new(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:Postgres"] = connectionString,
        };
        _settings.TryAdd("Serilog:MinimumLevel:Default", "Warning");
        // The console sink of appsettings.json becomes a discarding one; the events go to Log instead.
        _settings.TryAdd("Serilog:Using:1", "MinimalBackend.Tests");
        _settings.TryAdd("Serilog:WriteTo:0:Name", "Discard");
        _settings.TryAdd("Jwt:SigningKey", SigningKey);
        // A hash at the production cost takes ~30 ms of a core and 19 MiB, and the tests hash hundreds of passwords.
        _settings.TryAdd("PasswordHashing:MemoryKiB", "64");
        // Each test class signs in from 127.0.0.1 again and again; the rate limit tests set small limits of their own.
        _settings.TryAdd("Auth:RateLimits:PerClientAddress", "100000");
        _settings.TryAdd("Auth:RateLimits:PerEmail", "100000");
        _settings.TryAdd("Auth:RateLimits:EmailLinksPerEmail", "100000");
        // Emails that jobs write without an SMTP server go to the run's own temp folder, not the repository's .data/mail.
        _settings.TryAdd("Email:PickupDirectory", RunMailDirectory.Value);
        _services = services;
        // Port 0 through Urls, not UseKestrel(0): the latter rewrites the server's addresses after Program has
        // begun starting Kestrel on its own thread, and throws when Kestrel wins that race (dotnet/aspnetcore#67714).
        _settings.TryAdd("Urls", "http://127.0.0.1:0");
        UseKestrel();
    }

    /// <summary>The clock of the host's services (set before the host starts); null: the system clock.</summary>
    public FakeTimeProvider? Time { get; init; }

    /// <summary>The host's Serilog events (at the host's levels: Warning and above unless a test sets Serilog:MinimumLevel).</summary>
    public HostLog Log { get; } = new();

    /// <summary>Sends the host's log to this test's output, which the run prints only if the test fails.</summary>
    public ServiceHost LogTo(ITestOutputHelper output)
    {
        Log.WriteTo(output);
        return this;
    }

    /// <summary>Where the host listens, once started: http://127.0.0.1:{port}.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First());
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<ILogEventSink>(Log);
            if (Time is not null)
            {
                services.AddSingleton<TimeProvider>(Time);
            }
        });
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>Starts the host (if it is not yet running) and returns a client that talks to it over the socket.</summary>
    public HttpClient CreateSocketClient()
    {
        return CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = BaseAddress });
    }
}

/// <summary>One service host per test class, on the run's database; a derived fixture gives the host settings or services of its own.</summary>
public class ServiceFixture(DatabaseFixture database) : IAsyncLifetime
{
    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("The service host is not started.");

    public HttpClient Client { get; private set; } = null!;

    public string ConnectionString => database.ConnectionString;

    public Task InitializeAsync()
    {
        _host = CreateHost(database.ConnectionString);
        Client = _host.CreateSocketClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    protected virtual ServiceHost CreateHost(string connectionString) => new(connectionString);
}
