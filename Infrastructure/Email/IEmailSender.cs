using MimeKit;
using MimeKit.Utils;

namespace MinimalBackend.Infrastructure.Email;

/// <summary>
/// One email to one recipient, in plain text and HTML (clients show the best part they support).
/// <see cref="MessageId"/>, when set, stays the same when a job sends the message again, so mail systems can
/// recognise the duplicate and the pickup writer overwrites its own file.
/// </summary>
public sealed record EmailMessage(string ToAddress, string ToName, string Subject, string TextBody, string HtmlBody)
{
    public string? MessageId { get; init; }

    internal MimeMessage ToMime(EmailOptions options)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.FromName, options.From));
        message.To.Add(new MailboxAddress(ToName, ToAddress));
        message.Subject = Subject;
        message.MessageId = MessageId ?? MimeUtils.GenerateMessageId(MailboxAddress.Parse(options.From).Domain);
        message.Body = new BodyBuilder { TextBody = TextBody, HtmlBody = HtmlBody }.ToMessageBody();
        return message;
    }
}

/// <summary>Sends email: through SMTP when <c>Email:Smtp:Host</c> is set, else as .eml files to read locally.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}
