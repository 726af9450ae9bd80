using MinimalBackend.Infrastructure.Jobs;

namespace MinimalBackend.Features.Email;

public static class EmailModule
{
    public const string Queue = "email";

    /// <summary>
    /// The emails the service sends, as jobs on the <c>email</c> queue, <see cref="EmailJobs"/> to enqueue them, and
    /// <c>App:ClientBaseUrl</c>, where their links point.
    /// </summary>
    public static WebApplicationBuilder AddEmailFeature(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AppOptions>().BindConfiguration(AppOptions.SectionName)
            .Validate(o => AppOptions.IsValidClientBaseUrl(o.ClientBaseUrl), "App:ClientBaseUrl must be an absolute http or https URL without a query or fragment.")
            .ValidateOnStart();
        // An SMTP relay that is down for a while should delay a welcome email or a confirmation link (which lives 24 hours),
        // not lose it: ten attempts span 2 to 4 hours. (The registry gives each type a copy of these defaults.)
        var patient = new JobTypeOptions { MaxAttempts = 10, BackoffBase = TimeSpan.FromSeconds(30), BackoffMax = TimeSpan.FromHours(2) };
        builder.Services.AddJob<SendWelcomeEmail, WelcomeEmail>(SendWelcomeEmail.JobType, Queue, patient);
        builder.Services.AddJob<SendConfirmationEmail, ConfirmationEmail>(SendConfirmationEmail.JobType, Queue, patient);
        // A security notice is still worth having hours late.
        builder.Services.AddJob<SendPasswordChangedEmail, PasswordChangedEmail>(SendPasswordChangedEmail.JobType, Queue, patient);
        // A reset link is wanted now and lives 30 minutes: five attempts within about 2.5 to 5 minutes, then the user asks again.
        builder.Services.AddJob<SendPasswordResetEmail, PasswordResetEmail>(SendPasswordResetEmail.JobType, Queue, new JobTypeOptions
        {
            MaxAttempts = 5,
            BackoffBase = TimeSpan.FromSeconds(20),
            BackoffMax = TimeSpan.FromMinutes(5),
        });
        builder.Services.AddSingleton<EmailJobs>();
        builder.Services.AddSingleton<EmailRecipients>();
        return builder;
    }
}
