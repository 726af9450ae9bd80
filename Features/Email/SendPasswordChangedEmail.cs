using System.Globalization;
using System.Net;
using Coravel.Invocable;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Email;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>
/// Whose password changed, when, and how: with the current password while signed in, or with an emailed reset link.
/// Enqueued in the transaction that changed it, so the notice goes out exactly when the change commits.
/// </summary>
public sealed record PasswordChangedEmail(Guid UserId, DateTimeOffset ChangedAt, bool WithResetLink);

/// <summary>
/// Tells the account's owner that its password changed (job type <c>send_password_changed_email</c>, queue
/// <c>email</c>), at the account's stored address, so that someone who did not change it learns of it and can take the
/// account back (OWASP ASVS: notify users after updates to authentication details). It carries no link with a token:
/// a notice that could be forwarded or leaked gives nobody anything. Nothing is sent to an account deleted since.
/// </summary>
public sealed class SendPasswordChangedEmail(NpgsqlDataSource database, IEmailSender email, IOptions<AppOptions> app)
    : IInvocable, IInvocableWithPayload<PasswordChangedEmail>, ICancellableInvocable
{
    public const string JobType = "send_password_changed_email";

    public PasswordChangedEmail Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        AccountRecipient? recipient;
        await using (var connection = await database.OpenConnectionAsync(CancellationToken))
        {
            recipient = await UserAccounts.RecipientAsync(connection, null, Payload.UserId, CancellationToken);
        }
        if (recipient is not null)
        {
            await email.SendAsync(PasswordChangedEmailTemplate.Render(recipient, Payload, app.Value.ClientBaseUrl), CancellationToken);
        }
    }
}

/// <summary>The password-changed notice in plain text and HTML. The display name is the user's own input: HTML-encoded.</summary>
public static class PasswordChangedEmailTemplate
{
    public const string Subject = "Your password was changed";

    public static EmailMessage Render(AccountRecipient recipient, PasswordChangedEmail change, string clientBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(change);
        var name = WebUtility.HtmlEncode(recipient.DisplayName);
        var when = change.ChangedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var how = change.WithResetLink ? "with a password reset link sent to this address" : "by someone signed in to your account who knew the current password";
        var app = WebUtility.HtmlEncode(clientBaseUrl);
        return new EmailMessage(
            recipient.Email,
            recipient.DisplayName,
            Subject,
            $"""
            Hi {recipient.DisplayName},

            The password of your MinimalBackend account was changed on {when}, {how}. Every other session of the account was signed out.

            If that was you, there is nothing to do. If it was not, open {clientBaseUrl}, choose "Forgot password" to set a new password with a link sent to this address, and sign in again.
            """,
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <body style="font-family: sans-serif; line-height: 1.5;">
              <h1 style="font-size: 20px;">Hi {name},</h1>
              <p>The password of your MinimalBackend account was changed on <strong>{when}</strong>, {how}. Every other session of the account was signed out.</p>
              <p style="color: #666;">If that was you, there is nothing to do. If it was not, open <a href="{app}">{app}</a>, choose "Forgot password" to set a new password with a link sent to this address, and sign in again.</p>
            </body>
            </html>
            """)
        {
            // The same for every attempt of one job, as the welcome email's: a retry after a crash mid-send is one message.
            MessageId = string.Create(CultureInfo.InvariantCulture, $"password-changed.{change.UserId:N}.{change.ChangedAt.ToUnixTimeMilliseconds()}@minimal-backend.local"),
        };
    }
}
