using MinimalBackend.Infrastructure.Jobs;

namespace MinimalBackend.Features.Email;

public static class EmailModule
{
    public const string Queue = "email";

    /// <summary>The emails the service sends, as jobs on the <c>email</c> queue, and <see cref="EmailJobs"/> to enqueue them.</summary>
    public static WebApplicationBuilder AddEmailFeature(this WebApplicationBuilder builder)
    {
        // An SMTP relay that is down for a while should delay a welcome email, not lose it: ten attempts span 2 to 4 hours.
        builder.Services.AddJob<SendWelcomeEmail, WelcomeEmail>(SendWelcomeEmail.JobType, Queue, new JobTypeOptions
        {
            MaxAttempts = 10,
            BackoffBase = TimeSpan.FromSeconds(30),
            BackoffMax = TimeSpan.FromHours(2),
        });
        builder.Services.AddSingleton<EmailJobs>();
        builder.Services.AddSingleton<EmailRecipients>();
        return builder;
    }
}
