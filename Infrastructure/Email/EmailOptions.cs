using MailKit.Security;

namespace MinimalBackend.Infrastructure.Email;

/// <summary>Bound from the <c>Email</c> section.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    /// <summary>The sender's address on every message.</summary>
    public string From { get; set; } = "no-reply@minimal-backend.local";

    public string FromName { get; set; } = "MinimalBackend";

    /// <summary>Where messages are written as .eml files when no SMTP host is set; relative to the content root.</summary>
    public string PickupDirectory { get; set; } = ".data/mail";

    /// <summary>SMTP relay; when <see cref="SmtpOptions.Host"/> is empty, messages go to <see cref="PickupDirectory"/>.</summary>
    public SmtpOptions Smtp { get; set; } = new();
}

/// <summary>Bound from <c>Email:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>MailKit's <see cref="SecureSocketOptions"/>: <c>Auto</c> (TLS on port 465, STARTTLS when offered
    /// otherwise), <c>StartTls</c> (required), <c>SslOnConnect</c>, <c>StartTlsWhenAvailable</c> or <c>None</c>.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    /// <summary>Authenticates when set.</summary>
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Limit for each network operation of one send.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
