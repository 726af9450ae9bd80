using System.Text.RegularExpressions;
using MimeKit;

namespace MinimalBackend.Tests.Support;

/// <summary>The links of the account emails, read the way a user's mail client shows them.</summary>
public static partial class EmailLinks
{
    public const string ConfirmationSubject = "Confirm your email address";
    public const string ResetSubject = "Reset your password";

    /// <summary>The one link of the message's text part to the client's <paramref name="page"/>.</summary>
    public static Uri Link(MimeMessage message, string page)
    {
        ArgumentNullException.ThrowIfNull(message);
        var links = LinkPattern().Matches(message.TextBody ?? "").Select(m => new Uri(m.Value)).Where(u => u.AbsolutePath.EndsWith("/" + page, StringComparison.Ordinal)).ToList();
        return Assert.Single(links);
    }

    /// <summary>The token a client's page reads from the link's query string.</summary>
    public static string Token(MimeMessage message, string page)
    {
        var query = Link(message, page).Query;
        Assert.StartsWith("?token=", query, StringComparison.Ordinal);
        return Uri.UnescapeDataString(query["?token=".Length..]);
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
