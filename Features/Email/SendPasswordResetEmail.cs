using System.Net;
using Coravel.Invocable;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Email;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>
/// Whose password to reset: the account a forgot-password request's address reaches, or null when it reaches none
/// (the job is enqueued all the same, so a request for an unknown address does the same work as one for a known one).
/// No token and no address here: a job's payload outlives the job (Jobs:CompletedRetention).
/// </summary>
public sealed record PasswordResetEmail(Guid? UserId);

/// <summary>
/// Sends a password reset link (job type <c>send_password_reset_email</c>, queue <c>email</c>) to the account's
/// stored address, never to the spelling the request used. The token is made when the job runs, committed before the
/// send, and supersedes the account's earlier reset tokens: a retried job sends a newer link, and only the newest works.
/// </summary>
public sealed class SendPasswordResetEmail(NpgsqlDataSource database, AccountTokens tokens, IEmailSender email, IOptions<AppOptions> app, IOptions<AccountTokensOptions> lifetimes)
    : IInvocable, IInvocableWithPayload<PasswordResetEmail>, ICancellableInvocable
{
    public const string JobType = "send_password_reset_email";

    public PasswordResetEmail Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var link = await AccountLinkEmails.IssueAsync(database, tokens, Payload.UserId, AccountTokenPurpose.PasswordReset, _ => true, CancellationToken);
        if (link is (var recipient, var token))
        {
            await email.SendAsync(
                PasswordResetEmailTemplate.Render(recipient, ClientLinks.To(app.Value, ClientLinks.ResetPasswordPage, token), lifetimes.Value.PasswordResetLifetime),
                CancellationToken);
        }
    }
}

/// <summary>The password reset email in plain text and HTML. The display name is the user's own input: HTML-encoded.</summary>
public static class PasswordResetEmailTemplate
{
    public static EmailMessage Render(AccountRecipient recipient, string link, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var name = WebUtility.HtmlEncode(recipient.DisplayName);
        var href = WebUtility.HtmlEncode(link);
        var minutes = (int)Math.Round(lifetime.TotalMinutes);
        return new EmailMessage(
            recipient.Email,
            recipient.DisplayName,
            "Reset your password",
            $"""
            Hi {recipient.DisplayName},

            Someone asked to reset the password of your MinimalBackend account. To choose a new one, open this link within {minutes} minutes:

            {link}

            The link works once; a newer one replaces it. If you did not ask, ignore this email: your password stays as it is.
            """,
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <body style="font-family: sans-serif; line-height: 1.5;">
              <h1 style="font-size: 20px;">Hi {name},</h1>
              <p>Someone asked to reset the password of your MinimalBackend account. To choose a new one, open this link within {minutes} minutes:</p>
              <p><a href="{href}">Choose a new password</a></p>
              <p style="color: #666;">The link works once; a newer one replaces it. If you did not ask, ignore this email: your password stays as it is.</p>
            </body>
            </html>
            """);
    }
}
