using System.Diagnostics;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Tracing;

namespace MinimalBackend.Infrastructure.Email;

/// <summary>
/// Sends each message through the configured SMTP relay with MailKit. A failure (relay down, message
/// refused) throws, so the job that sends it is retried with backoff.
/// </summary>
public sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var email = options.Value;
        var smtp = email.Smtp;
        using var mime = message.ToMime(email);
        using var span = ServiceTraces.Source.StartActivity("smtp send", ActivityKind.Client);
        span?.SetTag("server.address", smtp.Host);
        span?.SetTag("server.port", smtp.Port);
        // REVIEW: one connection per message is plenty for welcome emails; bulk mail would want a pooled client.
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username))
        {
            await client.AuthenticateAsync(smtp.Username, smtp.Password, cancellationToken);
        }
        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        span?.SetTag("email.message_id", mime.MessageId);
        LogSent(logger, mime.MessageId ?? "", smtp.Host);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email {MessageId} sent through {SmtpHost}")]
    private static partial void LogSent(ILogger logger, string messageId, string smtpHost);
}
