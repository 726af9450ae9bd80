using Microsoft.Extensions.Options;

namespace MinimalBackend.Infrastructure.Email;

public static class EmailSenderModule
{
    /// <summary>
    /// <see cref="IEmailSender"/>: SMTP through MailKit when <c>Email:Smtp:Host</c> is set, otherwise .eml
    /// files under <c>Email:PickupDirectory</c>. Chosen from the final configuration when first used, so hosts
    /// that add settings late (the tests) are honoured.
    /// </summary>
    public static WebApplicationBuilder AddEmailSender(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName);
        builder.Services.AddSingleton<IEmailSender>(services =>
            string.IsNullOrWhiteSpace(services.GetRequiredService<IOptions<EmailOptions>>().Value.Smtp.Host)
                ? ActivatorUtilities.CreateInstance<PickupDirectoryEmailSender>(services)
                : ActivatorUtilities.CreateInstance<SmtpEmailSender>(services));
        return builder;
    }
}
