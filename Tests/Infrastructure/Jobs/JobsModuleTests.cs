using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MinimalBackend.Infrastructure.Database;
using MinimalBackend.Infrastructure.Jobs;
using MinimalBackend.Metrics;

namespace MinimalBackend.Tests.Infrastructure.Jobs;

public sealed class JobsModuleTests
{
    // The queue benchmark's hosts are made this way, without Program.cs: when the engine took its clock from
    // dependency injection, they stopped starting and nothing noticed.
    [Fact]
    public async Task A_host_of_the_database_and_jobs_modules_alone_builds_its_background_services()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none;Username=nobody";
        builder.AddDatabase();
        builder.Services.AddMetricsRegistry();
        builder.AddJobs();
        await using var app = builder.Build();

        var background = app.Services.GetServices<IHostedService>().Select(service => service.GetType().Name).ToList();

        Assert.Contains(nameof(JobDispatcher), background);
        Assert.Contains(nameof(PostgresChannelListener), background);
        Assert.Same(TimeProvider.System, app.Services.GetRequiredService<TimeProvider>());
    }
}
