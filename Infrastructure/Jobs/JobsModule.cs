using Coravel;
using Coravel.Invocable;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Database;

namespace MinimalBackend.Infrastructure.Jobs;

public static class JobsModule
{
    /// <summary>
    /// Durable jobs on PostgreSQL: the enqueue API (<see cref="JobEnqueuer"/>), the dispatcher that claims and
    /// runs them, the LISTEN/NOTIFY waker, the housekeeping on Coravel's scheduler, and the surface for code outside the engine
    /// that reads or acts on the queues (<see cref="JobQueues"/>). Features add job types with <see cref="AddJob{TInvocable, TPayload}"/>.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>()
            .BindConfiguration(JobsOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobsOptions>, JobsOptionsValidation>();
        builder.Services.AddScheduler();

        builder.Services.AddSingleton<JobTypeRegistry>();
        builder.Services.AddSingleton<JobBookkeepingDatabase>();
        builder.Services.AddSingleton(services => new ConnectionPoolBudget("jobs", services.GetRequiredService<IOptions<JobsOptions>>().Value.MaxPoolSize));
        builder.Services.AddSingleton<JobTable>();
        builder.Services.AddSingleton<JobEnqueuer>();
        builder.Services.AddSingleton<EnqueuedJobsCounter>();
        // On the host's CollectorRegistry (AddPrometheusMetrics); created when the dispatcher starts.
        builder.Services.AddSingleton<QueueMetrics>();
        builder.Services.AddSingleton<JobQueues>();
        builder.Services.AddScoped<JobContext>();

        // The dispatcher renews leases on the host's clock (Program.cs registers one), else the system's.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<JobDispatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobDispatcher>());
        builder.Services.AddChannelSubscriber<JobWakeSubscriber>();
        builder.Services.AddHostedService<JobHousekeepingSchedule>();
        builder.Services.AddTransient<PollJobQueues>();
        builder.Services.AddTransient<RescueExpiredJobLeases>();
        builder.Services.AddTransient<PruneCompletedJobs>();
        builder.Services.AddTransient<ReadQueueBacklog>();
        builder.Services.AddTransient<CountEnqueuedJobs>();
        return builder;
    }

    /// <summary>
    /// A job type: <paramref name="type"/> is its stable name in the jobs table (snake_case, never renamed
    /// while jobs of it may exist), <paramref name="queue"/> the queue that runs it. The invocable is resolved
    /// from a DI scope per attempt, like any Coravel invocable. <c>Jobs:Types:&lt;type&gt;</c> overrides
    /// <paramref name="defaults"/>.
    /// </summary>
    public static IServiceCollection AddJob<TInvocable, TPayload>(
        this IServiceCollection services, string type, string queue, JobTypeOptions? defaults = null)
        where TInvocable : class, IInvocable, IInvocableWithPayload<TPayload>
    {
        services.AddTransient<TInvocable>();
        services.AddSingleton<JobType>(new JobType<TInvocable, TPayload>(type, queue, defaults ?? new JobTypeOptions()));
        return services;
    }

    /// <summary>Names every invalid setting at startup instead of failing on first use.</summary>
    private sealed class JobsOptionsValidation : IValidateOptions<JobsOptions>
    {
        public ValidateOptionsResult Validate(string? name, JobsOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
