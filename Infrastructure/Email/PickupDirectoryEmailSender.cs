using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MinimalBackend.Infrastructure.Email;

/// <summary>
/// With no SMTP relay configured, writes each message as an .eml file (opens in any mail client) under
/// <c>Email:PickupDirectory</c> and logs its path, so a newcomer can read the welcome email without a mail server.
/// </summary>
public sealed partial class PickupDirectoryEmailSender(IOptions<EmailOptions> options, IHostEnvironment environment, ILogger<PickupDirectoryEmailSender> logger)
    : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var mime = message.ToMime(options.Value);
        var messageId = mime.MessageId ?? "";
        var directory = Path.GetFullPath(options.Value.PickupDirectory, environment.ContentRootPath);
        Directory.CreateDirectory(directory);
        // Named after the Message-ID: a job that runs again rewrites its file instead of adding a second one.
        var path = Path.Combine(directory, UnsafeFileNameCharacters().Replace(messageId, "_") + ".eml");
        // Written aside, then moved into place, so a mail client watching the folder never opens half a message.
        var partial = path + ".partial";
        await mime.WriteToAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true);
        LogWritten(logger, messageId, path);
    }

    [GeneratedRegex("[^A-Za-z0-9._@-]")]
    private static partial Regex UnsafeFileNameCharacters();

    [LoggerMessage(Level = LogLevel.Information, Message = "Email {MessageId} written to {Path} (no SMTP host is configured)")]
    private static partial void LogWritten(ILogger logger, string messageId, string path);
}
