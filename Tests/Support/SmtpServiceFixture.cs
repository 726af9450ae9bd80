namespace MinimalBackend.Tests.Support;

/// <summary>A real SMTP server and a service host on the run's database that sends its email there.</summary>
public sealed class SmtpServiceFixture(DatabaseFixture database) : IAsyncLifetime
{
    public SmtpTestServer Smtp { get; private set; } = null!;

    public ServiceHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        Host = new ServiceHost(database.ConnectionString, Smtp.Settings);
        Host.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
