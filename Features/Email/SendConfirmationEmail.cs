using System.Net;
using Coravel.Invocable;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Email;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>
/// Whose address to confirm: the account registration just wrote, or the one a resend request's address reaches.
/// Null when that address reaches no account: the job is enqueued all the same, so the request did the same work.
/// No token here: a job's payload outlives the job (Jobs:CompletedRetention), a raw token must not.
/// </summary>
public sealed record ConfirmationEmail(Guid? UserId);

/// <summary>
/// Sends the link that confirms an account's address (job type <c>send_confirmation_email</c>, queue <c>email</c>).
/// The token is made when the job runs and committed before the send; a retried job makes a new one and the earlier
/// one stays usable until it expires (the address is the same). Nothing is sent for no account, a deleted account or
/// an address already confirmed.
/// </summary>
public sealed class SendConfirmationEmail(NpgsqlDataSource database, AccountTokens tokens, IEmailSender email, IOptions<AppOptions> app)
    : IInvocable, IInvocableWithPayload<ConfirmationEmail>, ICancellableInvocable
{
    public const string JobType = "send_confirmation_email";

    public ConfirmationEmail Payload { get; set; } = null!;

    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var link = await AccountLinkEmails.IssueAsync(
            database, tokens, Payload.UserId, AccountTokenPurpose.EmailConfirmation, recipient => !recipient.EmailConfirmed, CancellationToken);
        if (link is (var recipient, var token))
        {
            await email.SendAsync(ConfirmationEmailTemplate.Render(recipient, ClientLinks.To(app.Value, ClientLinks.ConfirmEmailPage, token)), CancellationToken);
        }
    }
}

/// <summary>The confirmation email in plain text and HTML. The display name is the user's own input: HTML-encoded.</summary>
public static class ConfirmationEmailTemplate
{
    public static EmailMessage Render(AccountRecipient recipient, string link)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var name = WebUtility.HtmlEncode(recipient.DisplayName);
        var address = WebUtility.HtmlEncode(recipient.Email);
        var href = WebUtility.HtmlEncode(link);
        return new EmailMessage(
            recipient.Email,
            recipient.DisplayName,
            "Confirm your email address",
            $"""
            Hi {recipient.DisplayName},

            Confirm that {recipient.Email} is your address by opening this link:

            {link}

            The link works once. If you did not create a MinimalBackend account, ignore this email.
            """,
            $"""
            <!DOCTYPE html>
            <html lang="en">
            <body style="font-family: sans-serif; line-height: 1.5;">
              <h1 style="font-size: 20px;">Hi {name},</h1>
              <p>Confirm that <strong>{address}</strong> is your address:</p>
              <p><a href="{href}">Confirm my email address</a></p>
              <p style="color: #666;">The link works once. If you did not create a MinimalBackend account, ignore this email.</p>
            </body>
            </html>
            """);
    }
}
