using System.Net;
using Coravel.Invocable;
using MinimalBackend.Infrastructure.Email;

namespace MinimalBackend.Features.Email;

/// <summary>Whom to welcome: the user the registration just wrote, in the same transaction as this job.</summary>
public sealed record WelcomeEmail(Guid UserId, string Email, string DisplayName);

/// <summary>
/// Sends the welcome email (job type <c>send_welcome_email</c>, queue <c>email</c>). Delivery is at-least-once:
/// after a crash mid-send the message may go out twice, with the same Message-ID both times. Nothing is sent to
/// an account deleted since (<see cref="EmailRecipients"/>).
/// </summary>
public sealed class SendWelcomeEmail(IEmailSender email, EmailRecipients recipients) : IInvocable, IInvocableWithPayload<WelcomeEmail>, ICancellableInvocable
{
    public const string JobType = "send_welcome_email";

    public WelcomeEmail Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        if (await recipients.StillExistsAsync(Payload.UserId, JobType, CancellationToken))
        {
            await email.SendAsync(WelcomeEmailTemplate.Render(Payload), CancellationToken);
        }
    }
}

/// <summary>The welcome email in plain text and HTML. The display name is the user's own input: HTML-encoded.</summary>
public static class WelcomeEmailTemplate
{
    public static EmailMessage Render(WelcomeEmail welcome)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        var name = WebUtility.HtmlEncode(welcome.DisplayName);
        var address = WebUtility.HtmlEncode(welcome.Email);
        return new EmailMessage(
            welcome.Email,
            welcome.DisplayName,
            $"Welcome to MinimalBackend, {welcome.DisplayName}",
            $"""
            Hi {welcome.DisplayName},

            Welcome to MinimalBackend. Your account for {welcome.Email} is ready: sign in with this address and the password you chose.

            If you did not create this account, ignore this email.
            """,
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <body style="font-family: sans-serif; line-height: 1.5;">
              <h1 style="font-size: 20px;">Hi {name},</h1>
              <p>Welcome to MinimalBackend. Your account for <strong>{address}</strong> is ready: sign in with this address and the password you chose.</p>
              <p style="color: #666;">If you did not create this account, ignore this email.</p>
            </body>
            </html>
            """)
        {
            MessageId = $"welcome.{welcome.UserId:N}@minimal-backend.local",
        };
    }
}
