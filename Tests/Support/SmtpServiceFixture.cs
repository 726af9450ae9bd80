using Microsoft.Extensions.Time.Testing;

namespace MinimalBackend.Tests.Support;

/// <summary>A real SMTP server and a service host on the run's database that sends its email there.</summary>
public class SmtpServiceFixture(DatabaseFixture database) : IAsyncLifetime
{
    public string ConnectionString => database.ConnectionString;

    public SmtpTestServer Smtp { get; private set; } = null!;

    public ServiceHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        Host = CreateHost(database.ConnectionString, Smtp.Settings);
        Host.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    protected virtual ServiceHost CreateHost(string connectionString, Dictionary<string, string?> settings) => new(connectionString, settings);
}

/// <summary>
/// <see cref="SmtpServiceFixture"/> on a clock the tests move. It starts at a whole second of the real time and moves by
/// whole milliseconds, which PostgreSQL's microseconds store exactly, so an expiry falls exactly where the test puts it.
/// </summary>
public sealed class SmtpFakeClockServiceFixture(DatabaseFixture database) : SmtpServiceFixture(database)
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    protected override ServiceHost CreateHost(string connectionString, Dictionary<string, string?> settings) =>
        new(connectionString, settings) { Time = Clock };
}
